import { createHmac } from 'node:crypto'
import { Hash } from '@smithy/hash-node'
import { getSigningKey, SignatureV4 } from '@smithy/signature-v4'
import { AppError } from '../shared/app-error.ts'
import type { SigV4Method, SigV4SignRequest, SigV4Steps } from '@meme-studio/meme-core/schema'
import { invalidField, refuseOversized } from '../shared/byte-fields.ts'

/**
 * A SigV4 signature with every intermediate step, made by the AWS SDK's own signer: the
 * canonical request and string to sign are the very strings it hashed, captured as it
 * builds them, and the signature is the one it put in the Authorization header.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */

export const MAX_SIGV4_BODY_BYTES = 64 * 1024

type HttpRequest = Parameters<SignatureV4['presign']>[0]
type HeaderBag = HttpRequest['headers']

/** The SDK's SHA-256 for Node, as its clients configure it. */
export const Sha256 = Hash.bind(null, 'sha256')

/**
 * The SDK's signer, noting the canonical request and string to sign it makes: what the
 * SigV4 tool shows, and what a refused `/api/events` request is told it should have signed.
 * With `payloadHash`, that hash is signed whatever the request's headers say (the verifier
 * pins it to the SHA-256 of the bytes received).
 */
export class RecordingSignatureV4 extends SignatureV4 {
  canonicalRequest = ''
  stringToSign = ''

  constructor(
    options: ConstructorParameters<typeof SignatureV4>[0],
    private readonly payloadHash?: string,
  ) {
    super(options)
  }

  protected override createCanonicalRequest(
    request: HttpRequest,
    canonicalHeaders: HeaderBag,
    payloadHash: string,
  ): string {
    this.canonicalRequest = super.createCanonicalRequest(
      request,
      canonicalHeaders,
      this.payloadHash ?? payloadHash,
    )
    return this.canonicalRequest
  }

  protected override async createStringToSign(
    longDate: string,
    credentialScope: string,
    canonicalRequest: string,
    algorithmIdentifier: string,
  ): Promise<string> {
    this.stringToSign = await super.createStringToSign(
      longDate,
      credentialScope,
      canonicalRequest,
      algorithmIdentifier,
    )
    return this.stringToSign
  }
}

/** The SDK's `escapeUri`: RFC 3986 unreserved characters stay, everything else is %XX. */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
}

/** Percent-encodes what may not appear on the wire as it is (spaces, non-ASCII). */
function encodeUnsafe(part: string, allowed: RegExp, what: string): string {
  let encoded = ''
  for (const character of part) {
    if (allowed.test(character)) encoded += character
    else {
      try {
        encoded += encodeURIComponent(character)
      } catch {
        throw invalidField('url', `has a character that cannot be written as UTF-8 in its ${what}`)
      }
    }
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(encoded)) {
    throw invalidField('url', `has a % not followed by two hex digits in its ${what}`)
  }
  return encoded
}

function decodePart(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    throw invalidField('url', 'has a %-escape that is not UTF-8')
  }
}

const PATH_CHARACTER = /[A-Za-z0-9\-._~!$&'()*+,;=:@/%]/
const QUERY_CHARACTER = /[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]/
const URL_SHAPE = /^(https?):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i

interface Target {
  origin: string
  /** The Host header: name and, when not the scheme's default, port. */
  host: string
  hostname: string
  /** The path as sent: S3's already in canonical (single) encoding. */
  path: string
  rawQuery: string
  query: Record<string, string | string[]>
}

/**
 * Splits the URL without the WHATWG parser's clean-up: it would resolve `..` and re-encode
 * the path, and a signature covers the path exactly as sent (S3 keys may contain `..`).
 */
function parseTarget(url: string, service: string): Target {
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  const shape = /[\u0000-\u001f\u007f]/.test(url) ? null : URL_SHAPE.exec(url)
  let parsed: URL | undefined
  try {
    parsed = shape ? new URL(`${shape[1]}://${shape[2]}`) : undefined
  } catch {
    parsed = undefined
  }
  if (!shape || !parsed || parsed.hostname === '') {
    throw invalidField('url', 'must be an absolute http(s) URL')
  }
  if (parsed.username || parsed.password) {
    throw invalidField('url', 'must not carry a user name or password')
  }
  let path = encodeUnsafe(shape[3] || '/', PATH_CHARACTER, 'path')
  if (service === 's3') {
    // S3 signs the path encoded once, as it decodes it; send exactly that form.
    path = path
      .split('/')
      .map((segment) => escapeUri(decodePart(segment)))
      .join('/')
  }
  const rawQuery = encodeUnsafe(shape[4] ?? '', QUERY_CHARACTER, 'query')
  const query: Record<string, string | string[]> = {}
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue
    const equals = pair.indexOf('=')
    const name = decodePart(equals === -1 ? pair : pair.slice(0, equals))
    const value = equals === -1 ? '' : decodePart(pair.slice(equals + 1))
    const previous = query[name]
    if (!Object.hasOwn(query, name) || previous === undefined) query[name] = value
    else query[name] = Array.isArray(previous) ? [...previous, value] : [previous, value]
  }
  return {
    origin: `${parsed.protocol}//${parsed.host}`,
    host: parsed.host,
    hostname: parsed.hostname,
    path,
    rawQuery,
    query,
  }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

function checkHeaders(headers: Record<string, string>): void {
  const seen = new Set<string>()
  for (const name of Object.keys(headers)) {
    if (!HEADER_NAME.test(name) || name.length > 256) {
      throw invalidField('headers', `has ${JSON.stringify(name)}, which is not an HTTP header name`)
    }
    const lower = name.toLowerCase()
    if (seen.has(lower)) throw invalidField('headers', `names ${lower} twice`)
    seen.add(lower)
  }
}

function parseDate(date: string | undefined, now: Date): Date {
  if (date === undefined) return now
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(date)
  const parts = match?.slice(1).map(Number)
  const when = parts
    ? new Date(Date.UTC(parts[0]!, parts[1]! - 1, parts[2]!, parts[3]!, parts[4]!, parts[5]!))
    : undefined
  const roundTrips =
    when !== undefined &&
    !Number.isNaN(when.getTime()) &&
    when
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '') === date
  if (!roundTrips) throw invalidField('date', 'must be a real UTC time as YYYYMMDDTHHMMSSZ')
  return when
}

