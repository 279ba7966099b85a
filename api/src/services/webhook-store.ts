import { randomBytes } from 'node:crypto'
import {
  DeleteObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { AppError } from './app-error.ts'
import { isMissing, readJsonRecord, storageUnavailable } from './s3-errors.ts'

/**
 * GitHub webhooks and their deliveries, as records in the upload bucket:
 *
 * - `webhooks/{hookId}/hook.json`: a hook's settings and secrets (the current one, and the
 *   previous one while a rotation's grace lasts). Secrets leave only in the answers of
 *   create and rotate.
 * - `webhooks/{hookId}/deliveries/{receivedAt, ISO 8601 basic}-{deliveryId}.json`: every
 *   request a hook received, what it carried (headers, payload, capped) and what we answered.
 * - `webhooks/{hookId}/handled/{deliveryId}`: an empty marker, written once a delivery was
 *   handled (answered, archived or ignored), so that the same `X-GitHub-Delivery` is known
 *   after a restart or in another Lambda instance without listing the deliveries.
 *
 * The hook `default` is the server's own (`GITHUB_WEBHOOK_SECRET`): it has no hook.json and
 * cannot be changed, but its deliveries are kept like any other's. Deleting a hook keeps its
 * deliveries; on AWS, lifecycle rules on `webhooks/` expire them.
 *
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads
 */
const PREFIX = 'webhooks/'

export const DEFAULT_HOOK_ID = 'default'
export const DEFAULT_HOOK_NAME = 'Default (GITHUB_WEBHOOK_SECRET)'

/** 64 random bits as hex: ids name S3 prefixes and URLs, and are checked before any S3 call. */
const HOOK_ID_PATTERN = /^[0-9a-f]{16}$/
/** GitHub's delivery GUIDs are UUIDs; anything else never becomes part of an S3 key. */
const DELIVERY_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/

/**
 * Set by the admin Redeliver on the request it replays: the new delivery's record names the
 * one it ran again. Only a label: a replayed delivery gets a new X-GitHub-Delivery (so it is
 * not a duplicate) and a fresh signature, and the header is never kept in records.
 */
export const REDELIVERY_HEADER = 'x-meme-studio-redelivery-of'

/** Payload bytes kept with a delivery, for the admin page and for Redeliver. */
export const MAX_PAYLOAD_KEPT = 64 * 1024
/** Less of a payload whose signature failed: it is anyone's, and kept only to diagnose. */
export const MAX_REJECTED_PAYLOAD_KEPT = 4 * 1024
/** Deliveries listed in the admin page, newest first. */
export const DELIVERIES_LISTED = 50
export const DEFAULT_GRACE_SECONDS = 24 * 60 * 60
export const MAX_GRACE_SECONDS = 7 * 24 * 60 * 60

/** A kept payload, JSON-escaped, and the rest of a record stay well under this. */
const MAX_RECORD_BYTES = 512 * 1024
const MAX_HEADER_VALUE_KEPT = 1024

// ---- Shapes --------------------------------------------------------------------------

export const HookSchema = Type.Object({
  hookId: Type.String(),
  name: Type.String(),
  branches: Type.Array(Type.String(), { description: 'Branches archived; empty: every branch' }),
  prefix: Type.String({ description: "Put before `{owner}/{repo}/{branch}.zip`: '' or 'path/'" }),
  stripRoot: Type.Boolean({ description: "Remove GitHub's `<repo>-<sha>/` top folder" }),
  payloadUrl: Type.String({ description: "What to paste into GitHub's Payload URL" }),
  contentType: Type.Literal('application/json'),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  previousSecretExpiresAt: Type.Optional(
    Type.String({ description: 'Until then the secret before the last rotation still works' }),
  ),
})
/** A hook as the admin API shows it: never its secrets. */
export type Hook = Static<typeof HookSchema>

const StoredHookSchema = Type.Object({
  version: Type.Literal(1),
  hookId: Type.String(),
  name: Type.String(),
  branches: Type.Array(Type.String()),
  prefix: Type.String(),
  stripRoot: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  secret: Type.String(),
  previousSecret: Type.Optional(Type.String()),
  previousSecretExpiresAt: Type.Optional(Type.String()),
})
/** `webhooks/{hookId}/hook.json`. */
export type StoredHook = Static<typeof StoredHookSchema>

export const OUTCOMES = ['pong', 'archived', 'ignored', 'duplicate', 'rejected', 'failed'] as const
export type DeliveryOutcome = (typeof OUTCOMES)[number]

const summaryFields = {
  deliveryId: Type.String({ description: 'X-GitHub-Delivery' }),
  receivedAt: Type.String(),
  event: Type.String({ description: "X-GitHub-Event ('' when missing)" }),
  repo: Type.Optional(Type.String({ description: 'owner/repo' })),
  branch: Type.Optional(Type.String()),
  commit: Type.Optional(Type.String()),
  verified: Type.Boolean({ description: "Whether the signature matched the hook's secret" }),
  status: Type.Integer({ description: 'The HTTP status we answered with' }),
  outcome: Type.Enum([...OUTCOMES]),
  reason: Type.Optional(Type.String({ description: 'Why it was ignored or refused' })),
  archiveKey: Type.Optional(Type.String()),
  versionId: Type.Optional(Type.String()),
  durationMs: Type.Integer(),
  error: Type.Optional(Type.String()),
  redeliveryOf: Type.Optional(
    Type.String({ description: 'The deliveryId this one ran again (admin Redeliver)' }),
  ),
}

export const DeliverySummarySchema = Type.Object(summaryFields)
export type DeliverySummary = Static<typeof DeliverySummarySchema>

const deliveryFields = {
  ...summaryFields,
  requestHeaders: Type.Record(Type.String(), Type.String(), {
    description: 'X-GitHub-*, X-Hub-Signature*, Content-Type and User-Agent as received',
  }),
  payload: Type.String({ description: 'The body as received, cut at 64 KiB' }),
  truncated: Type.Boolean({ description: 'Whether `payload` was cut' }),
  response: Type.Unknown({ description: 'The body we answered with' }),
}

export const DeliverySchema = Type.Object(deliveryFields)
export type Delivery = Static<typeof DeliverySchema>

const DeliveryRecordSchema = Type.Object({
  version: Type.Literal(1),
  hookId: Type.String(),
  ...deliveryFields,
})
/** `webhooks/{hookId}/deliveries/….json`. */
export type DeliveryRecord = Static<typeof DeliveryRecordSchema>

/** The settings a hook is created with; `name` alone is required. */
export interface HookSettings {
  name: string
  branches?: string[]
  prefix?: string
  stripRoot?: boolean
}

// ---- Ids and keys --------------------------------------------------------------------

/** 32 random bytes as hex: what GitHub's form takes as the secret. */
export function newHookSecret(): string {
  return randomBytes(32).toString('hex')
}

export function newHookId(): string {
  return randomBytes(8).toString('hex')
}

export function isHookId(value: string): boolean {
  return value === DEFAULT_HOOK_ID || HOOK_ID_PATTERN.test(value)
}

export function isDeliveryId(value: string): boolean {
  return DELIVERY_ID_PATTERN.test(value)
}

function hookKey(hookId: string): string {
  return `${PREFIX}${hookId}/hook.json`
}

function deliveriesPrefix(hookId: string): string {
  return `${PREFIX}${hookId}/deliveries/`
}

function handledKey(hookId: string, deliveryId: string): string {
  return `${PREFIX}${hookId}/handled/${deliveryId}`
}

/** ISO 8601 basic format with milliseconds, `20250102T030405.678Z`: keys sort by time. */
export function basicTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '')
}

