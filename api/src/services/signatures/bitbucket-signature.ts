import { createHmac, timingSafeEqual } from 'node:crypto'
import { firstMatch, singleHeader, type Headers, type TokenCheck } from './provider-check.ts'

/**
 * Bitbucket Cloud's webhook signature: with a secret set on the webhook, every delivery
 * carries `X-Hub-Signature: sha256=<hex>`, the HMAC-SHA256 of the body as sent, keyed with the
 * secret: GitHub's algorithm, under the header name GitHub uses for SHA-1. A webhook without a
 * secret sends no signature, and is refused.
 *
 * @see https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/#Secure-webhooks
 * @see https://www.atlassian.com/blog/bitbucket/enhanced-webhook-security
 */

const HEADER_PATTERN = /^sha256=([0-9a-fA-F]{64})$/

/** The `X-Hub-Signature` value Bitbucket sends for `body` signed with `secret`. */
export function signBitbucketPayload(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

export function verifyBitbucketSignature(
  body: Uint8Array,
  headers: Headers,
  secrets: readonly string[],
): TokenCheck {
  const header = singleHeader(headers, 'x-hub-signature')
  if (header === undefined) {
    return {
      verified: false,
      reason: 'X-Hub-Signature is missing (is a secret set on the Bitbucket webhook?)',
    }
  }
  const hex = HEADER_PATTERN.exec(header)?.[1]
  if (hex === undefined) {
    return { verified: false, reason: 'X-Hub-Signature is not sha256= and 64 hex digits' }
  }
  const given = Buffer.from(hex, 'hex')
  const matched = firstMatch(secrets, (secret) =>
    timingSafeEqual(given, createHmac('sha256', secret).update(body).digest()),
  )
  return matched === -1
    ? { verified: false, reason: 'X-Hub-Signature does not match the secret' }
    : { verified: true, secret: matched }
}
