import { createHmac } from 'node:crypto'
import {
  firstMatch,
  sameText,
  singleHeader,
  type Headers,
  type TokenCheck,
} from './provider-check.ts'

/**
 * Gitee's webhook secret, in either of its two modes, both in `X-Gitee-Token`:
 *
 * - password (WebHook 密码): the password itself;
 * - signature (签名密钥): base64(HMAC-SHA256(secret, `${timestamp}\n${secret}`)), the timestamp
 *   (milliseconds) sent in `X-Gitee-Timestamp`; Gitee's docs allow it to be an hour off at
 *   most, so an older or later one is refused. The docs' last step URL-encodes the value;
 *   the header carries it as it is, and an encoded one is decoded.
 *
 * Neither covers the body: the signature only proves the sender knows the secret, and is good
 * for an hour (use HTTPS).
 *
 * @see https://help.gitee.com/webhook/how-to-verify-webhook-keys
 * @see https://help.gitee.com/webhook/gitee-webhook-push-data-format
 */

/** How far `X-Gitee-Timestamp` may be from our clock, either way. */
export const GITEE_TIMESTAMP_TOLERANCE_MS = 60 * 60 * 1000

/** The signature-mode `X-Gitee-Token` for `timestamp` (ms since the epoch). */
export function signGiteeTimestamp(secret: string, timestamp: number | string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${secret}`, 'utf8').digest('base64')
}

function decoded(token: string): string {
  if (!token.includes('%')) return token
  try {
    return decodeURIComponent(token)
  } catch {
    return token
  }
}

export function verifyGiteeToken(
  headers: Headers,
  secrets: readonly string[],
  now: number,
): TokenCheck {
  const raw = singleHeader(headers, 'x-gitee-token')
  if (raw === undefined) return { verified: false, reason: 'X-Gitee-Token is missing' }
  const token = decoded(raw)
  const timestamp = singleHeader(headers, 'x-gitee-timestamp')
  const fresh =
    timestamp !== undefined &&
    /^\d{1,16}$/.test(timestamp) &&
    Math.abs(now - Number(timestamp)) <= GITEE_TIMESTAMP_TOLERANCE_MS
  const matched = firstMatch(secrets, (secret) =>
    // Both are computed for every secret, so the time says nothing about which mode matched.
    [sameText(token, secret), fresh && sameText(token, signGiteeTimestamp(secret, timestamp))].some(
      Boolean,
    ),
  )
  if (matched !== -1) return { verified: true, secret: matched }
  if (timestamp !== undefined && !fresh) {
    return {
      verified: false,
      reason:
        'X-Gitee-Timestamp is not within an hour of now, and X-Gitee-Token is not the password',
    }
  }
  return { verified: false, reason: 'X-Gitee-Token does not match the secret' }
}
