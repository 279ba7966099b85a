import { randomBytes, timingSafeEqual } from 'node:crypto'
import { IncomingMessage, type RequestListener, type ServerResponse } from 'node:http'
import { resolve, sep } from 'node:path'
import { AppError } from './services/shared/app-error.ts'
import {
  checkPolicyForm,
  inspectS3Policy,
  parseCredential,
  type PolicyFormFailure,
} from './services/signatures/s3-policy-inspect.ts'
import { RecordingSignatureV4, Sha256 } from './services/signatures/sigv4-steps.ts'
import { amzDate } from './services/signatures/sigv4-verify.ts'

/**
 * What stands in front of s3rver, which lets anonymous requests through, does not compute
 * SigV4 signatures, ignores POST policies and maps object keys straight onto file paths.
 * Here every request must be one S3 itself would take from the app: signed with the app's
 * credentials (Authorization header or presigned query, SigV4 only), or a browser POST whose
 * policy the app signed and whose fields and file meet it. Refusals are S3's own XML errors.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTForms.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */

export interface S3GateSettings {
  credentials: { accessKeyId: string; secretAccessKey: string }
  region: string
  /** Where s3rver keeps the buckets: no key may name a file outside `<root>/<bucket>`. */
  root: string
  /** The origins the buckets' CORS rule allows: refusals carry the header too, as on S3. */
  corsOrigins: readonly string[]
  /**
   * The largest browser POST read to check against its policy (S3 takes up to 5 GB in one;
   * the stand-in holds the form in memory, so it takes no more than the app's policies allow).
   */
  maxPostBytes: number
  /**
   * Called with the keys of a DeleteObjects request as it is passed on and again as its answer
   * goes out: s3rver announces an event for every other write (`event`), not for that one.
   */
  onDeleted?: (bucket: string, keys: readonly string[]) => void
  now?: () => Date
}

/** How far a header-signed request's X-Amz-Date may be from the clock (S3: 15 minutes). */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000

/** A DeleteObjects body lists at most 1000 keys of 1 KiB each. */
const MAX_DELETE_BODY_BYTES = 2 * 1024 * 1024

interface S3Refusal {
  status: number
  code: string
  message: string
}

const ACCESS_DENIED: S3Refusal = { status: 403, code: 'AccessDenied', message: 'Access Denied' }
const INVALID_ACCESS_KEY: S3Refusal = {
  status: 403,
  code: 'InvalidAccessKeyId',
  message: 'The AWS Access Key Id you provided does not exist in our records.',
}
const SIGNATURE_MISMATCH: S3Refusal = {
  status: 403,
  code: 'SignatureDoesNotMatch',
  message:
    'The request signature we calculated does not match the signature you provided. ' +
    'Check your key and signing method.',
}
const ONLY_SIGV4: S3Refusal = {
  status: 400,
  code: 'InvalidRequest',
  message:
    'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
}
/**
 * S3 stores keys such as `../x` as opaque names; s3rver maps a key onto a file path, so
 * such a key would name a file outside the bucket. InvalidArgument is S3's answer for a
 * request argument it will not take.
 */
