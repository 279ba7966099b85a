import { createHash } from 'node:crypto'
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyBaseLogger } from 'fastify'
import type {
  ForwardedEvent,
  ForwardResult,
  Notifications,
  NotificationsChange,
} from '@meme-studio/meme-core/schema'
import { Value } from 'typebox/value'
import { NotificationsRecordSchema, type NotificationsRecord } from '../../schemas/records.ts'
import { AppError } from '../shared/app-error.ts'
import {
  eventMessage,
  notificationMessage,
  postToDiscord,
  type DiscordMessage,
  type DiscordOutcome,
  type DiscordSettings,
  type NotificationKind,
} from './discord.ts'
import { putJsonRecord, readJsonRecord } from '../storage/json-records.ts'
import { isMissing, storageUnavailable } from '../storage/s3-errors.ts'

/** The settings record, in the upload bucket with the app's other records. */
export const NOTIFICATIONS_KEY = 'app/notifications.json'
/** One record per event delivered: what makes the same id twice one message. */
export function eventRecordKey(id: string): string {
  return `events/${encodeURIComponent(id)}.json`
}

const DEFAULT_RECORD: NotificationsRecord = {
  version: 1,
  notifyOnArchive: false,
  notifyOnShare: false,
}

/** Settings are re-read this often, so every instance sees a toggle soon after it flips. */
const RECORD_TTL_MS = 10_000
const MAX_RECORD_BYTES = 16 * 1024
/** Event ids remembered in memory, beyond the S3 records; the oldest are forgotten first. */
const MAX_REMEMBERED_IDS = 10_000

function urlHash(url: string): string {
  // The URL carries the webhook's token: only its hash is stored.
  return createHash('sha256').update(url).digest('hex').slice(0, 16)
}

/**
 * Where Discord is, asked before each delivery: fixed when `DISCORD_WEBHOOK_URL` is given, or
 * read again from its secret on Lambda, so a new URL takes effect without a restart.
 * Undefined: Discord is not used.
 */
export type DiscordSource = () => Promise<DiscordSettings | undefined>

