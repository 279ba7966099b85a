import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { DEFAULT_HOOK_ID } from '@meme-studio/meme-core/schema'
import type { FastifyBaseLogger } from 'fastify'
import { Value } from 'typebox/value'
import {
  DeliveryRecordSchema,
  StoredHookSchema,
  type DeliveryRecord,
  type StoredHook,
} from '../../schemas/records.ts'
import type { RecordStore } from '../records/record-store.ts'
import { AppError } from '../shared/app-error.ts'
import { readJsonRecord } from '../storage/json-records.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'
import {
  DELIVERY_KEPT_MS,
  deliveryExpiresAt,
  deliveryKey,
  idempotencyKey,
  indexKey,
  isDeliveryId,
} from './deliveries.ts'
import { isHookId, storeNewHook } from './hooks.ts'

/**
 * Where earlier versions kept the webhooks' records, as JSON in the upload bucket:
 * - `hooks/{hookId}.json`, and before that `webhooks/{hookId}/hook.json`: a hook;
 * - `webhooks/{hookId}/deliveries/{receivedAt, basic}-{deliveryId}.json`: a delivery;
 * - `webhooks/{hookId}/handled/{deliveryId}`: an empty marker, the delivery was handled.
 * A lifecycle rule expired `webhooks/` after 30 days; `hooks/` lasted.
 */
const HOOK_FILE = /^hooks\/([^/]+)\.json$/
const LEGACY_HOOK_FILE = /^webhooks\/([^/]+)\/hook\.json$/
const DELIVERY_FILE = /^webhooks\/([^/]+)\/deliveries\/[0-9TZ.]+-([^/]+)\.json$/
const HANDLED_FILE = /^webhooks\/([^/]+)\/handled\/([^/]+)$/

/** Records much larger than these are not ours. */
const MAX_HOOK_BYTES = 64 * 1024
const MAX_DELIVERY_BYTES = 512 * 1024
/** S3 reads and table writes under way at once. */
const AT_ONCE = 8

interface Listed {
  key: string
  lastModified: Date
}