const UNSAFE_KEY: S3Refusal = {
  status: 400,
  code: 'InvalidArgument',
  message:
    'The embedded S3 takes no object key with a "." or ".." segment, a backslash or a NUL: ' +
    'it stores keys as files, and such a key names a file outside the bucket.',
}
const INVALID_URI: S3Refusal = {
  status: 400,
  code: 'InvalidURI',
  message: "Couldn't parse the specified URI.",
}
const INVALID_BUCKET: S3Refusal = {
  status: 400,
  code: 'InvalidBucketName',
  message: 'The specified bucket is not valid.',
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** S3's error document; a refused browser POST from an allowed origin can read it. */
function refuse(
  request: IncomingMessage,
  response: ServerResponse,
  refusal: S3Refusal,
  corsOrigins: readonly string[],
): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase()
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${refusal.code}</Code><Message>${escapeXml(refusal.message)}</Message>` +
    `<RequestId>${requestId}</RequestId></Error>`
  const origin = request.headers.origin
  response.writeHead(refusal.status, {
    'content-type': 'application/xml',
    'x-amz-request-id': requestId,
    connection: 'close',
    ...(origin && corsOrigins.includes(origin) ? { 'access-control-allow-origin': origin } : {}),
  })
  response.end(body)
  // Whatever the client still sends is read and dropped, so that it gets this answer
  // rather than a reset connection.
  request.resume()
}

/** A key s3rver would turn into a path leaving its bucket directory. */
export function isUnsafeKey(key: string): boolean {
  return (
    key.includes('\\') ||
    key.includes('\0') ||
    key.split('/').some((segment) => segment === '.' || segment === '..')
  )
}

/** S3's bucket naming rules; `..` and anything else would name another directory. */
function isBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..')
}

function decode(part: string): string | undefined {
  try {
    return decodeURIComponent(part)
  } catch {
    return undefined
  }
}

/** Names and values decoded, as the signer takes them; repeated names become lists. */
function parseQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {}
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue
    const equals = pair.indexOf('=')
    const name = decode(equals === -1 ? pair : pair.slice(0, equals)) ?? pair
    const value = equals === -1 ? '' : (decode(pair.slice(equals + 1)) ?? pair)
    const previous = query[name]
    query[name] =
      previous === undefined
        ? value
        : Array.isArray(previous)
          ? [...previous, value]
          : [previous, value]
  }
  return query
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function parseAmzDate(value: string | undefined): Date | undefined {
  const match = value ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value) : null
  if (!match) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[]
  const date = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!))
  return amzDate(date) === value ? date : undefined
}

function sameHex(expected: string, given: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(given)) return false
  return timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given, 'hex'))
}

interface Target {
  path: string
  rawQuery: string
  query: Record<string, string | string[]>
  bucket?: string
  key?: string
}

/** Bucket and key from the path, checked raw and decoded (s3rver decodes once). */
function readTarget(url: string, root: string): Target | S3Refusal {
  const questionMark = url.indexOf('?')
  const path = questionMark === -1 ? url : url.slice(0, questionMark)
  const rawQuery = questionMark === -1 ? '' : url.slice(questionMark + 1)
  const [, rawBucket = '', ...rawKeyParts] = path.split('/')
  const rawKey = rawKeyParts.join('/')
  const bucket = decode(rawBucket)
  const key = decode(rawKey)
  if (bucket === undefined || key === undefined) return INVALID_URI
  const target: Target = { path, rawQuery, query: parseQuery(rawQuery) }
  if (rawBucket === '') return target
  if (!isBucketName(bucket)) return INVALID_BUCKET
  target.bucket = bucket
  if (rawKey === '') return target
  if (isUnsafeKey(rawKey) || isUnsafeKey(key) || leavesBucket(root, bucket, key)) return UNSAFE_KEY
  target.key = key
  return target
}

function leavesBucket(root: string, bucket: string, key: string): boolean {
  const bucketDirectory = resolve(root, bucket)
  return !resolve(bucketDirectory, key).startsWith(bucketDirectory + sep)
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name]
  return Array.isArray(value) ? value.join(',') : value
}

/** The signed headers' values, as the signer takes them. */
function signedHeaderValues(request: IncomingMessage, names: readonly string[]) {
  const headers: Record<string, string> = {}
  for (const name of names) {
    const value = headerValue(request, name)
    if (value !== undefined) headers[name] = value
  }
  return headers
}

function signer(settings: S3GateSettings, payloadHash: string): RecordingSignatureV4 {
  return new RecordingSignatureV4(
    {
      service: 's3',
      region: settings.region,
      credentials: settings.credentials,
      sha256: Sha256,
      // S3 signs the path as sent, encoded once.
      uriEscapePath: false,
      applyChecksum: false,
    },
    payloadHash,
  )
}

/** The credential scope's checks S3 makes before it computes a signature. */
function checkScope(credential: string, settings: S3GateSettings): S3Refusal | null {
  const scope = parseCredential(credential)
  if (!scope) {
    return {
      status: 400,
      code: 'AuthorizationHeaderMalformed',
      message: `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
    }
  }
  if (scope.accessKeyId !== settings.credentials.accessKeyId) return INVALID_ACCESS_KEY
  if (scope.region !== settings.region) {
    return {
      status: 400,
      code: 'AuthorizationHeaderMalformed',
      message: `The authorization header is malformed; the region '${scope.region}' is wrong; expecting '${settings.region}'`,
    }
  }
  return null
}