export function deliveryKey(hookId: string, receivedAt: string, deliveryId: string): string {
  return `${deliveriesPrefix(hookId)}${basicTimestamp(new Date(receivedAt))}-${deliveryId}.json`
}

// ---- Hooks ---------------------------------------------------------------------------

export function hookNotFound(cause?: unknown): AppError {
  return new AppError(404, 'HOOK_NOT_FOUND', 'There is no webhook with that id', { cause })
}

export function newHook(settings: HookSettings, now: Date): StoredHook {
  const at = now.toISOString()
  return {
    version: 1,
    hookId: newHookId(),
    name: settings.name,
    branches: settings.branches ?? [],
    prefix: settings.prefix ?? '',
    stripRoot: settings.stripRoot ?? true,
    createdAt: at,
    updatedAt: at,
    secret: newHookSecret(),
  }
}

/** The server's own hook, from `GITHUB_WEBHOOK_SECRET`: every branch, no prefix. */
export function defaultHook(secret: string, since: Date): StoredHook {
  const at = since.toISOString()
  return {
    version: 1,
    hookId: DEFAULT_HOOK_ID,
    name: DEFAULT_HOOK_NAME,
    branches: [],
    prefix: '',
    stripRoot: true,
    createdAt: at,
    updatedAt: at,
    secret,
  }
}

