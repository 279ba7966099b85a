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

/**
 * A webhook GitHub pushes to: each push to an allowed branch is archived as a zip in S3.
 * The hook `default` is the server's own (`GITHUB_WEBHOOK_SECRET`), and read-only.
 */
export interface WebhookHook {
  hookId: string
  name: string
  /** Branches archived; empty: all of them. */
  branches: string[]
  /** Put before `{owner}/{repo}/{branch}.zip` in the archive bucket: `''` or `path/`. */
  prefix: string
  /** Whether the `<repo>-<sha>/` folder GitHub wraps everything in is removed. */
  stripRoot: boolean
  /** What to paste into GitHub's Payload URL. */
  payloadUrl: string
  /** `application/json`. */
  contentType: string
  createdAt?: string
  updatedAt?: string
  /** ISO 8601: while a rotation's grace period lasts, the previous secret still works. */
  previousSecretExpiresAt?: string
}

/** The hook GitHub's `GITHUB_WEBHOOK_SECRET` deliveries go to; it can't be changed here. */
export const DEFAULT_HOOK_ID = 'default'

/** `POST /api/admin/webhooks`, and `PATCH /api/admin/webhooks/{hookId}` (every field optional). */
export interface WebhookSettings {
  name: string
  branches: string[]
  prefix: string
  stripRoot: boolean
}

/** A hook, and its secret: shown once, on creation or rotation. */
export interface WebhookWithSecret {
  hook: WebhookHook
  secret: string
}

export const DELIVERY_OUTCOMES = [
  'pong',
  'archived',
  'ignored',
  'duplicate',
  'rejected',
  'failed',
] as const
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number]

/** One request GitHub (or Ping, or Redeliver) sent to a hook, and what we answered. */
export interface DeliverySummary {
  deliveryId: string
  /** ISO 8601. */
  receivedAt: string
  /** `X-GitHub-Event`: push, ping, … */
  event: string
  /** `owner/repo`. */
  repo?: string
  branch?: string
  /** The pushed commit's sha. */
  commit?: string
  /** Whether the signature matched the hook's secret. */
  verified: boolean
  /** The HTTP status we answered with. */
  status: number
  outcome: DeliveryOutcome
  /** Why a delivery was ignored or rejected, in words. */
  reason?: string
  /** Where the push's zip was stored in the archive bucket. */
  archiveKey?: string
  versionId?: string
  durationMs: number
  error?: string
  /** The delivery this one ran again. */
  redeliveryOf?: string
}

/** A delivery with what it carried: the headers (never the secret) and the payload. */
export interface WebhookDelivery extends DeliverySummary {
  requestHeaders: Record<string, string>
  /** As received, cut at 64 KiB. */
  payload: string
  /** Whether `payload` was cut. */
  truncated?: boolean
  /** The body we answered with. */
  response: unknown
}

/** The Discord webhook's state: `disabled` when Discord answered 404 for its URL. */
export interface DiscordStatus {
  /** Whether the server has a `DISCORD_WEBHOOK_URL`. */
  configured: boolean
  state: 'ok' | 'unused' | 'disabled'
  /** Why it is disabled, in words. */
  reason?: string
  lastDeliveredAt?: string
  lastError?: string
}

/** `GET/PUT /api/admin/notifications`. */
export interface NotificationSettings {
  discord: DiscordStatus
  notifyOnArchive: boolean
  notifyOnShare: boolean
}

