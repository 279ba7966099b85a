import { randomBytes } from 'node:crypto'
import {
  DEFAULT_BASE_URLS,
  DEFAULT_HOOK_ID,
  type Hook,
  type HookChange,
  type HookCreate,
  type HookProvider,
} from '@meme-studio/meme-core/schema'
import { Value } from 'typebox/value'
import { StoredHookSchema, type StoredHook } from '../../schemas/records.ts'
import type { RecordKey, RecordStore } from '../records/record-store.ts'
import { isSealed, SecretBoxError, type SecretBox } from '../access/secret-box.ts'
import { AppError } from '../shared/app-error.ts'

/**
 * The GitHub webhooks deliveries are archived for, as items of one partition `hook` in the
 * records table, one per hook (sort key: its id), so that the admin page lists them with one
 * query. An item holds a hook's settings and secrets (the current one, and the previous one
 * while a rotation's grace lasts); secrets leave only in the answers of create and rotate.
 * Settings and rotations are edits under the optimistic lock: of two at once, neither is lost.
 * Hooks never expire, unlike their deliveries (see `deliveries.ts`).
 *
 * The hook `default` is the server's own (`GITHUB_WEBHOOK_SECRET`): it has no record and
 * cannot be changed, but its deliveries are kept like any other's.
 */
const HOOKS_PK = 'hook'

export const DEFAULT_HOOK_NAME = 'Default (GITHUB_WEBHOOK_SECRET)'

/** 64 random bits as hex: ids name keys and URLs, and are checked before any read. */
const HOOK_ID_PATTERN = /^[0-9a-f]{16}$/

/** 32 random bytes as hex: what GitHub's form takes as the secret. */
export function newHookSecret(): string {
  return randomBytes(32).toString('hex')
}

export function newHookId(): string {
  return randomBytes(8).toString('hex')
}

export function hookKey(hookId: string): RecordKey {
  return { pk: HOOKS_PK, sk: hookId }
}

export function isHookId(hookId: string): boolean {
  return HOOK_ID_PATTERN.test(hookId)
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
    provider: settings.provider ?? 'github',
    ...(settings.baseUrl !== undefined ? { baseUrl: settings.baseUrl } : {}),
    ...(settings.accessToken !== undefined ? { accessToken: settings.accessToken } : {}),
  }
}

/** A hook's Git host: hooks stored before there was a choice are GitHub's. */
export function hookProvider(hook: StoredHook): HookProvider {
  return hook.provider ?? 'github'
}

