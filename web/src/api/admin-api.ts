/**
 * The admin routes (`/api/admin/*`): every request and answer shape the admin pages use,
 * the runtime checks of the answers, and the calls. Each call takes the API key the
 * person entered; a refused key comes back as a `UserFacingError` (see `isKeyRefusal`).
 */
import { adminApiFailure, type FieldLabels } from './failure-messages.ts'
import { isRecord, requestJson, type Shape } from './meme-api.ts'

/** The usage-plan period a quota counts over, as API Gateway names it. */
export type UsagePeriod = 'DAY' | 'WEEK' | 'MONTH'

/** `GET /api/admin/usage`: this key's usage plan and what it has used this period. */
export interface AdminUsage {
  /** Names the key without being it. */
  keyId?: string
  period: UsagePeriod
  /** ISO 8601. */
  periodStart: string
  /** ISO 8601: when the quota resets. */
  periodEnd: string
  used: number
  remaining: number
  quota: number
  /** Steady requests per second. */
  rate: number
  /** Requests allowed at once above the rate. */
  burst: number
}

/** `POST /api/admin/hmac/apigee`. Timestamps are epoch seconds, sent as the digits signed. */
export interface ApigeeSignRequest {
  callback: string
  clientid: string
  clientsecret: string
  /** Left out: the server uses the current time. */
  timestamp?: string
}

export interface ApigeeSignature {
  callback: string
  clientid: string
  timestamp: string
  signature: string
  /** The string that was signed, the client secret masked. */
  message: string
}

/** `POST /api/admin/hmac/apigee/verify`. */
export interface ApigeeVerifyRequest {
  callback: string
  clientid: string
  clientsecret: string
  timestamp: string
  signature: string
}

export interface ApigeeVerification {
  matches: boolean
  /** The signature the inputs give. */
  expected: string
  /** The signature that was checked. */
  given: string
  /** The string that was signed, the client secret masked. */
  message: string
  /** On a mismatch the way the signature travelled explains (URL-encoded, …), a sentence. */
  hint?: string
}

export const HMAC_ALGORITHMS = ['sha1', 'sha256', 'sha384', 'sha512'] as const
export type HmacAlgorithm = (typeof HMAC_ALGORITHMS)[number]
export const BYTE_ENCODINGS = ['utf8', 'hex', 'base64'] as const
export type ByteEncoding = (typeof BYTE_ENCODINGS)[number]

/** `POST /api/admin/hmac`. */
export interface HmacRequest {
  algorithm: HmacAlgorithm
  key: string
  keyEncoding: ByteEncoding
  message: string
  messageEncoding: ByteEncoding
  /** A digest to compare with, hex or base64. */
  expected?: string
}

export interface HmacAnswer {
  hex: string
  base64: string
  /** Present when `expected` was sent. */
  matches?: boolean
}

/** `POST /api/admin/hmac/github`: the payload exactly as received, byte for byte. */
export interface GithubSignatureRequest {
  secret: string
  payload: string
  /** An `X-Hub-Signature-256` value to check. */
  expected?: string
}

/** The header a usual mistake would have produced, and whether it is the expected one. */
export interface GithubSignatureHint {
  /** `trailing-newline-added`, `json-compact`, `form-encoded`, … */
  cause: string
  /** The change to the payload, in a sentence. */
  description?: string
  header: string
  matches: boolean
}

export interface GithubSignatureAnswer {
  /** `sha256=<hex>`, as GitHub sends it in `X-Hub-Signature-256`. */
  header: string
  /** Present when `expected` was sent. */
  matches?: boolean
  hints: GithubSignatureHint[]
}

/** `POST /api/admin/sigv4/sign`. */
export interface Sigv4Request {
  method: string
  url: string
  headers?: Record<string, string>
  body?: string
  region: string
  service: string
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
  /** `YYYYMMDDTHHMMSSZ`; left out: now. */
  date?: string
}

export interface Sigv4Answer {
  canonicalRequest: string
  stringToSign: string
  /** Hex. */
  signingKey: string
  /** Hex. */
  signature: string
  /** `host;x-amz-date`, … */
  signedHeaders: string
  authorization: string
  /** Every header the signed request carries. */
  headers: Record<string, string>
  curl: string
}

const isString = (value: unknown): value is string => typeof value === 'string'
const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0

const isStringRecord = (value: unknown): value is Record<string, string> =>
  isRecord(value) && Object.values(value).every(isString)

const isUsage: Shape<AdminUsage> = (value): value is AdminUsage =>
  isRecord(value) &&
  (value.keyId === undefined || isString(value.keyId)) &&
  (value.period === 'DAY' || value.period === 'WEEK' || value.period === 'MONTH') &&
  isString(value.periodStart) &&
  isString(value.periodEnd) &&
  [value.used, value.remaining, value.quota, value.rate, value.burst].every(isCount)

/** The timestamp as digits, whether the server sends it as a number or a string. */
type ApigeeSignatureAnswer = Omit<ApigeeSignature, 'timestamp'> & { timestamp: string | number }

