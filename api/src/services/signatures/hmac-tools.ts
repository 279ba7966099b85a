import { createHmac } from 'node:crypto'
import type {
  ApigeeSignature,
  ApigeeSignRequest,
  ApigeeVerification,
  ApigeeVerifyRequest,
  ApigeeWarning,
  GithubSignature,
  GithubSignatureHint,
  GithubSignatureRequest,
  HmacAlgorithm,
  HmacRequest,
  HmacResult,
} from '@meme-studio/meme-core/schema'
import { decodeField, invalidField, refuseOversized, sameBytes } from '../shared/byte-fields.ts'
import { signGithubPayload } from './github-signature.ts'

/** The calculator's cap on `key` and `message`, in UTF-8 bytes as sent. */
export const MAX_HMAC_FIELD_BYTES = 64 * 1024
/** Webhook payloads run larger than keys: a push with many commits is tens of kilobytes. */
export const MAX_GITHUB_PAYLOAD_BYTES = 512 * 1024

function hmac(algorithm: HmacAlgorithm, key: Buffer | string, message: Buffer | string): Buffer {
  return createHmac(algorithm, key).update(message).digest()
}

// ---- HMAC calculator -----------------------------------------------------------------

/** Reads a digest given as hex (when it has the digest's hex length) or base64. */
function decodeDigest(value: string, digestBytes: number): Buffer {
  const trimmed = value.trim()
  if (/^[0-9A-Fa-f]+$/.test(trimmed) && trimmed.length === digestBytes * 2) {
    return Buffer.from(trimmed, 'hex')
  }
  try {
    return decodeField('expected', trimmed, 'base64')
  } catch {
    if (/^[0-9A-Fa-f]+$/.test(trimmed) && trimmed.length % 2 === 0) {
      return Buffer.from(trimmed, 'hex')
    }
    throw invalidField('expected', 'must be a digest in hex or base64')
  }
}

export function computeHmac(input: HmacRequest): HmacResult {
  refuseOversized('key', input.key, MAX_HMAC_FIELD_BYTES)
  refuseOversized('message', input.message, MAX_HMAC_FIELD_BYTES)
  const key = decodeField('key', input.key, input.keyEncoding ?? 'utf8')
  const message = decodeField('message', input.message, input.messageEncoding ?? 'utf8')
  const digest = hmac(input.algorithm, key, message)
  const result: HmacResult = { hex: digest.toString('hex'), base64: digest.toString('base64') }
  if (input.expected !== undefined) {
    result.matches = sameBytes(decodeDigest(input.expected, digest.length), digest)
  }
  return result
}

// ---- GitHub X-Hub-Signature-256 ------------------------------------------------------

type GithubMismatchCause = GithubSignatureHint['cause']

function parsedJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) }
  } catch {
    return undefined
  }
}

/**
 * The bodies a signed delivery is usually mistaken for: what an editor, a framework's body
 * parser or a copy and paste does to it on the way to the person checking it.
 */