/** Where a hook's archives come from: its own base URL, else its host's public one. */
export function hookBaseUrl(hook: StoredHook, githubBaseUrl: string): string {
  const provider = hookProvider(hook)
  return provider === 'github' ? githubBaseUrl : (hook.baseUrl ?? DEFAULT_BASE_URLS[provider])
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

export function changedHook(hook: StoredHook, changes: HookChange, now: Date): StoredHook {
  const rest: StoredHook = { ...hook }
  // null removes the token; left out keeps it.
  if (changes.accessToken === null) delete rest.accessToken
  return {
    ...rest,
    ...(changes.name !== undefined ? { name: changes.name } : {}),
    ...(changes.branches !== undefined ? { branches: changes.branches } : {}),
    ...(changes.prefix !== undefined ? { prefix: changes.prefix } : {}),
    ...(changes.stripRoot !== undefined ? { stripRoot: changes.stripRoot } : {}),
    ...(changes.baseUrl !== undefined ? { baseUrl: changes.baseUrl } : {}),
    ...(typeof changes.accessToken === 'string' ? { accessToken: changes.accessToken } : {}),
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

/** Where the hook's Git host sends its deliveries: `/api/webhooks/{provider}/{hookId}`. */
export function payloadPath(hookId: string, provider: HookProvider = 'github'): string {
  return hookId === DEFAULT_HOOK_ID ? '/api/webhooks/github' : `/api/webhooks/${provider}/${hookId}`
}

/**
 * The hook as the admin API shows it: no secrets (nor its access token: only that it has
 * one), an expired grace left out.
 */
export function publicHook(
  hook: StoredHook,
  origin: string,
  now: Date,
  githubBaseUrl = 'https://github.com',
): Hook {
  const graceLasts =
    hook.previousSecretExpiresAt !== undefined &&
    now.getTime() < Date.parse(hook.previousSecretExpiresAt)
  return {
    hookId: hook.hookId,
    name: hook.name,
    provider: hookProvider(hook),
    baseUrl: hookBaseUrl(hook, githubBaseUrl),
    hasAccessToken: hook.accessToken !== undefined,
    branches: hook.branches,
    prefix: hook.prefix,
    stripRoot: hook.stripRoot,
    payloadUrl: `${origin}${payloadPath(hook.hookId, hookProvider(hook))}`,
    contentType: 'application/json',
    createdAt: hook.createdAt,
    updatedAt: hook.updatedAt,
    ...(graceLasts ? { previousSecretExpiresAt: hook.previousSecretExpiresAt } : {}),
  }
}

/**
 * The box each record store's hook secrets are sealed in (`secret`, `previousSecret`,
 * `accessToken`): the hook-secrets plugin gives `app.records` the one HOOK_SECRETS_KEY
 * opens. Kept beside the store rather than passed with it, so that every reader of hooks
 * (admin, receiver, archive worker, migration) seals and opens alike without knowing of it.
 */
const hookSecretBoxes = new WeakMap<RecordStore, SecretBox>()

export function sealHookSecretsIn(records: RecordStore, box: SecretBox): void {
  hookSecretBoxes.set(records, box)
}

function boxOf(records: RecordStore): SecretBox {
  const box = hookSecretBoxes.get(records)
  if (!box) {
    throw new SecretBoxError(
      'HOOK_SECRETS_KEY is not set: hook secrets can be neither sealed nor opened',
    )
  }
  return box
}

const SEALED_FIELDS = ['secret', 'previousSecret', 'accessToken'] as const

/** What a sealed value is bound to: this hook, this field. */
const sealContext = (hookId: string, field: string) => `hook/${hookId}/${field}`

/** The hook as the records table keeps it: its secrets sealed. */
function sealedHook(hook: StoredHook, box: SecretBox): StoredHook {
  const sealed: StoredHook = { ...hook }
  for (const field of SEALED_FIELDS) {
    const value = hook[field]
    if (value !== undefined) sealed[field] = box.seal(value, sealContext(hook.hookId, field))
  }
  return sealed
}

/**
 * A hook as read: checked, the one its key names, its secrets opened. A value stored before
 * secrets were sealed is taken as it is (the next write seals it); one the key does not open
 * is an error naming HOOK_SECRETS_KEY, never passed on as if it were the secret.
 */
function storedHook(value: Record<string, unknown>, hookId: string, box: SecretBox): StoredHook {
  const hook: Record<string, unknown> = { ...value }
  delete hook.sk
  if (!Value.Check(StoredHookSchema, hook) || hook.hookId !== hookId) {
    throw new Error(`hook ${hookId} is not a valid record`)
  }
  for (const field of SEALED_FIELDS) {
    const stored = hook[field]
    if (stored === undefined || !isSealed(stored)) continue
    try {
      hook[field] = box.open(stored, sealContext(hookId, field))
    } catch (error) {
      throw new SecretBoxError(
        `hook ${hookId}: HOOK_SECRETS_KEY does not open its ${field} (the key is not the one ` +
          'it was sealed with, or the value was copied from another hook)',
        { cause: error },
      )
    }
  }
  return hook
}

/** Stores a hook unless one with its id is there; false when one is. */
export async function storeNewHook(records: RecordStore, hook: StoredHook): Promise<boolean> {
  return records.create(hookKey(hook.hookId), sealedHook(hook, boxOf(records)))
}

/** Stores a new hook; its id is new, so a hook already there is a clash we refuse to overwrite. */
export async function createHook(records: RecordStore, hook: StoredHook): Promise<void> {
  if (!(await storeNewHook(records, hook))) {
    throw new AppError(409, 'CONFLICT', 'A webhook with that id exists; try again')
  }
}

/** A hook created in the admin pages. An id we could not have issued is never read. */
export async function readHook(records: RecordStore, hookId: string): Promise<StoredHook> {
  if (!isHookId(hookId)) throw hookNotFound()
  const value = await records.get(hookKey(hookId))
  if (!value) throw hookNotFound()
  return storedHook(value, hookId, boxOf(records))
}

/**
 * Changes a hook under the optimistic lock: `change` gets the hook as it is now and may be
 * called again when another edit came first. A hook that is not there is a 404.
 */
export async function editHook(
  records: RecordStore,
  hookId: string,
  change: (hook: StoredHook) => StoredHook,
): Promise<StoredHook> {
  if (!isHookId(hookId)) throw hookNotFound()
  const box = boxOf(records)
  let found = false
  const edited = await records.edit<StoredHook>(hookKey(hookId), (current) => {
    found = current !== undefined
    return current ? sealedHook(change(storedHook(current, hookId, box)), box) : undefined
  })
  if (!found || !edited) throw hookNotFound()
  return storedHook(edited, hookId, box)
}

export async function deleteHook(records: RecordStore, hookId: string): Promise<void> {
  await records.delete(hookKey(hookId))
}

/** Every hook created in the admin pages, oldest first. */
export async function listHooks(records: RecordStore): Promise<StoredHook[]> {
  const box = boxOf(records)
  const items = await records.query(HOOKS_PK)
  return items
    .filter((item) => isHookId(item.sk))
    .map((item) => storedHook(item, item.sk, box))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
}

/**
 * Seals the secrets of hooks stored before secrets were sealed, run where the local server
 * starts; it opens every hook's secrets, so a wrong HOOK_SECRETS_KEY stops the start. Answers
 * how many hooks it sealed.
 */
export async function sealStoredHookSecrets(records: RecordStore): Promise<number> {
  const items = await records.query(HOOKS_PK)
  let sealed = 0
  for (const item of items) {
    if (!isHookId(item.sk)) continue
    const plain = SEALED_FIELDS.some((field) => {
      const value = item[field]
      return typeof value === 'string' && !isSealed(value)
    })
    if (plain) {
      await editHook(records, item.sk, (hook) => hook)
      sealed += 1
    }
  }
  await listHooks(records)
  return sealed
}
