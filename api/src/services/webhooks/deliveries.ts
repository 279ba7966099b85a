import {
  DELIVERY_SUMMARY_FIELDS,
  type Delivery,
  type DeliverySummary,
} from '@meme-studio/meme-core/schema'
import { Value } from 'typebox/value'
import { DeliveryRecordSchema, type DeliveryRecord } from '../../schemas/records.ts'
import type { RecordKey, RecordStore } from '../records/record-store.ts'
import { AppError } from '../shared/app-error.ts'

/**
 * A hook's deliveries, as items of one partition `delivery#{hookId}` in the records table:
 *
 * - `at#{receivedAt, ISO 8601 basic}#{deliveryId}`: every request a hook received, what it
 *   carried (headers, payload, capped) and what we answered; a queued push's record then moves
 *   on as its archive is made. The admin page lists them newest first with one query.
 * - `id#{deliveryId}#{receivedAt}`: an empty item per record, so that a delivery is found by
 *   its `X-GitHub-Delivery` with one query (the newest of its records) rather than a listing.
 * - `key#{deliveryId}`: the idempotency key, created once (a conditional put) by the request
 *   that handles the delivery; every other copy, concurrent or later, in any instance, finds it
 *   there and is a duplicate. Removed when the delivery fails, so GitHub's Redeliver can run it.
 *
 * All three expire 30 days after the delivery (TTL), as the S3 lifecycle rule on `webhooks/`
 * did. Deleting a hook keeps its deliveries until then.
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads
 */

/** GitHub's delivery GUIDs are UUIDs; anything else never becomes part of a key. */
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
/**
 * How long deliveries and their idempotency keys are kept. GitHub's own Redeliver reaches back
 * 3 days, so a key outlives every copy GitHub can send.
 */
export const DELIVERY_KEPT_MS = 30 * 24 * 60 * 60 * 1000
const MAX_HEADER_VALUE_KEPT = 1024

export function isDeliveryId(value: string): boolean {
  return DELIVERY_ID_PATTERN.test(value)
}

/** ISO 8601 basic format with milliseconds, `20250102T030405.678Z`: keys sort by time. */
export function basicTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '')
}

function deliveriesPk(hookId: string): string {
  return `delivery#${hookId}`
}

export function deliveryKey(hookId: string, receivedAt: string, deliveryId: string): RecordKey {
  return {
    pk: deliveriesPk(hookId),
    sk: `at#${basicTimestamp(new Date(receivedAt))}#${deliveryId}`,
  }
}

export function indexKey(hookId: string, receivedAt: string, deliveryId: string): RecordKey {
  return {
    pk: deliveriesPk(hookId),
    sk: `id#${deliveryId}#${basicTimestamp(new Date(receivedAt))}`,
  }
}

export function idempotencyKey(hookId: string, deliveryId: string): RecordKey {
  return { pk: deliveriesPk(hookId), sk: `key#${deliveryId}` }
}

/** When a delivery received at `receivedAt` and everything about it expire. */
export function deliveryExpiresAt(receivedAt: string): number {
  return Date.parse(receivedAt) + DELIVERY_KEPT_MS
}

export function deliveryNotFound(cause?: unknown): AppError {
  return new AppError(404, 'DELIVERY_NOT_FOUND', 'This webhook has no delivery with that id', {
    cause,
  })
}

/** GitHub's own headers (`X-GitHub-*`, the signatures), the content type and user agent. */
function githubHeader(name: string): boolean {
  return (
    name === 'content-type' ||
    name === 'user-agent' ||
    name.startsWith('x-github-') ||
    name.startsWith('x-hub-')
  )
}

/**
 * The request headers a delivery record keeps: those `kept` names, the host's own (GitHub's
 * unless said otherwise; see `providers.ts`). Nothing else a proxy or a client may have added.
 */
export function keptHeaders(
  headers: Record<string, string | string[] | undefined>,
  kept: (name: string) => boolean = githubHeader,
): Record<string, string> {
  const headersKept: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (value === undefined || !kept(lower)) continue
    headersKept[lower] = (Array.isArray(value) ? value.join(', ') : value).slice(
      0,
      MAX_HEADER_VALUE_KEPT,
    )
  }
  return headersKept
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
  delete delivery.leaseOwner
  delete delivery.leaseUntil
  return delivery as Delivery
}