export function changedHook(
  hook: StoredHook,
  changes: Partial<HookSettings>,
  now: Date,
): StoredHook {
  return {
    ...hook,
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.branches !== undefined ? { branches: changes.branches } : {}),
    ...(changes.prefix !== undefined ? { prefix: changes.prefix } : {}),
    ...(changes.stripRoot !== undefined ? { stripRoot: changes.stripRoot } : {}),
    updatedAt: now.toISOString(),
  }
}

/**
 * A new secret; the current one becomes the previous one and keeps working for
 * `graceSeconds` (GitHub's form is changed by hand, and deliveries already on their way carry
 * the old signature). An earlier previous secret is dropped; a grace of 0 keeps none.
 */
export function rotatedHook(hook: StoredHook, graceSeconds: number, now: Date): StoredHook {
  const rest: StoredHook = { ...hook }
  delete rest.previousSecret
  delete rest.previousSecretExpiresAt
  return {
    ...rest,
    secret: newHookSecret(),
    ...(graceSeconds > 0
      ? {
          previousSecret: hook.secret,
          previousSecretExpiresAt: new Date(now.getTime() + graceSeconds * 1000).toISOString(),
        }
      : {}),
    updatedAt: now.toISOString(),
  }
}

/** The secrets a delivery may be signed with at `now`: the current one first. */
export function hookSecrets(hook: StoredHook, now: Date): string[] {
  const graceLasts =
    hook.previousSecret !== undefined &&
    hook.previousSecretExpiresAt !== undefined &&
    now.getTime() < Date.parse(hook.previousSecretExpiresAt)
  return graceLasts ? [hook.secret, hook.previousSecret as string] : [hook.secret]
}

/** Where GitHub sends a hook's deliveries, on the server at `origin`. */
export function payloadPath(hookId: string): string {
  return hookId === DEFAULT_HOOK_ID ? '/api/webhooks/github' : `/api/webhooks/github/${hookId}`
}

/** The hook as the admin API shows it: no secrets, an expired grace left out. */
export function publicHook(hook: StoredHook, origin: string, now: Date): Hook {
  const graceLasts =
    hook.previousSecretExpiresAt !== undefined &&
    now.getTime() < Date.parse(hook.previousSecretExpiresAt)
  return {
    hookId: hook.hookId,
    name: hook.name,
    branches: hook.branches,
    prefix: hook.prefix,
    stripRoot: hook.stripRoot,
    payloadUrl: `${origin}${payloadPath(hook.hookId)}`,
    contentType: 'application/json',
    createdAt: hook.createdAt,
    updatedAt: hook.updatedAt,
    ...(graceLasts ? { previousSecretExpiresAt: hook.previousSecretExpiresAt } : {}),
  }
}

export async function putHook(s3: S3Client, bucket: string, hook: StoredHook): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: hookKey(hook.hookId),
        Body: JSON.stringify(hook),
        ContentType: 'application/json',
        ServerSideEncryption: 'AES256',
      }),
    )
  } catch (error) {
    throw storageUnavailable(error)
  }
}