function mismatchCandidates(payload: string): [GithubMismatchCause, string, string][] {
  const candidates: [GithubMismatchCause, string, string | undefined][] = []
  if (payload.endsWith('\n')) {
    candidates.push([
      'trailing-newline-removed',
      'The payload without its trailing newline',
      payload.replace(/\r?\n$/, ''),
    ])
  } else {
    candidates.push([
      'trailing-newline-added',
      'The payload with a newline added at the end',
      `${payload}\n`,
    ])
  }
  const json = parsedJson(payload)
  if (json) {
    candidates.push([
      'json-compact',
      'The payload parsed as JSON and written back compactly (JSON.stringify)',
      JSON.stringify(json.value),
    ])
    candidates.push([
      'json-indented',
      'The payload parsed as JSON and written back with 2-space indents',
      JSON.stringify(json.value, null, 2),
    ])
  }
  if (payload.startsWith('payload=')) {
    candidates.push([
      'form-decoded',
      'The JSON inside the pasted form body (payload=…), URL-decoded',
      new URLSearchParams(payload).get('payload') ?? undefined,
    ])
  } else {
    candidates.push([
      'form-encoded',
      'The payload as GitHub sends it with content type application/x-www-form-urlencoded: payload= and the URL-encoded JSON',
      new URLSearchParams({ payload }).toString(),
    ])
  }
  if (payload.includes('\r\n')) {
    candidates.push([
      'crlf-to-lf',
      'The payload with CRLF line endings turned into LF',
      payload.replace(/\r\n/g, '\n'),
    ])
  }
  if (/(^|[^\r])\n/.test(payload)) {
    candidates.push([
      'lf-to-crlf',
      'The payload with LF line endings turned into CRLF',
      payload.replace(/\r?\n/g, '\r\n'),
    ])
  }
  const seen = new Set([payload])
  return candidates.flatMap(([cause, description, body]) => {
    if (body === undefined || seen.has(body)) return []
    seen.add(body)
    return [[cause, description, body]]
  })
}

/**
 * The header for a payload and, given the header a delivery carried, whether it matches;
 * when it does not, which of the usual changes to the body would explain it.
 */
export function checkGithubSignature(input: GithubSignatureRequest): GithubSignature {
  refuseOversized('secret', input.secret, MAX_HMAC_FIELD_BYTES)
  refuseOversized('payload', input.payload, MAX_GITHUB_PAYLOAD_BYTES)
  const header = signGithubPayload(input.secret, input.payload)
  if (input.expected === undefined) return { header, hints: [] }
  const expected = Buffer.from(input.expected.replace(/^sha256=/, '').toLowerCase(), 'hex')
  const digestOf = (value: string) => Buffer.from(value.slice('sha256='.length), 'hex')
  const matches = sameBytes(digestOf(header), expected)
  if (matches) return { header, matches, hints: [] }
  const hints = mismatchCandidates(input.payload).map(([cause, description, body]) => {
    const candidate = signGithubPayload(input.secret, body)
    return {
      cause,
      description,
      header: candidate,
      matches: sameBytes(digestOf(candidate), expected),
    }
  })
  return { header, matches, hints }
}

// ---- Apigee OAuth HMAC ---------------------------------------------------------------

/**
 * How a secret is shown in the signed message: always the same 8 •, so neither a character
 * of it nor its length leaks to whoever sees the answer (a screen, a screenshot, a log).
 * A stray space, which the length used to reveal, is reported as a warning instead.
 */
export const MASKED_SECRET = '••••••••'

function isAbsoluteHttpUrl(callback: string): boolean {
  let url: URL | undefined
  try {
    url = new URL(callback)
  } catch {
    url = undefined
  }
  return (
    /^https?:\/\//i.test(callback) &&
    // eslint-disable-next-line no-control-regex -- control characters are what we refuse
    !/[\s\u0000-\u001f\u007f]/.test(callback) &&
    url !== undefined &&
    url.hostname !== ''
  )
}

function checkCallback(callback: string): void {
  if (!isAbsoluteHttpUrl(callback))
    throw invalidField('callback', 'must be an absolute http(s) URL')
}

/** The client ids the tool takes (meme-core's `clientid` pattern), for other splits. */
const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/

/**
 * Another callback and client id whose concatenation is the same characters, so the same
 * signature: one character moved across the boundary, whichever way gives inputs this tool
 * would take. Only that boundary can move: the secret is also the HMAC key (another split of
 * it is another key), and the timestamp is always 10 digits, the last 10 of the message.
 */
