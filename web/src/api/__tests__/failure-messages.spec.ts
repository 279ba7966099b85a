import { describe, expect, it, vi } from 'vitest'
import {
  apiFailure,
  failureSentence,
  s3UploadFailure,
  UserFacingError,
} from '../failure-messages.ts'

const s3Error = (code: string, message = 'Details only S3 cares about') =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>`

/** Nothing machine-shaped may reach the person: no markup, JSON, codes or stack traces. */
function expectPlainSentence(text: string): void {
  expect(text).toMatch(/^[A-Z"'a-z].*[.!]$/)
  expect(text).not.toMatch(/[<>{}]|Error:|at \w+ \(|statusCode|[A-Z]{3,}_[A-Z]+/)
}

describe('S3 upload failures', () => {
  it.each([
    ['EntityTooLarge', 413, 'larger than the upload limit of 10 MB'],
    ['EntityTooSmall', 400, 'That file is empty'],
    ['AccessDenied', 403, 'its permission may have expired'],
    ['InvalidPolicyDocument', 400, "upload permission wasn't valid"],
    ['SignatureDoesNotMatch', 403, "upload permission wasn't valid"],
    ['NoSuchBucket', 404, "picture storage isn't set up"],
    ['RequestTimeout', 400, 'The upload took too long'],
  ])('explains %s in a sentence', (code, status, expected) => {
    const failure = s3UploadFailure(status, s3Error(code), 10 * 1024 * 1024)
    expect(failure.message).toContain(expected)
    expect(failure.message).not.toContain(code)
    expect(failure.message).not.toContain('Details only S3 cares about')
    expectPlainSentence(failure.message)
    expect(failure.code).toBe(code)
  })

  it('says the storage could not be reached when the request never got an answer', () => {
    expect(s3UploadFailure(0, '').message).toBe(
      "We couldn't reach the storage service. Check your connection and try again.",
    )
  })

  it('falls back to a sentence for codes and bodies it does not know', () => {
    const unknown = s3UploadFailure(400, s3Error('SomethingNew', 'raw detail'))
    expect(unknown.message).toBe('The storage service refused the upload. Please try again.')
    expectPlainSentence(s3UploadFailure(503, '<html><body>Bad gateway</body></html>').message)
    expectPlainSentence(s3UploadFailure(500, 'not xml at all').message)
  })
})

describe('API failures', () => {
  const apiError = (
    statusCode: number,
    code: string,
    message = 'body/captions must NOT have fewer than 1 items',
  ) => JSON.stringify({ statusCode, error: 'Bad Request', message, code })

  it.each([
    ['BAD_FILENAME', 400, "file name can't be used"],
    ['UNSUPPORTED_MEDIA', 415, "That file isn't a picture we can use"],
    ['VALIDATION', 400, "captions weren't accepted"],
    ['IMAGE_NOT_FOUND', 404, "couldn't be found any more"],
    ['IMAGE_TOO_LARGE', 422, 'too large for us to render'],
    ['IMAGE_UNREADABLE', 422, 'seems to be damaged'],
    ['OUTPUT_TOO_LARGE', 422, 'too big to send back'],
    ['STORAGE_UNAVAILABLE', 503, "storage isn't available"],
    ['TEXT_DOES_NOT_FIT', 422, "doesn't fit its box"],
    ['BUSY', 503, 'busy right now'],
    ['BODY_TOO_LARGE', 413, 'too much to send at once'],
    ['INTERNAL', 500, 'Something went wrong on our side'],
  ])('explains %s in a sentence, not the server message', (code, status, expected) => {
    const failure = apiFailure(status, apiError(status, code))
    expect(failure.message).toContain(expected)
    expect(failure.message).not.toContain('body/captions')
    expectPlainSentence(failure.message)
    expect(failure.code).toBe(code)
  })

  it('turns a proxy HTML page into a sentence', () => {
    const html = '<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1></body></html>'
    const failure = apiFailure(502, html)
    expect(failure.message).toBe(
      "The meme-studio server isn't available right now. Please try again in a moment.",
    )
  })

  it('explains gateway-style errors', () => {
    expect(apiFailure(429, '{"message":"Too Many Requests"}').message).toContain('Too many memes')
    expect(apiFailure(429, '{"message":"Limit Exceeded"}').message).toContain("Today's limit")
    expect(apiFailure(403, '{"message":"Forbidden"}').message).toContain('refused')
  })

  it('explains an unknown code or an empty body by its status', () => {
    expect(apiFailure(504, '').message).toBe(
      'The server took too long to answer. Please try again.',
    )
    expectPlainSentence(apiFailure(400, apiError(400, 'SOMETHING_NEW')).message)
    expectPlainSentence(
      apiFailure(500, 'Internal Server Error\n    at handler (app.js:1:1)').message,
    )
  })
})

describe('failureSentence', () => {
  it('never shows the text of an unexpected error, but logs it for developers', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const sentence = failureSentence(
      new TypeError("Cannot read properties of undefined (reading 'x')"),
    )
    expect(sentence).toBe('Something went wrong on our side. Please try again.')
    expect(log).toHaveBeenCalledOnce()
  })

  it('shows a sentence that was already written for people', () => {
    expect(failureSentence(new UserFacingError('Choose a smaller picture.'))).toBe(
      'Choose a smaller picture.',
    )
  })
})