const isApigeeSignature: Shape<ApigeeSignatureAnswer> = (value): value is ApigeeSignatureAnswer =>
  isRecord(value) &&
  isString(value.callback) &&
  isString(value.clientid) &&
  (isString(value.timestamp) || Number.isSafeInteger(value.timestamp)) &&
  isString(value.signature) &&
  isString(value.message)

const isApigeeVerification: Shape<ApigeeVerification> = (value): value is ApigeeVerification =>
  isRecord(value) &&
  typeof value.matches === 'boolean' &&
  isString(value.expected) &&
  isString(value.given) &&
  isString(value.message) &&
  (value.hint === undefined || isString(value.hint))

const isHmacAnswer: Shape<HmacAnswer> = (value): value is HmacAnswer =>
  isRecord(value) &&
  isString(value.hex) &&
  isString(value.base64) &&
  (value.matches === undefined || typeof value.matches === 'boolean')

const isGithubHint = (value: unknown): value is GithubSignatureHint =>
  isRecord(value) &&
  isString(value.cause) &&
  (value.description === undefined || isString(value.description)) &&
  isString(value.header) &&
  typeof value.matches === 'boolean'

const isGithubAnswer: Shape<GithubSignatureAnswer> = (value): value is GithubSignatureAnswer =>
  isRecord(value) &&
  isString(value.header) &&
  (value.matches === undefined || typeof value.matches === 'boolean') &&
  Array.isArray(value.hints) &&
  value.hints.every(isGithubHint)

const isSigv4Answer: Shape<Sigv4Answer> = (value): value is Sigv4Answer =>
  isRecord(value) &&
  [
    value.canonicalRequest,
    value.stringToSign,
    value.signingKey,
    value.signature,
    value.signedHeaders,
    value.authorization,
    value.curl,
  ].every(isString) &&
  isStringRecord(value.headers)

/** The page's label for each request field, to name it in a VALIDATION sentence. */
export const APIGEE_FIELD_LABELS: FieldLabels = {
  callback: 'Callback',
  clientid: 'Client ID',
  clientsecret: 'Client secret',
  timestamp: 'Timestamp',
  signature: 'Signature to check',
}
export const HMAC_FIELD_LABELS: FieldLabels = {
  algorithm: 'Algorithm',
  key: 'Key',
  keyEncoding: 'Key encoding',
  message: 'Message',
  messageEncoding: 'Message encoding',
  expected: 'Expected HMAC',
}
export const GITHUB_FIELD_LABELS: FieldLabels = {
  secret: 'Webhook secret',
  payload: 'Payload',
  expected: 'Expected X-Hub-Signature-256',
}
export const SIGV4_FIELD_LABELS: FieldLabels = {
  method: 'Method',
  url: 'URL',
  headers: 'Headers',
  body: 'Body',
  region: 'Region',
  service: 'Service',
  accessKeyId: 'Access key ID',
  secretAccessKey: 'Secret access key',
  sessionToken: 'Session token',
  date: 'Date',
}

function adminRequest<T>(
  apiKey: string,
  path: string,
  shape: Shape<T>,
  options: { body?: unknown; labels?: FieldLabels } = {},
): Promise<T> {
  const init: RequestInit =
    options.body === undefined
      ? { headers: { 'x-api-key': apiKey } }
      : {
          method: 'POST',
          headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
          body: JSON.stringify(options.body),
        }
  return requestJson(path, init, shape, (status, body) =>
    adminApiFailure(status, body, options.labels),
  )
}

export function fetchUsage(apiKey: string): Promise<AdminUsage> {
  return adminRequest(apiKey, '/api/admin/usage', isUsage)
}

export async function signApigee(
  apiKey: string,
  request: ApigeeSignRequest,
): Promise<ApigeeSignature> {
  const answer = await adminRequest(apiKey, '/api/admin/hmac/apigee', isApigeeSignature, {
    body: request,
    labels: APIGEE_FIELD_LABELS,
  })
  return { ...answer, timestamp: String(answer.timestamp) }
}

export function verifyApigee(
  apiKey: string,
  request: ApigeeVerifyRequest,
): Promise<ApigeeVerification> {
  return adminRequest(apiKey, '/api/admin/hmac/apigee/verify', isApigeeVerification, {
    body: request,
    labels: APIGEE_FIELD_LABELS,
  })
}

export function computeHmac(apiKey: string, request: HmacRequest): Promise<HmacAnswer> {
  return adminRequest(apiKey, '/api/admin/hmac', isHmacAnswer, {
    body: request,
    labels: HMAC_FIELD_LABELS,
  })
}

export function signGithubPayload(
  apiKey: string,
  request: GithubSignatureRequest,
): Promise<GithubSignatureAnswer> {
  return adminRequest(apiKey, '/api/admin/hmac/github', isGithubAnswer, {
    body: request,
    labels: GITHUB_FIELD_LABELS,
  })
}

export function signSigv4(apiKey: string, request: Sigv4Request): Promise<Sigv4Answer> {
  return adminRequest(apiKey, '/api/admin/sigv4/sign', isSigv4Answer, {
    body: request,
    labels: SIGV4_FIELD_LABELS,
  })
}