/** A request signed in its Authorization header, as the SDK's clients sign. */
async function verifyHeaderSignature(
  request: IncomingMessage,
  target: Target,
  settings: S3GateSettings,
  now: Date,
): Promise<S3Refusal | null> {
  const authorization = headerValue(request, 'authorization') ?? ''
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ')) return ONLY_SIGV4
  const parts = new Map(
    authorization
      .slice('AWS4-HMAC-SHA256 '.length)
      .split(',')
      .map((part) => {
        const equals = part.indexOf('=')
        return [part.slice(0, equals).trim(), part.slice(equals + 1).trim()] as const
      }),
  )
  const credential = parts.get('Credential')
  const signedHeaders = parts.get('SignedHeaders')?.split(';') ?? []
  const signature = parts.get('Signature')
  if (!credential || signedHeaders.length === 0 || !signature) {
    return {
      status: 400,
      code: 'AuthorizationHeaderMalformed',
      message:
        'The authorization header is malformed; the authorization header requires three ' +
        'components: Credential, SignedHeaders, and Signature.',
    }
  }
  const scopeRefusal = checkScope(credential, settings)
  if (scopeRefusal) return scopeRefusal
  const payloadHash = headerValue(request, 'x-amz-content-sha256')
  if (payloadHash === undefined) {
    return {
      status: 400,
      code: 'InvalidRequest',
      message: 'Missing required header for this request: x-amz-content-sha256',
    }
  }
  const signedAt = parseAmzDate(headerValue(request, 'x-amz-date'))
  if (!signedAt) {
    return {
      status: 403,
      code: 'AccessDenied',
      message: 'AWS authentication requires a valid Date or x-amz-date header',
    }
  }
  if (Math.abs(signedAt.getTime() - now.getTime()) > MAX_CLOCK_SKEW_MS) {
    return {
      status: 403,
      code: 'RequestTimeTooSkewed',
      message: 'The difference between the request time and the current time is too large.',
    }
  }
  const signed = await signer(settings, payloadHash).sign(
    {
      method: request.method ?? 'GET',
      protocol: 'http:',
      hostname: (headerValue(request, 'host') ?? '').replace(/:\d+$/, ''),
      path: target.path,
      query: target.query,
      headers: signedHeaderValues(request, signedHeaders),
    },
    { signingDate: signedAt, signableHeaders: new Set(signedHeaders) },
  )
  const expected = /Signature=([0-9a-f]{64})$/.exec(signed.headers.authorization ?? '')?.[1] ?? ''
  return sameHex(expected, signature) ? null : SIGNATURE_MISMATCH
}

/** Query parameters a presigned URL carries for its signature, which presign() sets itself. */
const PRESIGN_PARAMETERS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Signature',
]

/** A presigned URL: signature and expiry. */
async function verifyPresignedUrl(
  request: IncomingMessage,
  target: Target,
  settings: S3GateSettings,
  now: Date,
): Promise<S3Refusal | null> {
  const [algorithm, credential, date, expires, signedHeaderList, signature] =
    PRESIGN_PARAMETERS.map((name) => single(target.query[name]))
  if (algorithm !== 'AWS4-HMAC-SHA256') return ONLY_SIGV4
  const signedAt = parseAmzDate(date)
  const expiresIn = Number(expires)
  if (
    !credential ||
    !signedAt ||
    !signedHeaderList ||
    !signature ||
    !Number.isSafeInteger(expiresIn) ||
    expiresIn < 1 ||
    expiresIn > 604800
  ) {
    return {
      status: 400,
      code: 'AuthorizationQueryParametersError',
      message:
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, ' +
        'X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    }
  }
  const scopeRefusal = checkScope(credential, settings)
  if (scopeRefusal) return scopeRefusal
  if (now.getTime() > signedAt.getTime() + expiresIn * 1000) {
    return { status: 403, code: 'AccessDenied', message: 'Request has expired' }
  }
  const signedHeaders = signedHeaderList.split(';')
  const query = Object.fromEntries(
    Object.entries(target.query).filter(([name]) => !PRESIGN_PARAMETERS.includes(name)),
  )
  const payloadHash = single(target.query['X-Amz-Content-Sha256']) ?? 'UNSIGNED-PAYLOAD'
  const presigned = await signer(settings, payloadHash).presign(
    {
      method: request.method ?? 'GET',
      protocol: 'http:',
      hostname: (headerValue(request, 'host') ?? '').replace(/:\d+$/, ''),
      path: target.path,
      query,
      headers: signedHeaderValues(request, signedHeaders),
    },
    { signingDate: signedAt, expiresIn, signableHeaders: new Set(signedHeaders) },
  )
  const expected = single(presigned.query?.['X-Amz-Signature'] ?? undefined) ?? ''
  return sameHex(expected, signature) ? null : SIGNATURE_MISMATCH
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  // Past the limit the rest is read and dropped: leaving the loop would reset the connection
  // before the refusal is sent.
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size <= limit) chunks.push(chunk)
  }
  return size <= limit ? Buffer.concat(chunks) : undefined
}