/** A hook created in the admin pages. An id we could not have issued never reaches S3. */
export async function readHook(s3: S3Client, bucket: string, hookId: string): Promise<StoredHook> {
  if (!HOOK_ID_PATTERN.test(hookId)) throw hookNotFound()
  return readJsonRecord(s3, bucket, hookKey(hookId), {
    maxBytes: MAX_RECORD_BYTES,
    notFound: hookNotFound,
    isRecord: (hook): hook is StoredHook =>
      Value.Check(StoredHookSchema, hook) && hook.hookId === hookId,
  })
}

export async function deleteHook(s3: S3Client, bucket: string, hookId: string): Promise<void> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: hookKey(hookId) }))
  } catch (error) {
    throw storageUnavailable(error)
  }
}

async function listKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
  delimiter?: string,
): Promise<string[]> {
  const found: string[] = []
  let token: string | undefined
  do {
    let page
    try {
      page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: token,
          ...(delimiter ? { Delimiter: delimiter } : {}),
        }),
      )
    } catch (error) {
      throw storageUnavailable(error)
    }
    for (const item of page.Contents ?? []) if (item.Key) found.push(item.Key)
    for (const item of page.CommonPrefixes ?? []) if (item.Prefix) found.push(item.Prefix)
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return found
}

/** Every hook created in the admin pages (deleted ones leave deliveries but no hook.json). */
export async function listHooks(s3: S3Client, bucket: string): Promise<StoredHook[]> {
  const ids = (await listKeys(s3, bucket, PREFIX, '/'))
    .map((prefix) => prefix.slice(PREFIX.length, -1))
    .filter((id) => HOOK_ID_PATTERN.test(id))
  const hooks = await Promise.all(
    ids.map((id) =>
      readHook(s3, bucket, id).catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'HOOK_NOT_FOUND') return undefined
        throw error
      }),
    ),
  )
  return hooks
    .filter((hook): hook is StoredHook => hook !== undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}

// ---- Deliveries ----------------------------------------------------------------------

export function deliveryNotFound(cause?: unknown): AppError {
  return new AppError(404, 'DELIVERY_NOT_FOUND', 'This webhook has no delivery with that id', {
    cause,
  })
}

const KEPT_HEADERS = new Set(['content-type', 'user-agent'])

/**
 * The request headers a delivery record keeps: GitHub's own (`X-GitHub-*`, the signatures)
 * and the content type and user agent. Nothing else a proxy or a client may have added.
 */
export function keptHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (value === undefined) continue
    if (!KEPT_HEADERS.has(lower) && !lower.startsWith('x-github-') && !lower.startsWith('x-hub-'))
      continue
    kept[lower] = (Array.isArray(value) ? value.join(', ') : value).slice(0, MAX_HEADER_VALUE_KEPT)
  }
  return kept
}

/** The body as text, cut at `maxBytes`. */
export function keptPayload(
  body: Buffer,
  maxBytes: number,
): { payload: string; truncated: boolean } {
  return body.length > maxBytes
    ? { payload: body.subarray(0, maxBytes).toString('utf8'), truncated: true }
    : { payload: body.toString('utf8'), truncated: false }
}

const SUMMARY_FIELDS = Object.keys(summaryFields) as (keyof DeliverySummary)[]

export function deliverySummary(record: Delivery): DeliverySummary {
  const summary: Record<string, unknown> = {}
  for (const field of SUMMARY_FIELDS) {
    if (record[field] !== undefined) summary[field] = record[field]
  }
  return summary as DeliverySummary
}

export function deliveryDetail(record: DeliveryRecord): Delivery {
  const delivery: Partial<DeliveryRecord> = { ...record }
  delete delivery.version
  delete delivery.hookId
  return delivery as Delivery
}

