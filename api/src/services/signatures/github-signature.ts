import { createHmac, timingSafeEqual } from 'node:crypto'

/**
 * GitHub's webhook signature: `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the
 * request body exactly as sent, keyed with the hook's secret. The older `X-Hub-Signature`
 * (HMAC-SHA1) is not accepted on its own.
 *
 * @see https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 */

/**
 * GitHub sends lower-case hex; upper case is taken too, as the same bytes: hex digits name
 * the same value in either case (RFC 4648's base 16 is upper-case), and a relay or a script
 * that re-hexes the digest may well change the case. The README says so.
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-8
 */
const HEADER_PATTERN = /^sha256=([0-9a-fA-F]{64})$/

/** The `X-Hub-Signature-256` value GitHub sends for `body` signed with `secret`. */
export function signGithubPayload(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** Why a delivery's signature was refused; the words go into its delivery record. */
export type SignatureRefusal =
  | 'X-Hub-Signature-256 is missing'
  | 'only the SHA-1 X-Hub-Signature was sent; X-Hub-Signature-256 is required'
  | 'X-Hub-Signature-256 is not sha256= and 64 hex digits'
  | 'X-Hub-Signature-256 does not match the secret'

export type SignatureCheck =
  | {
      verified: true
      /** Which secret matched: 0 the current one, 1 the previous. */ secret: number
    }
  | { verified: false; reason: SignatureRefusal }

type Headers = Record<string, string | string[] | undefined>

/**
 * Checks a delivery's signature against each of `secrets` (the current one, and the previous
 * one while a rotation's grace lasts). Every secret is tried and compared in constant time,
 * so the answer's timing says nothing about which one, if any, came close.
 */
export function verifyGithubSignature(
  body: Uint8Array,
  headers: Headers,
  secrets: readonly string[],
): SignatureCheck {
  const header = headers['x-hub-signature-256']
  if (header === undefined || header === '') {
    return headers['x-hub-signature'] === undefined
      ? { verified: false, reason: 'X-Hub-Signature-256 is missing' }
      : {
          verified: false,
          reason: 'only the SHA-1 X-Hub-Signature was sent; X-Hub-Signature-256 is required',
        }
  }
  const hex = typeof header === 'string' ? HEADER_PATTERN.exec(header)?.[1] : undefined
  if (hex === undefined) {
    return { verified: false, reason: 'X-Hub-Signature-256 is not sha256= and 64 hex digits' }
  }
  const given = Buffer.from(hex, 'hex')
  let matched = -1
  secrets.forEach((secret, index) => {
    const expected = createHmac('sha256', secret).update(body).digest()
    if (timingSafeEqual(given, expected) && matched === -1) matched = index
  })
  return matched === -1
    ? { verified: false, reason: 'X-Hub-Signature-256 does not match the secret' }
    : { verified: true, secret: matched }
}