/** One argument for a POSIX shell: single quotes, each ' written as '\''. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

function curlCommand(
  method: SigV4Method,
  target: Target,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
): string {
  // curl resolves ./ and ../ itself unless told not to; the signature covers the path as sent.
  const asIs = /(^|\/)\.\.?(\/|$)/.test(target.path) ? ' --path-as-is' : ''
  const lines = [`curl${asIs} ${method === 'HEAD' ? '--head' : `-X ${method}`} ${shellQuote(url)}`]
  for (const [name, value] of Object.entries(headers)) {
    lines.push(`-H ${shellQuote(`${name}: ${value}`)}`)
  }
  if (body) lines.push(`--data-binary ${shellQuote(body)}`)
  return lines.join(' \\\n  ')
}

/**
 * Signs a request with the SDK's SignatureV4 and returns each step. Non-S3 services get
 * the path normalised and encoded twice; S3 gets it as sent, encoded once, and an
 * x-amz-content-sha256 header (as the SDK's S3 client does).
 */
export async function signWithSteps(input: SigV4SignRequest, now: Date): Promise<SigV4Steps> {
  if (input.body !== undefined) refuseOversized('body', input.body, MAX_SIGV4_BODY_BYTES)
  const headers = { ...input.headers }
  checkHeaders(headers)
  const target = parseTarget(input.url, input.service)
  const signingDate = parseDate(input.date, now)
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'host')) {
    headers.host = target.host
  }
  const credentials = {
    accessKeyId: input.accessKeyId,
    secretAccessKey: input.secretAccessKey,
    ...(input.sessionToken ? { sessionToken: input.sessionToken } : {}),
  }
  const signer = new RecordingSignatureV4({
    service: input.service,
    region: input.region,
    credentials,
    sha256: Sha256,
    uriEscapePath: input.service !== 's3',
    applyChecksum: input.service === 's3',
  })
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: target.origin.startsWith('https:') ? 'https:' : 'http:',
      hostname: target.hostname,
      path: target.path,
      query: target.query,
      headers,
      ...(input.body !== undefined ? { body: input.body } : {}),
    },
    { signingDate },
  )

  const authorization = signed.headers.authorization ?? ''
  const fromHeader =
    /^AWS4-HMAC-SHA256 Credential=[^/]+\/(\S+), SignedHeaders=(\S+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    )
  const { canonicalRequest, stringToSign } = signer
  const longDate = signed.headers['x-amz-date'] ?? ''
  const signingKey = Buffer.from(
    await getSigningKey(Sha256, credentials, longDate.slice(0, 8), input.region, input.service),
  )
  // Shown steps must be the ones behind the signature; a disagreement is our bug, not a result.
  const recomputed = createHmac('sha256', signingKey).update(stringToSign).digest('hex')
  if (!fromHeader || !canonicalRequest || !stringToSign || recomputed !== fromHeader[3]) {
    throw new AppError(500, 'INTERNAL', 'Something went wrong on our side', {
      cause: new Error('SigV4 steps do not reproduce the signature the signer made'),
    })
  }
  const sent = { ...signed.headers }
  const url = `${target.origin}${target.path}${target.rawQuery ? `?${target.rawQuery}` : ''}`
  return {
    canonicalRequest,
    stringToSign,
    signingKey: signingKey.toString('hex'),
    signature: fromHeader[3]!,
    credentialScope: fromHeader[1]!,
    signedHeaders: fromHeader[2]!,
    payloadHash: canonicalRequest.slice(canonicalRequest.lastIndexOf('\n') + 1),
    authorization,
    headers: sent,
    url,
    curl: curlCommand(input.method, target, url, sent, input.body),
  }
}
