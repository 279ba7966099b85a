import { describe, expect, it } from 'vitest'
import {
  signBitbucketPayload,
  verifyBitbucketSignature,
} from '../../../src/services/signatures/bitbucket-signature.ts'
import {
  GITEE_TIMESTAMP_TOLERANCE_MS,
  signGiteeTimestamp,
  verifyGiteeToken,
} from '../../../src/services/signatures/gitee-token.ts'
import { verifyGitlabToken } from '../../../src/services/signatures/gitlab-token.ts'

/**
 * GitHub Docs, "Validating webhook deliveries": HMAC-SHA256 of the body, hex. Bitbucket Cloud
 * signs with the same algorithm and format, under `X-Hub-Signature`.
 * @see https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 * @see https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/#Secure-webhooks
 */
const HMAC_VECTOR = {
  secret: "It's a Secret to Everybody",
  body: 'Hello, World!',
  header: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
}

/**
 * Gitee's docs' push example carries `timestamp: 1576754827988` and `password: pwd`; signed
 * with the docs' formula (HMAC-SHA256 of `timestamp\nsecret`, base64) by
 * `printf '1576754827988\npwd' | openssl dgst -sha256 -hmac pwd -binary | base64`.
 * @see https://help.gitee.com/webhook/how-to-verify-webhook-keys
 */
const GITEE_VECTOR = {
  secret: 'pwd',
  timestamp: 1576754827988,
  token: 'vCVcOzyV8NXbkmXf2Kacsk+VO4rjF8vV/lI2jSL31Vw=',
}

describe('Bitbucket X-Hub-Signature', () => {
  const body = Buffer.from(HMAC_VECTOR.body)

  it('signs the published vector', () => {
    expect(signBitbucketPayload(HMAC_VECTOR.secret, HMAC_VECTOR.body)).toBe(HMAC_VECTOR.header)
  })

  it('verifies it with the current or the previous secret', () => {
    const headers = { 'x-hub-signature': HMAC_VECTOR.header }
    expect(verifyBitbucketSignature(body, headers, [HMAC_VECTOR.secret])).toEqual({
      verified: true,
      secret: 0,
    })
    expect(verifyBitbucketSignature(body, headers, ['new', HMAC_VECTOR.secret])).toEqual({
      verified: true,
      secret: 1,
    })
  })

  it.each([
    [{}, 'X-Hub-Signature is missing (is a secret set on the Bitbucket webhook?)'],
    [{ 'x-hub-signature': 'sha1=abc' }, 'X-Hub-Signature is not sha256= and 64 hex digits'],
    [
      { 'x-hub-signature': HMAC_VECTOR.header.replace(/.$/, '0') },
      'X-Hub-Signature does not match the secret',
    ],
  ])('refuses %o', (headers, reason) => {
    expect(verifyBitbucketSignature(body, headers, [HMAC_VECTOR.secret])).toEqual({
      verified: false,
      reason,
    })
  })

  it('refuses the right signature over other bytes', () => {
    const headers = { 'x-hub-signature': HMAC_VECTOR.header }
    expect(
      verifyBitbucketSignature(Buffer.from('Hello, World! '), headers, [HMAC_VECTOR.secret]),
    ).toMatchObject({ verified: false })
  })
})

describe('GitLab X-Gitlab-Token', () => {
  it('takes the token itself, current or previous', () => {
    expect(verifyGitlabToken({ 'x-gitlab-token': 's3cr3t' }, ['s3cr3t'])).toEqual({
      verified: true,
      secret: 0,
    })
    expect(verifyGitlabToken({ 'x-gitlab-token': 'old' }, ['s3cr3t', 'old'])).toEqual({
      verified: true,
      secret: 1,
    })
  })

  it.each([
    [{}, 'X-Gitlab-Token is missing'],
    [{ 'x-gitlab-token': ['s3cr3t', 's3cr3t'] }, 'X-Gitlab-Token is missing'],
    [{ 'x-gitlab-token': 's3cr3' }, 'X-Gitlab-Token does not match the secret'],
    [{ 'x-gitlab-token': 's3cr3t ' }, 'X-Gitlab-Token does not match the secret'],
  ])('refuses %o', (headers, reason) => {
    expect(verifyGitlabToken(headers, ['s3cr3t'])).toEqual({ verified: false, reason })
  })
})

describe('Gitee X-Gitee-Token', () => {
  const { secret, timestamp, token } = GITEE_VECTOR

  it('signs the timestamp as the docs do', () => {
    expect(signGiteeTimestamp(secret, timestamp)).toBe(token)
  })

  it('takes the signature within an hour either way, URL-encoded too', () => {
    const headers = { 'x-gitee-token': token, 'x-gitee-timestamp': String(timestamp) }
    for (const now of [
      timestamp,
      timestamp + GITEE_TIMESTAMP_TOLERANCE_MS,
      timestamp - GITEE_TIMESTAMP_TOLERANCE_MS,
    ]) {
      expect(verifyGiteeToken(headers, [secret], now)).toEqual({ verified: true, secret: 0 })
    }
    const encoded = { ...headers, 'x-gitee-token': encodeURIComponent(token) }
    expect(verifyGiteeToken(encoded, ['new', secret], timestamp)).toEqual({
      verified: true,
      secret: 1,
    })
  })

  it('refuses a signature over an hour old or ahead', () => {
    const headers = { 'x-gitee-token': token, 'x-gitee-timestamp': String(timestamp) }
    for (const now of [
      timestamp + GITEE_TIMESTAMP_TOLERANCE_MS + 1,
      timestamp - GITEE_TIMESTAMP_TOLERANCE_MS - 1,
    ]) {
      expect(verifyGiteeToken(headers, [secret], now)).toEqual({
        verified: false,
        reason:
          'X-Gitee-Timestamp is not within an hour of now, and X-Gitee-Token is not the password',
      })
    }
  })

  it('takes the password mode: the secret itself, with or without a timestamp', () => {
    expect(verifyGiteeToken({ 'x-gitee-token': secret }, [secret], 0)).toEqual({
      verified: true,
      secret: 0,
    })
  })

  it.each([
    [{}, 'X-Gitee-Token is missing'],
    [{ 'x-gitee-token': 'pw' }, 'X-Gitee-Token does not match the secret'],
    [
      { 'x-gitee-token': token, 'x-gitee-timestamp': String(timestamp + 1) },
      'X-Gitee-Token does not match the secret',
    ],
    [
      { 'x-gitee-token': token, 'x-gitee-timestamp': 'soon' },
      'X-Gitee-Timestamp is not within an hour of now, and X-Gitee-Token is not the password',
    ],
  ])('refuses %o', (headers, reason) => {
    expect(verifyGiteeToken(headers, [secret], timestamp)).toEqual({ verified: false, reason })
  })
})