export async function putDelivery(
  s3: S3Client,
  bucket: string,
  record: DeliveryRecord,
): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: deliveryKey(record.hookId, record.receivedAt, record.deliveryId),
        Body: JSON.stringify(record),
        ContentType: 'application/json',
        ServerSideEncryption: 'AES256',
      }),
    )
  } catch (error) {
    throw storageUnavailable(error)
  }
}

function readDelivery(s3: S3Client, bucket: string, key: string): Promise<DeliveryRecord> {
  return readJsonRecord(s3, bucket, key, {
    maxBytes: MAX_RECORD_BYTES,
    notFound: deliveryNotFound,
    isRecord: (record): record is DeliveryRecord => Value.Check(DeliveryRecordSchema, record),
  })
}

/** Record keys of a hook's deliveries, newest first. */
async function deliveryKeys(s3: S3Client, bucket: string, hookId: string): Promise<string[]> {
  return (await listKeys(s3, bucket, deliveriesPrefix(hookId)))
    .filter((key) => key.endsWith('.json'))
    .sort()
    .reverse()
}

export async function listDeliveries(
  s3: S3Client,
  bucket: string,
  hookId: string,
  limit = DELIVERIES_LISTED,
): Promise<DeliverySummary[]> {
  const keys = (await deliveryKeys(s3, bucket, hookId)).slice(0, limit)
  const records = await Promise.all(keys.map((key) => readDelivery(s3, bucket, key)))
  return records.map(deliverySummary)
}

/**
 * A delivery by its `X-GitHub-Delivery`. The same id can have several records (GitHub sent
 * it again and it was answered as a duplicate, or it failed and GitHub's Redeliver ran it
 * again): the newest is the one that says how it ended.
 */
export async function findDelivery(
  s3: S3Client,
  bucket: string,
  hookId: string,
  deliveryId: string,
): Promise<DeliveryRecord> {
  if (!isDeliveryId(deliveryId)) throw deliveryNotFound()
  const key = (await deliveryKeys(s3, bucket, hookId)).find((candidate) =>
    candidate.endsWith(`-${deliveryId}.json`),
  )
  if (key === undefined) throw deliveryNotFound()
  return readDelivery(s3, bucket, key)
}

export async function markHandled(
  s3: S3Client,
  bucket: string,
  hookId: string,
  deliveryId: string,
): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: handledKey(hookId, deliveryId),
        Body: '',
        ContentLength: 0,
        ServerSideEncryption: 'AES256',
      }),
    )
  } catch (error) {
    throw storageUnavailable(error)
  }
}

export async function wasHandled(
  s3: S3Client,
  bucket: string,
  hookId: string,
  deliveryId: string,
): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: handledKey(hookId, deliveryId) }))
    return true
  } catch (error) {
    if (isMissing(error)) return false
    throw storageUnavailable(error)
  }
}

/**
 * Delivery ids this process has seen handled or is handling, per hook: the first check for a
 * duplicate, before the `handled/` marker in S3. Bounded: the oldest ids are forgotten first
 * (the marker still knows them).
 */
export class DeliveryMemory {
  readonly #seen = new Map<string, Set<string>>()
  readonly #limit: number

  constructor(limitPerHook = 1000) {
    this.#limit = limitPerHook
  }

