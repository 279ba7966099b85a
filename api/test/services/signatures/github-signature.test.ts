import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  signGithubPayload,
  verifyGithubSignature,
} from '../../../src/services/signatures/github-signature.ts'

/** GitHub Docs, "Validating webhook deliveries": the published example. */
const DOCS = {
  secret: "It's a Secret to Everybody",
  payload: 'Hello, World!',
  header: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
}

const body = Buffer.from(DOCS.payload)

describe('signGithubPayload', () => {
  it("gives GitHub Docs' example header", () => {
    expect(signGithubPayload(DOCS.secret, DOCS.payload)).toBe(DOCS.header)
    expect(signGithubPayload(DOCS.secret, body)).toBe(DOCS.header)
  })
})

describe('verifyGithubSignature', () => {
  it("accepts GitHub Docs' example", () => {
    expect(
      verifyGithubSignature(body, { 'x-hub-signature-256': DOCS.header }, [DOCS.secret]),
    ).toEqual({ verified: true, secret: 0 })
  })

  it('accepts upper-case hex digits', () => {
    const header = `sha256=${DOCS.header.slice(7).toUpperCase()}`
    expect(
      verifyGithubSignature(body, { 'x-hub-signature-256': header }, [DOCS.secret]).verified,
    ).toBe(true)
  })

  it('checks the bytes as sent: a trailing newline is part of them', () => {
    const pretty = Buffer.from('{\n  "zen": "Keep it logically awesome."\n}\n')
    const header = signGithubPayload('s3cret', pretty)
    expect(
      verifyGithubSignature(pretty, { 'x-hub-signature-256': header }, ['s3cret']).verified,
    ).toBe(true)
    const trimmed = pretty.subarray(0, pretty.length - 1)
    expect(verifyGithubSignature(trimmed, { 'x-hub-signature-256': header }, ['s3cret'])).toEqual({
      verified: false,
      reason: 'X-Hub-Signature-256 does not match the secret',
    })
  })

  it('says which secret matched: the previous one during a rotation', () => {
    expect(
      verifyGithubSignature(body, { 'x-hub-signature-256': DOCS.header }, ['new', DOCS.secret]),
    ).toEqual({ verified: true, secret: 1 })
  })

  it.each([
    ['no header', {}, 'X-Hub-Signature-256 is missing'],
    ['an empty header', { 'x-hub-signature-256': '' }, 'X-Hub-Signature-256 is missing'],
    [
      'the SHA-1 header only',
      { 'x-hub-signature': `sha1=${createHmac('sha1', DOCS.secret).update(body).digest('hex')}` },
      'only the SHA-1 X-Hub-Signature was sent; X-Hub-Signature-256 is required',
    ],
    [
      'a short digest',
      { 'x-hub-signature-256': DOCS.header.slice(0, -2) },
      'X-Hub-Signature-256 is not sha256= and 64 hex digits',
    ],
    [
      'a long digest',
      { 'x-hub-signature-256': `${DOCS.header}00` },
      'X-Hub-Signature-256 is not sha256= and 64 hex digits',
    ],
    [
      'non-hex digits',
      { 'x-hub-signature-256': `${DOCS.header.slice(0, -1)}g` },
      'X-Hub-Signature-256 is not sha256= and 64 hex digits',
    ],
    [
      'another algorithm name',
      { 'x-hub-signature-256': DOCS.header.replace('sha256=', 'sha512=') },
      'X-Hub-Signature-256 is not sha256= and 64 hex digits',
    ],
    [
      'the header twice',
      { 'x-hub-signature-256': [DOCS.header, DOCS.header] },
      'X-Hub-Signature-256 is not sha256= and 64 hex digits',
    ],
    [
      'another secret',
      { 'x-hub-signature-256': signGithubPayload('wrong', body) },
      'X-Hub-Signature-256 does not match the secret',
    ],
  ])('refuses %s', (_case, headers, reason) => {
    expect(verifyGithubSignature(body, headers, [DOCS.secret])).toEqual({ verified: false, reason })
  })
})
