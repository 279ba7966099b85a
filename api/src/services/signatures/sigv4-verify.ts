import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { RecordingSignatureV4, Sha256 } from './sigv4-steps.ts'

/**
 * Checks an AWS SigV4 signature the way API Gateway's IAM authorization does, and refuses
 * as it does: 403 with its `{"message": ...}` body and `x-amzn-ErrorType` header.
 *
 * The expected signature is computed by the AWS SDK's own signer over the request as it
 * arrived: method, path and query as sent, the headers the Authorization header lists, and
 * the SHA-256 of the raw body bytes. No second SigV4 implementation here.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
 */

/** How far X-Amz-Date may be from the server's clock, either way (API Gateway: 5 minutes). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000

export interface SigV4Credentials {
  accessKeyId: string
  secretAccessKey: string
}

export interface ReceivedRequest {
  method: string
  /** Path and query exactly as received (`request.url`). */
  url: string
  headers: IncomingHttpHeaders
  /** The raw body bytes. */
  body: Buffer
}

export interface VerifySettings {
  region: string
  service: string
  /** The keys this endpoint accepts; none: every signed request is refused. */
  credentials: SigV4Credentials[]
  now: Date
}

/** A refusal as API Gateway sends it: status, `x-amzn-ErrorType`, and the body's message. */
export interface GatewayRefusal {
  status: 403
  errorType: string
  message: string
}

export type SigV4Verdict =
  { ok: true; accessKeyId: string } | { ok: false; refusal: GatewayRefusal }

/**
 * API Gateway's answers, as recorded by its users (messages byte for byte):
 * - no Authorization header: the MISSING_AUTHENTICATION_TOKEN gateway response, 403
 *   `{"message":"Missing Authentication Token"}`; the exception is named
 *   MissingAuthenticationTokenException (common-voice/common-voice#1599 shows it in XML).
 * - a header that is not SigV4: IncompleteSignatureException, "Authorization header requires
 *   'Credential' parameter. ... Authorization=<header>" (aws/chalice#828, 403 from API Gateway;
 *   aws/aws-sdk-js#4285), or "'<part>' not a valid key=value pair (missing equal-sign) in
 *   Authorization header: '<header>'." (iann0036/cloud9-sync#10,
 *   amazon-archives/aws-cognito-angular-quickstart#50).
 * - an access key it does not know: UnrecognizedClientException, "The security token included
 *   in the request is invalid." (iann0036/iamlive#58: StatusCode 403).
 * - a scope for another region or service: InvalidSignatureException, "Credential should be
 *   scoped to a valid region, not '<region>'. " (aws/aws-sdk-js#792) and "Credential should be
 *   scoped to correct service: 'execute-api'. " (aws/aws-sdk-js#4097), trailing space included;
 *   a scope date other than the request's: "Date in Credential scope does not match YYYYMMDD
 *   from ISO-8601 version of date from HTTP: '<scope date>' != '<date>', from '<X-Amz-Date>'."
 *   (AWS's IAM troubleshooting page names the message; mhart/dynalite recorded it in full, and
 *   that AWS joins the wrong parts into one message).
 * - X-Amz-Date more than 5 minutes off: "Signature expired: 20170212T175938Z is now earlier than
 *   20170215T145534Z (20170215T150034Z - 5 min.)" (aws-amplify/aws-sdk-android#253, 403 from
 *   API Gateway) and "Signature not yet current: 20230804T000000Z is still later than
 *   20230803T172233Z (20230803T171733Z + 5 min.)" (NickWaterton/Roomba980-Python#118, 403);
 *   InvalidSignatureException (aws/aws-sdk-js#254, hassy/artillery-dino#2).
 * - a signature that does not match: InvalidSignatureException (rpgreen/apigateway-generic-java-sdk#11,
 *   floci-io/floci#4090), with the canonical string and string to sign API Gateway computed
 *   (mhart/aws4#33, aws/aws-sdk-js#2372: REST APIs on execute-api).
 */
export const MISSING_AUTHENTICATION_TOKEN: GatewayRefusal = {
  status: 403,
  errorType: 'MissingAuthenticationTokenException',
  message: 'Missing Authentication Token',
}

const UNRECOGNIZED_CLIENT: GatewayRefusal = {
  status: 403,
  errorType: 'UnrecognizedClientException',
  message: 'The security token included in the request is invalid.',
}

function incomplete(message: string): GatewayRefusal {
  return { status: 403, errorType: 'IncompleteSignatureException', message }
}

function invalidSignature(message: string): GatewayRefusal {
  return { status: 403, errorType: 'InvalidSignatureException', message }
}