async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<Listed[]> {
  const found: Listed[] = []
  let token: string | undefined
  do {
    let page
    try {
      page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      )
    } catch (error) {
      throw storageUnavailable(error)
    }
    for (const item of page.Contents ?? []) {
      if (item.Key) found.push({ key: item.Key, lastModified: item.LastModified ?? new Date() })
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return found
}

/** Runs `work` on every item, `AT_ONCE` at a time; resolves with how many returned true. */
async function countDone<T>(items: T[], work: (item: T) => Promise<boolean>): Promise<number> {
  let done = 0
  for (let start = 0; start < items.length; start += AT_ONCE) {
    const results = await Promise.all(items.slice(start, start + AT_ONCE).map(work))
    done += results.filter(Boolean).length
  }
  return done
}

/**
 * Reads one old record. A store that fails is thrown (the move runs again at the next start);
 * a record gone since the listing (expired) or damaged is skipped, with a warning for the
 * latter, so that one bad object never holds the move up for good.
 */
async function readOld<T>(
  s3: S3Client,
  bucket: string,
  key: string,
  isRecord: (value: unknown) => value is T,
  maxBytes: number,
  log: FastifyBaseLogger,
): Promise<T | undefined> {
  try {
    return await readJsonRecord(s3, bucket, key, {
      maxBytes,
      notFound: (cause) => new AppError(404, 'NOT_FOUND', `${key} is gone`, { cause }),
      isRecord,
    })
  } catch (error) {
    if (error instanceof AppError && error.statusCode === 503) throw error
    if (!(error instanceof AppError && error.statusCode === 404)) {
      log.warn({ err: error, key }, 'webhooks migration: skipped a record it cannot read')
    }
    return undefined
  }
}

/**
 * Copies the webhooks' records that today's S3 layout holds into the records table: hooks,
 * deliveries (with the item that finds each by id) and handled markers (as idempotency keys,
 * so a delivery handled before the move is still a duplicate after it). Every write is a
 * `records.create`: nothing already in the table is overwritten, and running it twice, or in
 * two instances at once, copies nothing the second time. What expired by the old 30 days is
 * left. The S3 objects stay (the upload bucket's lifecycle rule still expires `webhooks/`).
 * Resolves with how many records it created.
 */
export async function migrateWebhooksFromS3(
  s3: S3Client,
  bucket: string,
  records: RecordStore,
  log: FastifyBaseLogger,
): Promise<number> {
  const [hookFiles, webhookFiles] = await Promise.all([
    listObjects(s3, bucket, 'hooks/'),
    listObjects(s3, bucket, 'webhooks/'),
  ])
  const now = Date.now()
  const hookIdOf = (pattern: RegExp, key: string) => {
    const id = pattern.exec(key)?.[1]
    return id !== undefined && isHookId(id) ? id : undefined
  }

  // `hooks/` first: where both are, the newer layout's copy is the one kept.
  const hookKeys = [
    ...hookFiles.flatMap(({ key }) => {
      const hookId = hookIdOf(HOOK_FILE, key)
      return hookId ? [{ key, hookId }] : []
    }),
    ...webhookFiles.flatMap(({ key }) => {
      const hookId = hookIdOf(LEGACY_HOOK_FILE, key)
      return hookId ? [{ key, hookId }] : []
    }),
  ]
  let created = 0
  for (const { key, hookId } of hookKeys) {
    const hook = await readOld(
      s3,
      bucket,
      key,
      (value): value is StoredHook =>
        Value.Check(StoredHookSchema, value) && value.hookId === hookId,
      MAX_HOOK_BYTES,
      log,
    )
    if (hook && (await storeNewHook(records, hook))) created += 1
  }

  const deliveryOwner = (hookId: string | undefined) =>
    hookId !== undefined && (hookId === DEFAULT_HOOK_ID || isHookId(hookId))
  const deliveries = webhookFiles.filter(({ key }) => {
    const [, hookId, deliveryId] = DELIVERY_FILE.exec(key) ?? []
    return deliveryOwner(hookId) && deliveryId !== undefined && isDeliveryId(deliveryId)
  })
  created += await countDone(deliveries, async ({ key }) => {
    const [, hookId] = DELIVERY_FILE.exec(key) ?? []
    const record = await readOld(
      s3,
      bucket,
      key,
      (value): value is DeliveryRecord =>
        Value.Check(DeliveryRecordSchema, value) &&
        value.hookId === hookId &&
        isDeliveryId(value.deliveryId) &&
        !Number.isNaN(Date.parse(value.receivedAt)),
      MAX_DELIVERY_BYTES,
      log,
    )
    if (!record) return false
    const expiresAt = deliveryExpiresAt(record.receivedAt)
    if (expiresAt <= now) return false
    const { hookId: owner, receivedAt, deliveryId } = record
    const made = await records.create(deliveryKey(owner, receivedAt, deliveryId), record, {
      expiresAt,
    })
    await records.create(indexKey(owner, receivedAt, deliveryId), { version: 1 }, { expiresAt })
    return made
  })

  const handled = webhookFiles.filter(({ key, lastModified }) => {
    const [, hookId, deliveryId] = HANDLED_FILE.exec(key) ?? []
    return (
      deliveryOwner(hookId) &&
      deliveryId !== undefined &&
      isDeliveryId(deliveryId) &&
      lastModified.getTime() + DELIVERY_KEPT_MS > now
    )
  })
  created += await countDone(handled, async ({ key, lastModified }) => {
    const [, hookId = '', deliveryId = ''] = HANDLED_FILE.exec(key) ?? []
    const receivedAt = lastModified.toISOString()
    return records.create(
      idempotencyKey(hookId, deliveryId),
      { version: 1, hookId, deliveryId, receivedAt },
      { expiresAt: deliveryExpiresAt(receivedAt) },
    )
  })

  if (created > 0) log.info({ created }, 'webhooks: records copied from S3 into the table')
  return created
}
