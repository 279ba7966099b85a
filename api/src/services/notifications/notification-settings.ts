import { createHash } from 'node:crypto'
import type { IdempotencyKeyFrom } from '@meme-studio/meme-core/schema'
import type { FastifyBaseLogger } from 'fastify'
import { Value } from 'typebox/value'
import {
  NotificationsRecordSchema,
  type EventRecord,
  type NotificationsRecord,
} from '../../schemas/records.ts'
import type { RecordKey, RecordStore } from '../records/record-store.ts'

/** The settings record: the toggles, and what the last delivery found. */
export const NOTIFICATIONS_RECORD_KEY: RecordKey = { pk: 'settings', sk: 'notifications' }

/** Each source of an event's key has its own sort key, so an id and a header never meet. */
const EVENT_KEY_SORT: Record<IdempotencyKeyFrom, string> = {
  id: 'event',
  header: 'idempotency-key',
  signature: 'signature',
}

/**
 * An event's idempotency key in the records table. A body's id keeps the key it had before
 * the other sources existed, so an id sent before an upgrade is still a duplicate after it.
 */
export function eventRecordKey(key: string, from: IdempotencyKeyFrom = 'id'): RecordKey {
  return { pk: `event#${key}`, sk: EVENT_KEY_SORT[from] }
}

/**
 * How long an event id is remembered after its last delivery attempt: long past any sender's
 * retries (a deploy bot's, API Gateway's), short enough that the table does not grow without
 * end. DynamoDB's TTL deletes it lazily; reads ignore it once expired.
 */
export const EVENT_KEY_TTL_MS = 7 * 24 * 60 * 60 * 1000

export const DEFAULT_NOTIFICATIONS: NotificationsRecord = {
  version: 1,
  notifyOnArchive: false,
  notifyOnShare: false,
}

/** The URL carries the webhook's token: only its hash is stored. */
export function urlHash(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16)
}

/** Why Discord is not used with this URL, if it is not. A 404 disables one URL only. */
export function whyNotDiscord(
  record: NotificationsRecord,
  webhookUrl: string | undefined,
): string | undefined {
  if (!webhookUrl) return 'DISCORD_WEBHOOK_URL is not set'
  if (record.discordDisabled?.urlHash === urlHash(webhookUrl)) return record.discordDisabled.reason
  return undefined
}

/**
 * The notification settings in the records table. Every change is an `edit` under the
 * record's optimistic lock, so an admin's toggle and a delivery's outcome written at the same
 * moment (by two instances, or an instance and a task) are both kept.
 */
export class NotificationSettings {
  constructor(
    private readonly records: RecordStore,
    private readonly log: FastifyBaseLogger,
  ) {}

  #valid(stored: unknown): NotificationsRecord {
    if (stored === undefined) return DEFAULT_NOTIFICATIONS
    if (Value.Check(NotificationsRecordSchema, stored)) return stored
    this.log.warn('the notification settings are not a version 1 record; using the defaults')
    return DEFAULT_NOTIFICATIONS
  }

  async read(): Promise<NotificationsRecord> {
    return this.#valid(await this.records.get(NOTIFICATIONS_RECORD_KEY))
  }

  async edit(change: (record: NotificationsRecord) => NotificationsRecord) {
    const written = await this.records.edit<NotificationsRecord>(
      NOTIFICATIONS_RECORD_KEY,
      (current) => change(this.#valid(current)),
    )
    return this.#valid(written)
  }
}

/** An event record's fields for a fresh claim. */
export function startedEvent(
  eventId: string,
  attempt: number,
  receivedAt: Date,
  keyFrom: IdempotencyKeyFrom = 'id',
): EventRecord {
  return {
    version: 1,
    eventId,
    ...(keyFrom === 'id' ? {} : { keyFrom }),
    status: 'started',
    attempt,
    receivedAt: receivedAt.toISOString(),
  }
}