/** A record as read: checked, without the table's sort key. */
function deliveryRecord(value: Record<string, unknown>): DeliveryRecord {
  const record: Record<string, unknown> = { ...value }
  delete record.sk
  if (!Value.Check(DeliveryRecordSchema, record)) {
    throw new Error(`delivery ${String(record.deliveryId)} is not a valid record`)
  }
  return record
}

/** Tries at the next millisecond a record key two instances happened to share. */
const RECORD_KEY_TRIES = 20

/**
 * Writes a new delivery record, and the item that finds it by its id. Records are created,
 * never overwritten: two instances may receive copies of one delivery in the same millisecond
 * (a duplicate and the copy being queued, say), and the later one then takes the next
 * millisecond rather than the other's key. Resolves with the record as stored.
 */
export async function putDelivery(
  records: RecordStore,
  record: DeliveryRecord,
): Promise<DeliveryRecord> {
  let stored = record
  for (let tries = 1; ; tries += 1) {
    const { hookId, receivedAt, deliveryId } = stored
    const options = { expiresAt: deliveryExpiresAt(receivedAt) }
    if (await records.create(deliveryKey(hookId, receivedAt, deliveryId), stored, options)) {
      await records.put(indexKey(hookId, receivedAt, deliveryId), { version: 1 }, options)
      return stored
    }
    if (tries === RECORD_KEY_TRIES) {
      throw new Error(`no free record key for delivery ${deliveryId} near ${receivedAt}`)
    }
    const next = new Date(Date.parse(receivedAt) + 1).toISOString()
    stored = { ...stored, receivedAt: next }
  }
}

/**
 * Changes a delivery's record under the optimistic lock: `change` gets the record as it is
 * now (undefined when it is missing or expired) and returns the new one, or undefined to leave
 * it. Resolves with the record as it was left.
 */
export async function editDelivery(
  records: RecordStore,
  { hookId, receivedAt, deliveryId }: Pick<DeliveryRecord, 'hookId' | 'receivedAt' | 'deliveryId'>,
  change: (current: DeliveryRecord) => DeliveryRecord | undefined,
): Promise<DeliveryRecord | undefined> {
  const left = await records.edit<DeliveryRecord>(
    deliveryKey(hookId, receivedAt, deliveryId),
    (current) => (current ? change(deliveryRecord(current)) : undefined),
    { expiresAt: deliveryExpiresAt(receivedAt) },
  )
  return left && deliveryRecord(left)
}

export async function listDeliveries(
  records: RecordStore,
  hookId: string,
  limit = DELIVERIES_LISTED,
): Promise<DeliverySummary[]> {
  const items = await records.query(deliveriesPk(hookId), {
    skPrefix: 'at#',
    descending: true,
    limit,
  })
  return items.map((item) => deliverySummary(deliveryRecord(item)))
}

/**
 * A delivery by its `X-GitHub-Delivery`. The same id can have several records (GitHub sent
 * it again and it was answered as a duplicate, or it failed and GitHub's Redeliver ran it
 * again): the newest is the one that says how it ended.
 */
export async function findDelivery(
  records: RecordStore,
  hookId: string,
  deliveryId: string,
): Promise<DeliveryRecord> {
  if (!isDeliveryId(deliveryId)) throw deliveryNotFound()
  const prefix = `id#${deliveryId}#`
  const [newest] = await records.query(deliveriesPk(hookId), {
    skPrefix: prefix,
    descending: true,
    limit: 1,
  })
  if (!newest) throw deliveryNotFound()
  const time = newest.sk.slice(prefix.length)
  const value = await records.get({ pk: deliveriesPk(hookId), sk: `at#${time}#${deliveryId}` })
  if (!value) throw deliveryNotFound()
  return deliveryRecord(value)
}

/**
 * Claims a delivery for this request: true when it created the idempotency key, false when
 * another request (here or in another instance) did, now or before.
 */
export function claimDelivery(
  records: RecordStore,
  hookId: string,
  deliveryId: string,
  receivedAt: string,
): Promise<boolean> {
  return records.create(
    idempotencyKey(hookId, deliveryId),
    { version: 1, hookId, deliveryId, receivedAt },
    { expiresAt: deliveryExpiresAt(receivedAt) },
  )
}

/** Gives the id back: the delivery failed, and GitHub's Redeliver may run it again. */
export function releaseDelivery(
  records: RecordStore,
  hookId: string,
  deliveryId: string,
): Promise<void> {
  return records.delete(idempotencyKey(hookId, deliveryId))
}
