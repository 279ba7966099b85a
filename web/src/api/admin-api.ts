/**
 * The admin routes (`/api/admin/*`): the calls the admin pages make. Their requests and
 * answers are typed by meme-core's schemas, and each answer is checked against the schema
 * the route answers with. Each call takes the API key the person entered; a refused key
 * comes back as a `UserFacingError` (see `isKeyRefusal`).
 *
 * Only admin modules import this one: the schemas' values and TypeBox's checker stay in the
 * admin chunks, out of the editor's.
 */
import {
  ApigeeSignatureSchema,
  ApigeeVerificationSchema,
  DeliveryAnswerSchema,
  DeliveryListSchema,
  DeliverySummaryAnswerSchema,
  GithubSignatureSchema,
  HmacResultSchema,
  HookAnswerSchema,
  HookListSchema,
  HookWithSecretSchema,
  KeySessionSchema,
  KeyUsageSchema,
  NotificationsSchema,
  SigV4StepsSchema,
  type ApigeeSignature,
  type ApigeeSignRequest,
  type ApigeeVerification,
  type ApigeeVerifyRequest,
  type Delivery,
  type DeliverySummary,
  type GithubSignature,
  type GithubSignatureRequest,
  type HmacRequest,
  type HmacResult,
  type Hook,
  type HookChange,
  type HookCreate,
  type HookWithSecret,
  type KeySession,
  type KeyUsage,
  type Notifications,
  type NotificationsChange,
  type RotateSecret,
  type SigV4SignRequest,
  type SigV4Steps,
} from '@meme-studio/meme-core/schema'
import type { Static, TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { adminApiFailure, type FieldLabels } from './failure-messages.ts'
import { requestJson, type Shape } from './meme-api.ts'

/**
 * The check of an answer against the schema its route answers with. `Value.Check` walks the
 * schema; TypeBox's compiled checkers would need `eval`, which the site's CSP
 * (`script-src 'self'`) refuses.
 */
function matches<S extends TSchema>(schema: S): Shape<Static<S>> {
  return (value): value is Static<S> => Value.Check(schema, value)
}

/**
 * The page's label for each request field, to name it in a VALIDATION sentence; keyed by
 * the request schema's fields, so a field renamed there fails typecheck here.
 */
export const APIGEE_FIELD_LABELS: FieldLabels = {
  callback: 'Callback',
  clientid: 'Client ID',
  clientsecret: 'Client secret',
  timestamp: 'Timestamp',
  signature: 'Signature to check',
} satisfies Record<keyof ApigeeVerifyRequest, string>
export const HMAC_FIELD_LABELS: FieldLabels = {
  algorithm: 'Algorithm',
  key: 'Key',
  keyEncoding: 'Key encoding',
  message: 'Message',
  messageEncoding: 'Message encoding',
  expected: 'Expected HMAC',
} satisfies Record<keyof HmacRequest, string>
export const GITHUB_FIELD_LABELS: FieldLabels = {
  secret: 'Webhook secret',
  payload: 'Payload',
  expected: 'Expected X-Hub-Signature-256',
} satisfies Record<keyof GithubSignatureRequest, string>
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
} satisfies Record<keyof SigV4SignRequest, string>

export const WEBHOOK_FIELD_LABELS: FieldLabels = {
  name: 'Name',
  provider: 'Git host',
  baseUrl: 'Base URL',
  accessToken: 'Access token',
  branches: 'Branches',
  prefix: 'Archive prefix',
  stripRoot: 'Strip the top folder',
  graceSeconds: 'Keep the old secret working for',
} satisfies Record<keyof HookCreate | keyof RotateSecret, string>

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

/** Which key this is and what it may use: any valid key may ask. */
export function fetchSession(apiKey: string): Promise<KeySession> {
  return adminRequest(apiKey, '/api/admin/session', matches(KeySessionSchema))
}

export function fetchUsage(apiKey: string): Promise<KeyUsage> {
  return adminRequest(apiKey, '/api/admin/usage', matches(KeyUsageSchema))
}

export function signApigee(apiKey: string, request: ApigeeSignRequest): Promise<ApigeeSignature> {
  return adminRequest(apiKey, '/api/admin/hmac/apigee', matches(ApigeeSignatureSchema), {
    body: request,
    labels: APIGEE_FIELD_LABELS,
  })
}