export function otherSplit(
  callback: string,
  clientid: string,
): { callback: string; clientid: string } | undefined {
  const characters = Array.from(callback)
  const last = characters.at(-1) ?? ''
  const shorter = { callback: characters.slice(0, -1).join(''), clientid: `${last}${clientid}` }
  if (CLIENT_ID.test(shorter.clientid) && isAbsoluteHttpUrl(shorter.callback)) return shorter
  const longer = { callback: `${callback}${clientid.charAt(0)}`, clientid: clientid.slice(1) }
  if (CLIENT_ID.test(longer.clientid) && isAbsoluteHttpUrl(longer.callback)) return longer
  return undefined
}

function apigeeWarnings(input: ApigeeSignRequest): ApigeeWarning[] {
  const warnings: ApigeeWarning[] = []
  const other = otherSplit(input.callback, input.clientid)
  if (other) {
    warnings.push({
      kind: 'ambiguous-split',
      message:
        'The formula joins callback, client ID and timestamp without separators, so other ' +
        `inputs give this same signature: callback "${other.callback}" with client ID ` +
        `"${other.clientid}" signs exactly as callback "${input.callback}" with client ID ` +
        `"${input.clientid}". The signature alone cannot tell them apart: the partner must ` +
        'check the callback and the client ID themselves (against the registered app).',
      alternative: other,
    })
  }
  if (input.clientsecret.trim() !== input.clientsecret) {
    warnings.push({
      kind: 'secret-whitespace',
      message:
        'The client secret starts or ends with white space, which is signed as part of it. ' +
        'If it came from a copy and paste, remove it.',
    })
  }
  return warnings
}

/**
 * The partner's formula: base64(HMAC-SHA256(key = clientsecret,
 * message = clientsecret + callback + clientid + timestamp)), timestamp in epoch seconds.
 * The inputs are signed exactly as given: a normalised URL would be a different message.
 */
export function signApigee(input: ApigeeSignRequest, now: Date): ApigeeSignature {
  checkCallback(input.callback)
  const timestamp = input.timestamp ?? String(Math.floor(now.getTime() / 1000))
  const tail = `${input.callback}${input.clientid}${timestamp}`
  const signature = hmac('sha256', input.clientsecret, `${input.clientsecret}${tail}`).toString(
    'base64',
  )
  return {
    callback: input.callback,
    clientid: input.clientid,
    timestamp,
    signature,
    message: `${MASKED_SECRET}${tail}`,
    warnings: apigeeWarnings(input),
  }
}

/** How a base64 signature is often mangled on its way through URLs and forms. */
function apigeeHint(given: string, expected: string): string | undefined {
  let decoded: string | undefined
  try {
    decoded = decodeURIComponent(given)
  } catch {
    decoded = undefined
  }
  if (decoded !== undefined && decoded !== given && decoded === expected) {
    return 'The given signature is URL-encoded (%2B, %2F, %3D); decoded, it matches.'
  }
  if (given.includes(' ') && given.replace(/ /g, '+') === expected) {
    return 'Each + of the signature became a space, as a query string or form decoder does; with + back, it matches.'
  }
  const fromUrlSafe = given.replace(/-/g, '+').replace(/_/g, '/')
  if (
    /[-_]/.test(given) &&
    fromUrlSafe.padEnd(Math.ceil(fromUrlSafe.length / 4) * 4, '=') === expected
  ) {
    return 'The given signature is base64url (- and _, maybe unpadded); as standard base64 it matches.'
  }
  if (given.toLowerCase() === Buffer.from(expected, 'base64').toString('hex')) {
    return 'The given signature is the same HMAC written in hex; the formula wants base64.'
  }
  return undefined
}

export function verifyApigee(input: ApigeeVerifyRequest): ApigeeVerification {
  const signed = signApigee(input, new Date(Number(input.timestamp) * 1000))
  const given = input.signature
  const matches = sameBytes(Buffer.from(given, 'utf8'), Buffer.from(signed.signature, 'utf8'))
  const hint = matches ? undefined : apigeeHint(given, signed.signature)
  return {
    ...signed,
    matches,
    expected: signed.signature,
    given,
    ...(hint ? { hint } : {}),
  }
}