export function signatureMismatch(canonicalRequest: string, stringToSign: string): GatewayRefusal {
  return invalidSignature(
    'The request signature we calculated does not match the signature you provided. ' +
      'Check your AWS Secret Access Key and signing method. ' +
      'Consult the service documentation for details.\n\n' +
      `The Canonical String for this request should have been\n'${canonicalRequest}'\n\n` +
      `The String-to-Sign should have been\n'${stringToSign}'\n`,
  )
}

/** The body API Gateway sends with a refusal: compact JSON, no trailing newline. */
export function refusalBody(refusal: GatewayRefusal): Buffer {
  return Buffer.from(JSON.stringify({ message: refusal.message }))
}

/** YYYYMMDDTHHMMSSZ, SigV4's basic ISO 8601. */
export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}

function parseAmzDate(value: string | undefined): Date | undefined {
  const match = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null
  if (!match) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[]
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!))
  return amzDate(date) === value ? date : undefined
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

interface ParsedAuthorization {
  accessKeyId: string
  date: string
  region: string
  service: string
  signedHeaders: string[]
  signature: string
}

/** The Authorization header's parts, or API Gateway's IncompleteSignatureException. */
function parseAuthorization(
  authorization: string,
  hasDate: boolean,
): ParsedAuthorization | GatewayRefusal {
  const space = authorization.indexOf(' ')
  const algorithm = space === -1 ? authorization : authorization.slice(0, space)
  const rest = space === -1 ? '' : authorization.slice(space + 1)
  const parameters = new Map<string, string>()
  if (algorithm === 'AWS4-HMAC-SHA256' || space !== -1) {
    for (const part of rest.split(',').map((p) => p.trim())) {
      if (part === '') continue
      const equals = part.indexOf('=')
      if (equals === -1) {
        return incomplete(
          `'${part}' not a valid key=value pair (missing equal-sign) in Authorization header: '${authorization}'.`,
        )
      }
      parameters.set(part.slice(0, equals), part.slice(equals + 1))
    }
  }
  const missing = [
    parameters.has('Credential') ? '' : "Authorization header requires 'Credential' parameter.",
    parameters.has('Signature') ? '' : "Authorization header requires 'Signature' parameter.",
    parameters.has('SignedHeaders')
      ? ''
      : "Authorization header requires 'SignedHeaders' parameter.",
    hasDate
      ? ''
      : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
  ].filter(Boolean)
  if (missing.length > 0 || algorithm !== 'AWS4-HMAC-SHA256') {
    return incomplete(`${missing.join(' ')} Authorization=${authorization}`.trimStart())
  }
  const credential = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(
    parameters.get('Credential') ?? '',
  )
  if (!credential) {
    return incomplete(
      `Authorization header requires 'Credential' parameter. Authorization=${authorization}`,
    )
  }
  return {
    accessKeyId: credential[1]!,
    date: credential[2]!,
    region: credential[3]!,
    service: credential[4]!,
    signedHeaders: (parameters.get('SignedHeaders') ?? '').split(';').filter(Boolean),
    signature: parameters.get('Signature') ?? '',
  }
}

function isRefusal(value: ParsedAuthorization | GatewayRefusal): value is GatewayRefusal {
  return 'errorType' in value
}

/** The query as the signer takes it: decoded names and values, repeated names as lists. */
function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part)
    } catch {
      return part
    }
  }
  const query: Record<string, string | string[]> = {}
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue
    const equals = pair.indexOf('=')
    const name = decode(equals === -1 ? pair : pair.slice(0, equals))
    const value = equals === -1 ? '' : decode(pair.slice(equals + 1))
    const previous = Object.hasOwn(query, name) ? query[name] : undefined
    query[name] =
      previous === undefined
        ? value
        : Array.isArray(previous)
          ? [...previous, value]
          : [previous, value]
  }
  return query
}

function sameSignature(expected: string, given: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(given)) return false
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'))
}

/**
 * The credential scope `<date>/<region>/<service>/aws4_request` must name this endpoint's
 * region and service and the day of the request's own date. The expected signature is
 * computed with the request's date, so without this check a scope date edited after signing
 * (the Authorization header is not itself signed) went unnoticed. AWS reports every wrong
 * part in one message, in this order; each sentence but the date's ends with a space.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html
 * @see https://docs.aws.amazon.com/general/latest/gr/sigv4-date-handling.html
 */