  /** Claims the id for this request; false when it was already claimed. */
  claim(hookId: string, deliveryId: string): boolean {
    let ids = this.#seen.get(hookId)
    if (!ids) this.#seen.set(hookId, (ids = new Set()))
    if (ids.has(deliveryId)) return false
    ids.add(deliveryId)
    if (ids.size > this.#limit) ids.delete(ids.values().next().value as string)
    return true
  }

  /** Gives the id back: the delivery failed, and GitHub's Redeliver may run it again. */
  release(hookId: string, deliveryId: string): void {
    this.#seen.get(hookId)?.delete(deliveryId)
  }

  forget(hookId: string): void {
    this.#seen.delete(hookId)
  }
}

// ---- What a push asks for ------------------------------------------------------------

/** The characters GitHub allows in owner and repository names. */
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/
const SHA_PATTERN = /^[0-9a-f]{40}$/
const DELETED_SHA = '0'.repeat(40)

export type PushPlan =
  | { action: 'archive'; owner: string; repo: string; branch: string; sha: string; pusher: string }
  | { action: 'ignore'; reason: string; repo: string; branch?: string; commit?: string }

function badPayload(message: string): AppError {
  return new AppError(400, 'BAD_PAYLOAD', message)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `owner/repo` of any event's payload, when it has a repository. */
export function repositoryOf(payload: unknown): string | undefined {
  if (!isRecord(payload) || !isRecord(payload.repository)) return undefined
  const fullName = payload.repository.full_name
  return typeof fullName === 'string' ? fullName.slice(0, 200) : undefined
}

/**
 * A branch name git would accept, and safe in an S3 key: no `..`, no `//`, no leading or
 * trailing slash, no control characters or spaces.
 * @see https://git-scm.com/docs/git-check-ref-format
 */
function isBranchName(branch: string): boolean {
  return (
    branch.length > 0 &&
    branch.length <= 255 &&
    !branch.includes('..') &&
    !branch.includes('//') &&
    !branch.startsWith('/') &&
    !branch.endsWith('/') &&
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    !/[\x00-\x20\x7f~^:?*[\\]/.test(branch)
  )
}

/**
 * Whether the allow-list takes `branch`: empty takes every branch; an entry is a branch name,
 * where `*` stands for any characters but `/` (`release/*`).
 */
export function branchAllowed(branch: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true
  return allowed.some((pattern) => {
    const source = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')
    return new RegExp(`^${source}$`).test(branch)
  })
}

/** Where a push's zip goes in the archive bucket. Branch names keep their slashes. */
export function archiveKey(prefix: string, owner: string, repo: string, branch: string): string {
  return `${prefix}${owner}/${repo}/${branch}.zip`
}

/**
 * What to do with a `push` delivery: archive the pushed commit of an allowed branch, or
 * ignore it with a reason (a deleted branch, a tag, another kind of ref, a branch outside the
 * allow-list). A payload without the fields a push has is refused.
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
 */
export function planPush(payload: unknown, allowed: readonly string[]): PushPlan {
  if (!isRecord(payload)) throw badPayload('The push payload is not a JSON object')
  const { ref, after, deleted, repository, pusher } = payload
  if (typeof ref !== 'string') throw badPayload('The push payload has no ref')
  if (!isRecord(repository) || typeof repository.name !== 'string') {
    throw badPayload('The push payload has no repository name')
  }
  const owner = isRecord(repository.owner)
    ? (repository.owner.login ?? repository.owner.name)
    : undefined
  const repo = repository.name
  if (typeof owner !== 'string' || !NAME_PATTERN.test(owner) || !NAME_PATTERN.test(repo)) {
    throw badPayload('The push payload has no valid repository owner and name')
  }
  const full = `${owner}/${repo}`
  const commit = typeof after === 'string' ? after : undefined
  if (ref.startsWith('refs/tags/')) {
    return { action: 'ignore', reason: `tag push (${ref.slice(10)})`, repo: full, commit }
  }
  if (!ref.startsWith('refs/heads/')) {
    return { action: 'ignore', reason: `not a branch (${ref})`, repo: full, commit }
  }
  const branch = ref.slice('refs/heads/'.length)
  if (!isBranchName(branch)) throw badPayload('The push payload names an invalid branch')
  if (deleted === true || commit === DELETED_SHA) {
    return { action: 'ignore', reason: 'branch deleted', repo: full, branch, commit }
  }
  if (commit === undefined || !SHA_PATTERN.test(commit)) {
    throw badPayload('The push payload has no commit sha in after')
  }
  if (!branchAllowed(branch, allowed)) {
    return {
      action: 'ignore',
      reason: `branch ${branch} is not in the hook's branches`,
      repo: full,
      branch,
      commit,
    }
  }
  const pusherName = isRecord(pusher) && typeof pusher.name === 'string' ? pusher.name : ''
  return { action: 'archive', owner, repo, branch, sha: commit, pusher: pusherName }
}
