import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import {
  DELIVERY_SUMMARY_FIELDS,
  type Delivery,
  type DeliverySummary,
} from '@meme-studio/meme-core/schema'
import { Value } from 'typebox/value'
import { DeliveryRecordSchema, type DeliveryRecord } from '../../schemas/records.ts'
import { AppError } from '../shared/app-error.ts'
import { listKeys, putJsonRecord, readJsonRecord } from '../storage/json-records.ts'
import { isMissing, storageUnavailable } from '../storage/s3-errors.ts'

/**
 * A hook's deliveries, as records beside it in the upload bucket:
 *
 * - `webhooks/{hookId}/deliveries/{receivedAt, ISO 8601 basic}-{deliveryId}.json`: every
 *   request a hook received, what it carried (headers, payload, capped) and what we answered.
 * - `webhooks/{hookId}/handled/{deliveryId}`: an empty marker, written once a delivery was
 *   handled (answered, archived or ignored), so that the same `X-GitHub-Delivery` is known
 *   after a restart or in another Lambda instance without listing the deliveries.
 *
 * Deleting a hook keeps its deliveries. `webhooks/` may expire (a lifecycle rule keeps
 * deliveries 30 days on AWS); the hooks themselves are kept under `hooks/` (see `hooks.ts`).
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads
 */

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
/** A kept payload, JSON-escaped, and the rest of a record stay well under this. */
const MAX_RECORD_BYTES = 512 * 1024
const MAX_HEADER_VALUE_KEPT = 1024

const DELIVERIES_PREFIX = 'webhooks/'

export function isDeliveryId(value: string): boolean {
  return DELIVERY_ID_PATTERN.test(value)
}

function deliveriesPrefix(hookId: string): string {
  return `${DELIVERIES_PREFIX}${hookId}/deliveries/`
}

function handledKey(hookId: string, deliveryId: string): string {
  return `${DELIVERIES_PREFIX}${hookId}/handled/${deliveryId}`
}

/** ISO 8601 basic format with milliseconds, `20250102T030405.678Z`: keys sort by time. */
export function basicTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '')
}

export function deliveryKey(hookId: string, receivedAt: string, deliveryId: string): string {
  return `${deliveriesPrefix(hookId)}${basicTimestamp(new Date(receivedAt))}-${deliveryId}.json`
}

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

export function deliverySummary(record: Delivery): DeliverySummary {
  const summary: Record<string, unknown> = {}
  for (const field of DELIVERY_SUMMARY_FIELDS) {
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

export function putDelivery(s3: S3Client, bucket: string, record: DeliveryRecord): Promise<void> {
  const key = deliveryKey(record.hookId, record.receivedAt, record.deliveryId)
  return putJsonRecord(s3, bucket, key, record)
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
}