export function verifyApigee(
  apiKey: string,
  request: ApigeeVerifyRequest,
): Promise<ApigeeVerification> {
  return adminRequest(apiKey, '/api/admin/hmac/apigee/verify', matches(ApigeeVerificationSchema), {
    body: request,
    labels: APIGEE_FIELD_LABELS,
  })
}

export function computeHmac(apiKey: string, request: HmacRequest): Promise<HmacResult> {
  return adminRequest(apiKey, '/api/admin/hmac', matches(HmacResultSchema), {
    body: request,
    labels: HMAC_FIELD_LABELS,
  })
}

export function signGithubPayload(
  apiKey: string,
  request: GithubSignatureRequest,
): Promise<GithubSignature> {
  return adminRequest(apiKey, '/api/admin/hmac/github', matches(GithubSignatureSchema), {
    body: request,
    labels: GITHUB_FIELD_LABELS,
  })
}

export function signSigv4(apiKey: string, request: SigV4SignRequest): Promise<SigV4Steps> {
  return adminRequest(apiKey, '/api/admin/sigv4/sign', matches(SigV4StepsSchema), {
    body: request,
    labels: SIGV4_FIELD_LABELS,
  })
}

const hookPath = (hookId: string) => `/api/admin/webhooks/${encodeURIComponent(hookId)}`
const deliveryPath = (hookId: string, deliveryId: string) =>
  `${hookPath(hookId)}/deliveries/${encodeURIComponent(deliveryId)}`

export async function listHooks(apiKey: string): Promise<Hook[]> {
  return (await adminRequest(apiKey, '/api/admin/webhooks', matches(HookListSchema))).hooks
}

/** Creates a hook; the answer carries its secret, which is never sent again. */
export function createHook(apiKey: string, settings: HookCreate): Promise<HookWithSecret> {
  return adminRequest(apiKey, '/api/admin/webhooks', matches(HookWithSecretSchema), {
    body: settings,
    labels: WEBHOOK_FIELD_LABELS,
  })
}

export async function updateHook(
  apiKey: string,
  hookId: string,
  changes: HookChange,
): Promise<Hook> {
  const answer = await adminRequest(apiKey, hookPath(hookId), matches(HookAnswerSchema), {
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
): Promise<HookWithSecret> {
  const rotation: RotateSecret = { graceSeconds }
  return adminRequest(apiKey, `${hookPath(hookId)}/rotate-secret`, matches(HookWithSecretSchema), {
    body: rotation,
    labels: WEBHOOK_FIELD_LABELS,
  })
}

/** The hook's latest deliveries, newest first. */
export async function listDeliveries(apiKey: string, hookId: string): Promise<DeliverySummary[]> {
  const path = `${hookPath(hookId)}/deliveries`
  return (await adminRequest(apiKey, path, matches(DeliveryListSchema))).deliveries
}

export async function fetchDelivery(
  apiKey: string,
  hookId: string,
  deliveryId: string,
): Promise<Delivery> {
  const path = deliveryPath(hookId, deliveryId)
  return (await adminRequest(apiKey, path, matches(DeliveryAnswerSchema))).delivery
}

/** Runs a delivery again with its stored headers and payload: a new delivery. */
export async function redeliver(
  apiKey: string,
  hookId: string,
  deliveryId: string,
): Promise<DeliverySummary> {
  const path = `${deliveryPath(hookId, deliveryId)}/redeliver`
  return (await adminRequest(apiKey, path, matches(DeliverySummaryAnswerSchema), { body: {} }))
    .delivery
}

/** Has the server sign a GitHub `ping` with the hook's secret and send it to the hook. */
export async function pingHook(apiKey: string, hookId: string): Promise<DeliverySummary> {
  const path = `${hookPath(hookId)}/ping`
  return (await adminRequest(apiKey, path, matches(DeliverySummaryAnswerSchema), { body: {} }))
    .delivery
}

export function fetchNotifications(apiKey: string): Promise<Notifications> {
  return adminRequest(apiKey, '/api/admin/notifications', matches(NotificationsSchema))
}

export function updateNotifications(
  apiKey: string,
  change: NotificationsChange,
): Promise<Notifications> {
  return adminRequest(apiKey, '/api/admin/notifications', matches(NotificationsSchema), {
    method: 'PUT',
    body: change,
  })
}
