import { randomBytes } from 'node:crypto'
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { DEFAULT_HOOK_ID, type Hook, type HookCreate } from '@meme-studio/meme-core/schema'
import { Value } from 'typebox/value'
import { StoredHookSchema, type StoredHook } from '../../schemas/records.ts'
import { AppError } from '../shared/app-error.ts'
import { listKeys, putJsonRecord, readJsonRecord } from '../storage/json-records.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'

/**
 * The GitHub webhooks deliveries are archived for, as records in the upload bucket:
 * `hooks/{hookId}.json` holds a hook's settings and secrets (the current one, and the
 * previous one while a rotation's grace lasts). Secrets leave only in the answers of create
 * and rotate. `hooks/` lasts: no lifecycle rule expires it, unlike `webhooks/`, where the
 * deliveries are kept for a while (see `deliveries.ts`).
 *
 * The hook `default` is the server's own (`GITHUB_WEBHOOK_SECRET`): it has no record and
 * cannot be changed, but its deliveries are kept like any other's.
 */
const HOOKS_PREFIX = 'hooks/'

/**
 * Where hooks were kept before they had a prefix of their own: `webhooks/{hookId}/hook.json`,
 * beside the deliveries, which a lifecycle rule expires. A hook still there is moved to
 * `hooks/` the first time it is read.
 */
const LEGACY_HOOKS_PREFIX = 'webhooks/'

export const DEFAULT_HOOK_NAME = 'Default (GITHUB_WEBHOOK_SECRET)'

/** 64 random bits as hex: ids name S3 prefixes and URLs, and are checked before any S3 call. */
const HOOK_ID_PATTERN = /^[0-9a-f]{16}$/

/** A hook record is a few hundred bytes; refuse to read anything much larger. */
const MAX_HOOK_BYTES = 64 * 1024

/** 32 random bytes as hex: what GitHub's form takes as the secret. */
export function newHookSecret(): string {
  return randomBytes(32).toString('hex')
}

export function newHookId(): string {
  return randomBytes(8).toString('hex')
}

function hookKey(hookId: string): string {
  return `${HOOKS_PREFIX}${hookId}.json`
}

function legacyHookKey(hookId: string): string {
  return `${LEGACY_HOOKS_PREFIX}${hookId}/hook.json`
}

export function hookNotFound(cause?: unknown): AppError {
  return new AppError(404, 'HOOK_NOT_FOUND', 'There is no webhook with that id', { cause })
}

export function newHook(settings: HookCreate, now: Date): StoredHook {
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

export function changedHook(hook: StoredHook, changes: Partial<HookCreate>, now: Date): StoredHook {
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

export function putHook(s3: S3Client, bucket: string, hook: StoredHook): Promise<void> {
  return putJsonRecord(s3, bucket, hookKey(hook.hookId), hook)
}

function readHookAt(s3: S3Client, bucket: string, key: string, hookId: string) {
  return readJsonRecord(s3, bucket, key, {
    maxBytes: MAX_HOOK_BYTES,
    notFound: hookNotFound,
    isRecord: (hook): hook is StoredHook =>
      Value.Check(StoredHookSchema, hook) && hook.hookId === hookId,
  })
}

function isHookNotFound(error: unknown): boolean {
  return error instanceof AppError && error.code === 'HOOK_NOT_FOUND'
}

async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
  } catch (error) {
    throw storageUnavailable(error)
  }
}

/**
 * A hook created in the admin pages. An id we could not have issued never reaches S3. A hook
 * found only where it was kept before is moved: written to `hooks/`, then deleted there.
 */
export async function readHook(s3: S3Client, bucket: string, hookId: string): Promise<StoredHook> {
  if (!HOOK_ID_PATTERN.test(hookId)) throw hookNotFound()
  try {
    return await readHookAt(s3, bucket, hookKey(hookId), hookId)
  } catch (error) {
    if (!isHookNotFound(error)) throw error
  }
  const hook = await readHookAt(s3, bucket, legacyHookKey(hookId), hookId)
  await putHook(s3, bucket, hook)
  await deleteObject(s3, bucket, legacyHookKey(hookId))
  return hook
}

/**
 * Deletes a hook's record, and its old one too: a copy left under `webhooks/` by a move
 * that did not finish would otherwise bring the hook back on its next read.
 */
export async function deleteHook(s3: S3Client, bucket: string, hookId: string): Promise<void> {
  await deleteObject(s3, bucket, hookKey(hookId))
  await deleteObject(s3, bucket, legacyHookKey(hookId))
}

/**
 * Every hook created in the admin pages: those under `hooks/`, and those still kept the old
 * way (moved as they are read). Deleted hooks leave deliveries under `webhooks/` but no record.
 */
export async function listHooks(s3: S3Client, bucket: string): Promise<StoredHook[]> {
  const [keys, legacyPrefixes] = await Promise.all([
    listKeys(s3, bucket, HOOKS_PREFIX),
    listKeys(s3, bucket, LEGACY_HOOKS_PREFIX, '/'),
  ])
  const ids = new Set(
    keys
      .filter((key) => key.endsWith('.json'))
      .map((key) => key.slice(HOOKS_PREFIX.length, -'.json'.length)),
  )
  for (const prefix of legacyPrefixes) ids.add(prefix.slice(LEGACY_HOOKS_PREFIX.length, -1))
  const hooks = await Promise.all(
    [...ids]
      .filter((id) => HOOK_ID_PATTERN.test(id))
      .map((id) =>
        readHook(s3, bucket, id).catch((error: unknown) => {
          if (isHookNotFound(error)) return undefined
          throw error
        }),
      ),
  )
  return hooks
    .filter((hook): hook is StoredHook => hook !== undefined)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}