/** The request again, its body the bytes already read, for s3rver to parse. */
function replay(request: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new IncomingMessage(request.socket)
  copy.method = request.method
  copy.url = request.url
  copy.headers = request.headers
  copy.rawHeaders = request.rawHeaders
  copy.httpVersion = request.httpVersion
  copy.httpVersionMajor = request.httpVersionMajor
  copy.httpVersionMinor = request.httpVersionMinor
  // The bytes are all here: nothing more is to be read from the socket, and a copy that is
  // not complete destroys the socket (and the answer) once it has been read.
  copy._read = () => {}
  copy.complete = true
  copy.push(body)
  copy.push(null)
  return copy
}

function policyRefusal(failure: PolicyFormFailure): S3Refusal {
  switch (failure.reason) {
    case 'too-large':
      return {
        status: 400,
        code: 'EntityTooLarge',
        message: 'Your proposed upload exceeds the maximum allowed size',
      }
    case 'too-small':
      return {
        status: 400,
        code: 'EntityTooSmall',
        message: 'Your proposed upload is smaller than the minimum allowed size',
      }
    case 'extra-field':
      return {
        status: 403,
        code: 'AccessDenied',
        message: `Invalid according to Policy: Extra input fields: ${failure.field}`,
      }
    case 'condition-failed':
      return {
        status: 403,
        code: 'AccessDenied',
        message: `Invalid according to Policy: Policy Condition failed: ${JSON.stringify(failure.condition)}`,
      }
  }
}

/**
 * A browser upload: the form's policy must be signed with the app's credentials, unexpired,
 * and met by the fields and the file; its key must stay in the bucket.
 */