function checkCredentialScope(
  parsed: ParsedAuthorization,
  settings: VerifySettings,
  signedAt: Date | undefined,
): GatewayRefusal | undefined {
  const problems: string[] = []
  if (parsed.region !== settings.region) {
    problems.push(`Credential should be scoped to a valid region, not '${parsed.region}'. `)
  }
  if (parsed.service !== settings.service) {
    problems.push(`Credential should be scoped to correct service: '${settings.service}'. `)
  }
  // Recorded from AWS by mhart/dynalite (index.js, the order of its signature checks):
  // "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from
  // HTTP: 'b' != '20130609', from '20130609T095204Z'." An unreadable date is left to the
  // signature check, which refuses it with the canonical request.
  const requestDate = signedAt ? amzDate(signedAt) : undefined
  if (requestDate && parsed.date !== requestDate.slice(0, 8)) {
    problems.push(
      'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from ' +
        `HTTP: '${parsed.date}' != '${requestDate.slice(0, 8)}', from '${requestDate}'.`,
    )
  }
  return problems.length > 0 ? invalidSignature(problems.join('')) : undefined
}

/**
 * Verifies a request signed with SigV4 in its Authorization header. The checks run in the
 * order API Gateway's answers suggest: the header's shape, the access key, the credential
 * scope, the clock, then the signature itself.
 */
export async function verifySigV4(
  request: ReceivedRequest,
  settings: VerifySettings,
): Promise<SigV4Verdict> {
  const authorization = header(request.headers, 'authorization')
  if (authorization === undefined || authorization.trim() === '') {
    return { ok: false, refusal: MISSING_AUTHENTICATION_TOKEN }
  }
  const amzDateHeader = header(request.headers, 'x-amz-date')
  const hasDate = amzDateHeader !== undefined || header(request.headers, 'date') !== undefined
  const parsed = parseAuthorization(authorization.trim(), hasDate)
  if (isRefusal(parsed)) return { ok: false, refusal: parsed }

  // The keys here are long-term ones: a session token cannot belong to any of them.
  const credentials = settings.credentials.find((c) => c.accessKeyId === parsed.accessKeyId)
  if (!credentials || header(request.headers, 'x-amz-security-token') !== undefined) {
    return { ok: false, refusal: UNRECOGNIZED_CLIENT }
  }
  // The SDK signs with X-Amz-Date; a request dated only by `Date` is checked against it too.
  const signedAt = parseAmzDate(amzDateHeader) ?? parseAmzDate(header(request.headers, 'date'))
  const scopeRefusal = checkCredentialScope(parsed, settings, signedAt)
  if (scopeRefusal) return { ok: false, refusal: scopeRefusal }

  const now = settings.now
  if (signedAt && signedAt.getTime() < now.getTime() - MAX_CLOCK_SKEW_MS) {
    const earliest = new Date(now.getTime() - MAX_CLOCK_SKEW_MS)
    return {
      ok: false,
      refusal: invalidSignature(
        `Signature expired: ${amzDate(signedAt)} is now earlier than ${amzDate(earliest)} (${amzDate(now)} - 5 min.)`,
      ),
    }
  }
  if (signedAt && signedAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
    const latest = new Date(now.getTime() + MAX_CLOCK_SKEW_MS)
    return {
      ok: false,
      refusal: invalidSignature(
        `Signature not yet current: ${amzDate(signedAt)} is still later than ${amzDate(latest)} (${amzDate(now)} + 5 min.)`,
      ),
    }
  }

  const questionMark = request.url.indexOf('?')
  const path = questionMark === -1 ? request.url : request.url.slice(0, questionMark)
  const rawQuery = questionMark === -1 ? '' : request.url.slice(questionMark + 1)
  const headers: Record<string, string> = {}
  for (const name of parsed.signedHeaders) {
    const value = header(request.headers, name)
    if (value !== undefined) headers[name] = value
  }
  const host = header(request.headers, 'host') ?? ''
  const signer = new RecordingSignatureV4(
    {
      service: settings.service,
      region: settings.region,
      credentials,
      sha256: Sha256,
      uriEscapePath: true,
      applyChecksum: false,
    },
    createHash('sha256').update(request.body).digest('hex'),
  )
  // An unparseable date still gets a canonical request to show: the signer needs some date.
  const signingDate = signedAt ?? now
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname: host.replace(/:\d+$/, ''),
      path,
      query: parseQuery(rawQuery),
      headers,
    },
    { signingDate, signableHeaders: new Set(parsed.signedHeaders) },
  )
  const expected = /Signature=([0-9a-f]{64})$/.exec(signed.headers.authorization ?? '')?.[1] ?? ''
  if (!signedAt || !sameSignature(expected, parsed.signature)) {
    return { ok: false, refusal: signatureMismatch(signer.canonicalRequest, signer.stringToSign) }
  }
  return { ok: true, accessKeyId: credentials.accessKeyId }
}