/** `PUT /api/admin/notifications`: `resetDiscord` uses a disabled Discord URL again. */
export interface NotificationChange {
  notifyOnArchive?: boolean
  notifyOnShare?: boolean
  resetDiscord?: boolean
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

const isOptional = <T>(value: unknown, shape: (value: unknown) => value is T) =>
  value === undefined || shape(value)

const isHook = (value: unknown): value is WebhookHook =>
  isRecord(value) &&
  [value.hookId, value.name, value.prefix, value.payloadUrl, value.contentType].every(isString) &&
  Array.isArray(value.branches) &&
  value.branches.every(isString) &&
  typeof value.stripRoot === 'boolean' &&
  [value.createdAt, value.updatedAt, value.previousSecretExpiresAt].every((date) =>
    isOptional(date, isString),
  )

const isHookList: Shape<{ hooks: WebhookHook[] }> = (value): value is { hooks: WebhookHook[] } =>
  isRecord(value) && Array.isArray(value.hooks) && value.hooks.every(isHook)

const isHookAnswer: Shape<{ hook: WebhookHook }> = (value): value is { hook: WebhookHook } =>
  isRecord(value) && isHook(value.hook)

const isHookWithSecret: Shape<WebhookWithSecret> = (value): value is WebhookWithSecret =>
  isRecord(value) && isHook(value.hook) && isString(value.secret) && value.secret !== ''

const isOutcome = (value: unknown): value is DeliveryOutcome =>
  (DELIVERY_OUTCOMES as readonly unknown[]).includes(value)

const isDeliverySummary = (value: unknown): value is DeliverySummary =>
  isRecord(value) &&
  [value.deliveryId, value.receivedAt, value.event].every(isString) &&
  typeof value.verified === 'boolean' &&
  Number.isInteger(value.status) &&
  isOutcome(value.outcome) &&
  isCount(value.durationMs) &&
  [
    value.repo,
    value.branch,
    value.commit,
    value.reason,
    value.archiveKey,
    value.versionId,
    value.error,
    value.redeliveryOf,
  ].every((field) => isOptional(field, isString))

const isDeliveryList: Shape<{ deliveries: DeliverySummary[] }> = (
  value,
): value is { deliveries: DeliverySummary[] } =>
  isRecord(value) && Array.isArray(value.deliveries) && value.deliveries.every(isDeliverySummary)

const isDeliverySummaryAnswer: Shape<{ delivery: DeliverySummary }> = (
  value,
): value is { delivery: DeliverySummary } => isRecord(value) && isDeliverySummary(value.delivery)

const isDeliveryAnswer: Shape<{ delivery: WebhookDelivery }> = (
  value,
): value is { delivery: WebhookDelivery } =>
  isRecord(value) &&
  isRecord(value.delivery) &&
  isDeliverySummary(value.delivery) &&
  isStringRecord(value.delivery.requestHeaders) &&
  isString(value.delivery.payload) &&
  isOptional(value.delivery.truncated, (flag) => typeof flag === 'boolean')

const isDiscordStatus = (value: unknown): value is DiscordStatus =>
  isRecord(value) &&
  typeof value.configured === 'boolean' &&
  (value.state === 'ok' || value.state === 'unused' || value.state === 'disabled') &&
  [value.reason, value.lastDeliveredAt, value.lastError].every((field) =>
    isOptional(field, isString),
  )

const isNotificationSettings: Shape<NotificationSettings> = (
  value,
): value is NotificationSettings =>
  isRecord(value) &&
  isDiscordStatus(value.discord) &&
  typeof value.notifyOnArchive === 'boolean' &&
  typeof value.notifyOnShare === 'boolean'

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

export const WEBHOOK_FIELD_LABELS: FieldLabels = {
  name: 'Name',
  branches: 'Branches',
  prefix: 'Archive prefix',
  stripRoot: 'Strip the top folder',
  graceSeconds: 'Keep the old secret working for',
}

function adminRequest<T>(
  apiKey: string,
  path: string,
  shape: Shape<T>,
  options: {
    method?: 'POST' | 'PUT' | 'PATCH' | 'DELETE'
    body?: unknown
    labels?: FieldLabels
  } = {},
): Promise<T> {
  const init: RequestInit =
    options.body === undefined
      ? { method: options.method ?? 'GET', headers: { 'x-api-key': apiKey } }
      : {
          method: options.method ?? 'POST',
          headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
          body: JSON.stringify(options.body),
        }
  return requestJson(path, init, shape, (status, body) =>
    adminApiFailure(status, body, options.labels),
  )
}

const isNoContent = (value: unknown): value is undefined => value === undefined

/** A `DELETE`, answered 204 with no body. */
function adminDelete(apiKey: string, path: string): Promise<void> {
  return adminRequest(apiKey, path, isNoContent, { method: 'DELETE' })
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

const hookPath = (hookId: string) => `/api/admin/webhooks/${encodeURIComponent(hookId)}`
const deliveryPath = (hookId: string, deliveryId: string) =>
  `${hookPath(hookId)}/deliveries/${encodeURIComponent(deliveryId)}`

export async function listHooks(apiKey: string): Promise<WebhookHook[]> {
  return (await adminRequest(apiKey, '/api/admin/webhooks', isHookList)).hooks
}

/** Creates a hook; the answer carries its secret, which is never sent again. */
export function createHook(apiKey: string, settings: WebhookSettings): Promise<WebhookWithSecret> {
  return adminRequest(apiKey, '/api/admin/webhooks', isHookWithSecret, {
    body: settings,
    labels: WEBHOOK_FIELD_LABELS,
  })
}

export async function updateHook(
  apiKey: string,
  hookId: string,
  changes: Partial<WebhookSettings>,
): Promise<WebhookHook> {
  const answer = await adminRequest(apiKey, hookPath(hookId), isHookAnswer, {
    method: 'PATCH',
    body: changes,
    labels: WEBHOOK_FIELD_LABELS,
  })
  return answer.hook
}

export function deleteHook(apiKey: string, hookId: string): Promise<void> {
  return adminDelete(apiKey, hookPath(hookId))
}

/** A new secret for the hook; the previous one still works for `graceSeconds`. */
export function rotateHookSecret(
  apiKey: string,
  hookId: string,
  graceSeconds: number,
): Promise<WebhookWithSecret> {
  return adminRequest(apiKey, `${hookPath(hookId)}/rotate-secret`, isHookWithSecret, {
    body: { graceSeconds },
    labels: WEBHOOK_FIELD_LABELS,
  })
}

/** The hook's latest deliveries, newest first. */
export async function listDeliveries(apiKey: string, hookId: string): Promise<DeliverySummary[]> {
  return (await adminRequest(apiKey, `${hookPath(hookId)}/deliveries`, isDeliveryList)).deliveries
}

export async function fetchDelivery(
  apiKey: string,
  hookId: string,
  deliveryId: string,
): Promise<WebhookDelivery> {
  return (await adminRequest(apiKey, deliveryPath(hookId, deliveryId), isDeliveryAnswer)).delivery
}

/** Runs a delivery again with its stored headers and payload: a new delivery. */
export async function redeliver(
  apiKey: string,
  hookId: string,
  deliveryId: string,
): Promise<DeliverySummary> {
  const path = `${deliveryPath(hookId, deliveryId)}/redeliver`
  return (await adminRequest(apiKey, path, isDeliverySummaryAnswer, { body: {} })).delivery
}

/** Has the server sign a GitHub `ping` with the hook's secret and send it to the hook. */
export async function pingHook(apiKey: string, hookId: string): Promise<DeliverySummary> {
  const path = `${hookPath(hookId)}/ping`
  return (await adminRequest(apiKey, path, isDeliverySummaryAnswer, { body: {} })).delivery
}

export function fetchNotifications(apiKey: string): Promise<NotificationSettings> {
  return adminRequest(apiKey, '/api/admin/notifications', isNotificationSettings)
}

export function updateNotifications(
  apiKey: string,
  change: NotificationChange,
): Promise<NotificationSettings> {
  return adminRequest(apiKey, '/api/admin/notifications', isNotificationSettings, {
    method: 'PUT',
    body: change,
  })
}
