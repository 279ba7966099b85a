import { describe, expect, it, vi } from 'vitest'
import {
  ADMIN_KEY_REFUSED,
  adminApiFailure,
  apiFailure,
  failureSentence,
  isKeyRefusal,
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

describe('admin API failures', () => {
  const validation = (message: string) =>
    JSON.stringify({ statusCode: 400, error: 'Bad Request', message, code: 'VALIDATION' })
  const labels = { clientid: 'Client ID', callback: 'Callback' }

  it("gives each of API Gateway's usage-plan answers its own sentence", () => {
    const refused = adminApiFailure(403, '{"message":"Forbidden"}')
    const throttled = adminApiFailure(429, '{"message":"Too Many Requests"}')
    const quota = adminApiFailure(429, '{"message":"Limit Exceeded"}')
    expect(refused.message).toBe(ADMIN_KEY_REFUSED)
    expect(refused.message).toContain("That API key wasn't accepted")
    expect(throttled.message).toBe(
      'Too many requests with this API key in a short time. Wait a few seconds and try again.',
    )
    expect(quota.message).toBe(
      'This API key has used up its request quota for the period. Try again once the quota resets, or use another key.',
    )
    for (const failure of [refused, throttled, quota]) expectPlainSentence(failure.message)
  })

  it('sends the person back to the key form only for a refused key', () => {
    expect(isKeyRefusal(adminApiFailure(403, '{"message":"Forbidden"}'))).toBe(true)
    expect(isKeyRefusal(adminApiFailure(429, '{"message":"Limit Exceeded"}'))).toBe(false)
    // API Gateway's answer for a path it has no route for is not about the key.
    const missing = adminApiFailure(403, '{"message":"Missing Authentication Token"}')
    expect(isKeyRefusal(missing)).toBe(false)
    expect(missing.message).toContain("doesn't offer that admin tool")
    expect(isKeyRefusal(adminApiFailure(403, '<html>Blocked by a firewall</html>'))).toBe(false)
  })

  it("names the refused field with the page's label", () => {
    expect(
      adminApiFailure(
        400,
        validation('body/clientid must NOT have fewer than 1 characters'),
        labels,
      ).message,
    ).toBe('Client ID must NOT have fewer than 1 characters.')
    expect(
      adminApiFailure(400, validation("body must have required property 'callback'"), labels)
        .message,
    ).toBe('Callback is required.')
    expect(adminApiFailure(400, validation('body/region must be string')).message).toBe(
      'Region must be string.',
    )
    const tooLarge = JSON.stringify({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'body/payload is larger than 512 KiB',
      code: 'BODY_TOO_LARGE',
    })
    expect(adminApiFailure(413, tooLarge, { payload: 'Payload' }).message).toBe(
      'Payload is larger than 512 KiB.',
    )
    expect(adminApiFailure(400, validation('The request body is empty')).message).toBe(
      "The server didn't accept the form: the request body is empty.",
    )
  })

  it("shows the API's explanation of other refusals, but never of a server error", () => {
    const refusal = JSON.stringify({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The URL must be absolute, like https://host/path',
      code: 'BAD_URL',
    })
    expect(adminApiFailure(400, refusal).message).toBe(
      'The URL must be absolute, like https://host/path.',
    )
    const internal = JSON.stringify({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Cannot read properties of undefined',
      code: 'INTERNAL',
    })
    expect(adminApiFailure(500, internal).message).toBe(
      'Something went wrong on our side. Please try again.',
    )
  })

  it('says a tool is missing on a 404', () => {
    const notFound = JSON.stringify({
      statusCode: 404,
      error: 'Not Found',
      message: 'Route POST /api/admin/hmac not found',
      code: 'NOT_FOUND',
    })
    expect(adminApiFailure(404, notFound).message).toBe(
      "This server doesn't offer that admin tool. It may be running an older version of meme-studio.",
    )
  })

  it('says what is missing on a 404 that names it', () => {
    const hookGone = JSON.stringify({
      statusCode: 404,
      error: 'Not Found',
      message: 'There is no webhook with that id',
      code: 'HOOK_NOT_FOUND',
    })
    expect(adminApiFailure(404, hookGone).message).toBe('There is no webhook with that id.')
    expect(adminApiFailure(404, '<html>Not Found</html>').message).toContain(
      "doesn't offer that admin tool",
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