export class Notifier {
  private cached?: { record: NotificationsRecord; readAt: number }
  private readonly sent = new Set<string>()
  private readonly inFlight = new Set<string>()
  private readonly background = new Set<Promise<unknown>>()
  /** Disabled in this process even if the record could not be written: the URL, and why. */
  private disabledHere?: { urlHash: string; reason: string }

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly discordSource: DiscordSource,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async readRecord(): Promise<NotificationsRecord> {
    if (this.cached && Date.now() - this.cached.readAt < RECORD_TTL_MS) return this.cached.record
    let record = DEFAULT_RECORD
    try {
      const stored = await readJsonRecord(this.s3, this.bucket, NOTIFICATIONS_KEY, {
        maxBytes: MAX_RECORD_BYTES,
        notFound: (cause) => new AppError(404, 'NOT_FOUND', 'no settings yet', { cause }),
      })
      if (Value.Check(NotificationsRecordSchema, stored)) record = stored
      else this.log.warn(`${NOTIFICATIONS_KEY} is not a version 1 record; using the defaults`)
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'NOT_FOUND')) throw error
    }
    this.cached = { record, readAt: Date.now() }
    return record
  }

  private async writeRecord(change: (record: NotificationsRecord) => NotificationsRecord) {
    // Read fresh: another instance may have changed it since.
    this.cached = undefined
    const record = change(await this.readRecord())
    await putJsonRecord(this.s3, this.bucket, NOTIFICATIONS_KEY, record)
    this.cached = { record, readAt: Date.now() }
    return record
  }

  /** Records what a delivery to `webhookUrl` found out; a failure to record is only logged. */
  private async recordOutcome(outcome: DiscordOutcome, webhookUrl: string): Promise<void> {
    const at = this.now().toISOString()
    if (outcome.status === 'gone') {
      this.disabledHere = { urlHash: urlHash(webhookUrl), reason: outcome.reason }
    }
    try {
      await this.writeRecord((record) => {
        if (outcome.status === 'delivered') return { ...record, lastDeliveredAt: at }
        const lastError = `${at}: ${outcome.status === 'gone' ? outcome.reason : outcome.error}`
        if (outcome.status === 'failed') return { ...record, lastError }
        return {
          ...record,
          lastError,
          discordDisabled: {
            urlHash: urlHash(webhookUrl),
            reason: outcome.reason,
            at,
          },
        }
      })
    } catch (error) {
      this.log.warn({ err: error }, 'could not record the Discord delivery outcome')
    }
  }

  /**
   * Why Discord is not used, if it is not. A 404 disables one URL: a new one (a changed
   * secret) is used again.
   */
  private whyNotDiscord(
    record: NotificationsRecord,
    discord: DiscordSettings | undefined,
  ): string | undefined {
    if (!discord) return 'DISCORD_WEBHOOK_URL is not set'
    const hash = urlHash(discord.webhookUrl)
    if (this.disabledHere?.urlHash === hash) return this.disabledHere.reason
    if (record.discordDisabled?.urlHash === hash) return record.discordDisabled.reason
    return undefined
  }

  async view(): Promise<Notifications> {
    const [record, discord] = await Promise.all([this.readRecord(), this.discordSource()])
    const disabled = discord ? this.whyNotDiscord(record, discord) : undefined
    return {
      discord: {
        configured: discord !== undefined,
        state: !discord ? 'unused' : disabled ? 'disabled' : 'ok',
        ...(disabled ? { reason: disabled } : {}),
        ...(record.lastDeliveredAt ? { lastDeliveredAt: record.lastDeliveredAt } : {}),
        ...(record.lastError ? { lastError: record.lastError } : {}),
      },
      notifyOnArchive: record.notifyOnArchive,
      notifyOnShare: record.notifyOnShare,
    }
  }

  async update(change: NotificationsChange): Promise<Notifications> {
    if (change.resetDiscord) this.disabledHere = undefined
    await this.writeRecord((record) => {
      const next: NotificationsRecord = {
        ...record,
        notifyOnArchive: change.notifyOnArchive ?? record.notifyOnArchive,
        notifyOnShare: change.notifyOnShare ?? record.notifyOnShare,
      }
      if (change.resetDiscord) delete next.discordDisabled
      return next
    })
    return this.view()
  }

  private remember(id: string) {
    this.sent.add(id)
    if (this.sent.size > MAX_REMEMBERED_IDS) {
      const oldest = this.sent.values().next().value
      if (oldest !== undefined) this.sent.delete(oldest)
    }
  }

  private async deliveredBefore(id: string): Promise<boolean> {
    if (this.sent.has(id) || this.inFlight.has(id)) return true
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: eventRecordKey(id) }))
    } catch (error) {
      if (isMissing(error)) return false
      throw storageUnavailable(error)
    }
    this.remember(id)
    return true
  }

  /**
   * Forwards an event, once per id. Resolves when Discord has taken it, or when its first try
   * failed and the retries are scheduled (they run after, and `settled()` waits for them): an
   * answer within about the first try's time limit, as an API Gateway integration that
   * enqueues would give.
   */
  async forward(event: ForwardedEvent): Promise<ForwardResult> {
    const { id } = event
    if (await this.deliveredBefore(id)) return { duplicate: true }
    // Another request with this id may have started while S3 answered.
    if (this.inFlight.has(id)) return { duplicate: true }
    const [record, discord] = await Promise.all([this.readRecord(), this.discordSource()])
    const reason = this.whyNotDiscord(record, discord)
    if (reason || !discord) return { id, delivery: 'not-forwarded', reason }

    this.inFlight.add(id)
    let signalRetrying: (reason: string) => void = () => {}
    const retrying = new Promise<{ retrying: string }>((resolve) => {
      signalRetrying = (why) => resolve({ retrying: why })
    })
    const delivery = this.deliver(discord, eventMessage(event, this.now()), signalRetrying).then(
      async (outcome) => {
        if (outcome.status === 'delivered') {
          await this.recordEvent(id, outcome)
          this.remember(id)
        }
        this.inFlight.delete(id)
        return outcome
      },
    )
    this.track(delivery)
    const first = await Promise.race([delivery, retrying])
    if ('retrying' in first) return { id, delivery: 'retrying', reason: first.retrying }
    if (first.status === 'delivered') return { id, delivery: 'delivered' }
    if (first.status === 'gone') return { id, delivery: 'not-forwarded', reason: first.reason }
    return { id, delivery: 'failed', reason: first.error }
  }

  private async recordEvent(id: string, outcome: DiscordOutcome) {
    const record = {
      id,
      deliveredAt: this.now().toISOString(),
      attempts: outcome.attempts,
      ...(outcome.status === 'delivered' && outcome.messageId
        ? { discordMessageId: outcome.messageId }
        : {}),
    }
    try {
      await putJsonRecord(this.s3, this.bucket, eventRecordKey(id), record)
    } catch (error) {
      // Delivered all the same; this process still remembers the id.
      this.log.warn({ err: error, eventId: id }, 'could not record a delivered event')
    }
  }

  private async deliver(
    settings: DiscordSettings,
    message: DiscordMessage,
    onRetry: (reason: string) => void = () => {},
  ): Promise<DiscordOutcome> {
    const outcome = await postToDiscord(message, settings, {
      onRetry: (reason) => {
        this.log.info({ reason }, 'Discord delivery will be retried')
        onRetry(reason)
      },
    })
    if (outcome.status !== 'delivered') {
      this.log.warn({ outcome }, 'Discord did not take the message')
    }
    await this.recordOutcome(outcome, settings.webhookUrl)
    return outcome
  }

  private track(work: Promise<unknown>) {
    const tracked = work.catch((error) => this.log.error({ err: error }, 'Discord delivery failed'))
    this.background.add(tracked)
    void tracked.finally(() => this.background.delete(tracked))
  }

  /** Never rejects; tracked, so `settled()` (and closing the app) waits for it. */
  notify(kind: NotificationKind, details: Record<string, unknown>): Promise<void> {
    const work = (async () => {
      try {
        const record = await this.readRecord()
        const wanted = kind === 'archived' ? record.notifyOnArchive : record.notifyOnShare
        if (!wanted) return
        const discord = await this.discordSource()
        if (!discord || this.whyNotDiscord(record, discord)) return
        await this.deliver(discord, notificationMessage(kind, details, this.now()))
      } catch (error) {
        this.log.warn({ err: error, kind }, 'notification not sent')
      }
    })()
    this.track(work)
    return work
  }

  /** Waits for deliveries still retrying after their answer (on close, and in tests). */
  async settled(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background])
  }
}