async function checkPostForm(
  body: Buffer,
  contentType: string,
  bucket: string,
  settings: S3GateSettings,
  now: Date,
): Promise<S3Refusal | null> {
  let form: FormData
  try {
    form = await new Request('http://embedded-s3/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    }).formData()
  } catch {
    return {
      status: 400,
      code: 'MalformedPOSTRequest',
      message: 'The body of your POST request is not well-formed multipart/form-data.',
    }
  }
  const fields = new Map<string, string>()
  let file: File | undefined
  for (const [name, value] of form) {
    if (name === 'file' && typeof value !== 'string') {
      file ??= value
      continue
    }
    if (typeof value === 'string') fields.set(name.toLowerCase(), value)
  }
  if (!file) {
    return {
      status: 400,
      code: 'InvalidArgument',
      message: 'POST requires exactly one file upload per request.',
    }
  }
  const policy = fields.get('policy')
  const credential = fields.get('x-amz-credential')
  if (!policy || !credential || !fields.get('x-amz-signature')) return ACCESS_DENIED
  if (fields.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') return ONLY_SIGV4
  const scopeRefusal = checkScope(credential, settings)
  if (scopeRefusal) return scopeRefusal
  let inspection
  try {
    inspection = await inspectS3Policy(
      {
        policy,
        signature: fields.get('x-amz-signature'),
        credentials: { secretAccessKey: settings.credentials.secretAccessKey },
      },
      now,
    )
  } catch (error) {
    if (!(error instanceof AppError)) throw error
    return { status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Invalid JSON.' }
  }
  if (inspection.signature.status !== 'match') return SIGNATURE_MISMATCH
  if (!inspection.expiration || inspection.expiration.expired) {
    return {
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
    }
  }
  const failure = checkPolicyForm(inspection, { bucket, fields, fileSize: file.size })
  if (failure) return policyRefusal(failure)
  const key = fields.get('key')
  if (key === undefined || isUnsafeKey(key) || leavesBucket(settings.root, bucket, key)) {
    return UNSAFE_KEY
  }
  return null
}

/** Keys a DeleteObjects body names, entities decoded as s3rver's XML parser decodes them. */
function deleteKeys(body: Buffer): string[] {
  return [...body.toString('utf8').matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((match) =>
    (match[1] ?? '')
      .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
      .replace(/&#(\d+);/g, (_, decimal: string) => String.fromCodePoint(Number(decimal)))
      .replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) =>
        name === 'lt'
          ? '<'
          : name === 'gt'
            ? '>'
            : name === 'quot'
              ? '"'
              : name === 'apos'
                ? "'"
                : '&',
      ),
  )
}

/** Bucket and key of `x-amz-copy-source`, decoded as s3rver decodes them. */
function copySourceRefusal(request: IncomingMessage, settings: S3GateSettings): S3Refusal | null {
  const source = headerValue(request, 'x-amz-copy-source')
  if (source === undefined) return null
  let decoded: string
  try {
    decoded = decodeURI(source.split('?')[0] ?? '')
  } catch {
    return INVALID_URI
  }
  const [bucket = '', ...keyParts] = decoded.replace(/^\//, '').split('/')
  const key = keyParts.join('/')
  if (!isBucketName(bucket)) return INVALID_BUCKET
  const raw = source.replace(/^\//, '').split('/').slice(1).join('/')
  if (isUnsafeKey(key) || isUnsafeKey(raw) || leavesBucket(settings.root, bucket, key)) {
    return UNSAFE_KEY
  }
  return null
}

/**
 * Wraps s3rver's request listener: a request reaches it only once it is one S3 would take
 * from the app. CORS preflights pass, as S3 answers them without credentials.
 */
export function s3Gate(settings: S3GateSettings, next: RequestListener): RequestListener {
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const deny = (refusal: S3Refusal) => refuse(request, response, refusal, settings.corsOrigins)
    const now = settings.now?.() ?? new Date()
    const target = readTarget(request.url ?? '/', settings.root)
    if ('status' in target) return deny(target)
    const uploadId = single(target.query['uploadId'])
    if (uploadId !== undefined && !/^[A-Za-z0-9_-]+$/.test(uploadId)) {
      return deny({
        status: 404,
        code: 'NoSuchUpload',
        message:
          'The specified upload does not exist. The upload ID may be invalid, or the upload ' +
          'may have been aborted or completed.',
      })
    }
    if (request.method === 'OPTIONS') return void next(request, response)

    const signedInHeader = request.headers.authorization !== undefined
    const presigned = 'X-Amz-Algorithm' in target.query
    if (signedInHeader && presigned) {
      return deny({
        status: 400,
        code: 'InvalidArgument',
        message:
          'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, ' +
          'Signature query string parameter or the Authorization header should be specified',
      })
    }
    if (signedInHeader || presigned) {
      const refusal = signedInHeader
        ? await verifyHeaderSignature(request, target, settings, now)
        : await verifyPresignedUrl(request, target, settings, now)
      if (refusal) return deny(refusal)
      const copyRefusal = copySourceRefusal(request, settings)
      if (copyRefusal) return deny(copyRefusal)
      if (request.method === 'POST' && 'delete' in target.query) {
        const body = await readBody(request, MAX_DELETE_BODY_BYTES)
        if (!body) {
          return deny({
            status: 400,
            code: 'MalformedXML',
            message: 'The XML you provided was not well-formed or did not validate.',
          })
        }
        const keys = deleteKeys(body)
        if (keys.some((key) => isUnsafeKey(key))) return deny(UNSAFE_KEY)
        const { onDeleted } = settings
        if (onDeleted && target.bucket !== undefined) {
          const bucket = target.bucket
          onDeleted(bucket, keys)
          response.once('finish', () => onDeleted(bucket, keys))
        }
        return void next(replay(request, body), response)
      }
      return void next(request, response)
    }
    if ('Signature' in target.query || 'AWSAccessKeyId' in target.query) return deny(ONLY_SIGV4)

    const isFormUpload =
      request.method === 'POST' &&
      target.bucket !== undefined &&
      target.key === undefined &&
      target.rawQuery === ''
    if (!isFormUpload) return deny(ACCESS_DENIED)
    const contentType = headerValue(request, 'content-type') ?? ''
    if (!/^multipart\/form-data\s*;/i.test(contentType)) {
      return deny({
        status: 412,
        code: 'PreconditionFailed',
        message: 'Bucket POST must be of the enclosure-type multipart/form-data',
      })
    }
    const body = await readBody(request, settings.maxPostBytes)
    if (!body) {
      return deny({
        status: 400,
        code: 'EntityTooLarge',
        message: 'Your proposed upload exceeds the maximum allowed size',
      })
    }
    const refusal = await checkPostForm(body, contentType, target.bucket!, settings, now)
    if (refusal) return deny(refusal)
    next(replay(request, body), response)
  }
  return (request, response) => {
    handle(request, response).catch(() => {
      if (response.headersSent) return void response.destroy()
      refuse(
        request,
        response,
        {
          status: 500,
          code: 'InternalError',
          message: 'We encountered an internal error. Please try again.',
        },
        settings.corsOrigins,
      )
    })
  }
}
