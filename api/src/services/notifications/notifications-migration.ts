import type { S3Client } from '@aws-sdk/client-s3'
import type { FastifyBaseLogger } from 'fastify'
import { Value } from 'typebox/value'
import { NotificationsRecordSchema, type EventRecord } from '../../schemas/records.ts'
import type { RecordStore } from '../records/record-store.ts'
import { AppError } from '../shared/app-error.ts'
import { listKeys, readJsonRecord } from '../storage/json-records.ts'
import {
  EVENT_KEY_TTL_MS,
  NOTIFICATIONS_RECORD_KEY,
  eventRecordKey,
} from './notification-settings.ts'

/** Where the version before this one kept them, in the upload bucket. */
export const S3_NOTIFICATIONS_KEY = 'app/notifications.json'
export const S3_EVENTS_PREFIX = 'events/'

const MAX_RECORD_BYTES = 16 * 1024
/** Event markers read at once: a bounded number of S3 and DynamoDB calls in flight. */
const CONCURRENCY = 8

const notFound = (cause: unknown) => new AppError(404, 'NOT_FOUND', 'no such record', { cause })

/** Marks a record that could not be read whole as JSON (torn, too big): it is skipped. */
const DAMAGED = Symbol('damaged')

/** The record, undefined when missing, DAMAGED when not JSON; a store that fails throws (503). */
async function readRecord(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  try {
    return await readJsonRecord(s3, bucket, key, { maxBytes: MAX_RECORD_BYTES, notFound })
  } catch (error) {
    if (!(error instanceof AppError)) return DAMAGED
    if (error.code === 'NOT_FOUND') return undefined
    throw error
  }
}

/** A marker `events/<id>.json` as the earlier version wrote it once Discord had the event. */
interface EventMarker {
  id: string
  deliveredAt: string
  discordMessageId?: string
}

function isEventMarker(value: unknown, key: string): value is EventMarker {
  const marker = value as Partial<EventMarker> | undefined
  return (
    typeof marker?.id === 'string' &&
    key === `${S3_EVENTS_PREFIX}${encodeURIComponent(marker.id)}.json` &&
    typeof marker.deliveredAt === 'string' &&
    Number.isFinite(Date.parse(marker.deliveredAt)) &&
    (marker.discordMessageId === undefined || typeof marker.discordMessageId === 'string')
  )
}

/**
 * Copies the notification settings (`app/notifications.json`) and the delivered events'
 * markers (`events/<id>.json`) the earlier version kept in S3 into the records table. Only
 * creates (`records.create`): a record already in the table, newer by construction, is never
 * overwritten, so running it twice, or in two instances at once, is harmless. A marker is kept
 * as its id's key until 7 days after its delivery, as a key made now would be; one older is
 * skipped. Damaged records are logged and skipped. Resolves with how many records it created.
 */
export async function migrateNotificationsFromS3(
  s3: S3Client,
  bucket: string,
  records: RecordStore,
  log: FastifyBaseLogger,
): Promise<number> {
  let created = 0
  const settings = await readRecord(s3, bucket, S3_NOTIFICATIONS_KEY)
  if (settings !== undefined) {
    if (settings === DAMAGED || !Value.Check(NotificationsRecordSchema, settings)) {
      log.warn(`${S3_NOTIFICATIONS_KEY} is not a version 1 record; not copied`)
    } else if (await records.create(NOTIFICATIONS_RECORD_KEY, settings)) {
      created += 1
    }
  }

  const keys = (await listKeys(s3, bucket, S3_EVENTS_PREFIX)).filter((key) => key.endsWith('.json'))
  const now = Date.now()
  const copyMarker = async (key: string) => {
    const marker = await readRecord(s3, bucket, key)
    if (marker === undefined) return
    if (!isEventMarker(marker, key)) {
      log.warn({ key }, 'an event marker is damaged; not copied')
      return
    }
    const expiresAt = Date.parse(marker.deliveredAt) + EVENT_KEY_TTL_MS
    if (expiresAt <= now) return
    const record: EventRecord = {
      version: 1,
      eventId: marker.id,
      status: 'delivered',
      attempt: 1,
      receivedAt: marker.deliveredAt,
      deliveredAt: marker.deliveredAt,
      ...(marker.discordMessageId ? { discordMessageId: marker.discordMessageId } : {}),
    }
    if (await records.create(eventRecordKey(marker.id), record, { expiresAt })) created += 1
  }
  for (let next = 0; next < keys.length; next += CONCURRENCY) {
    await Promise.all(keys.slice(next, next + CONCURRENCY).map(copyMarker))
  }
  return created
}
