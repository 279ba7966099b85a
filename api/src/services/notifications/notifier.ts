import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type {
  ForwardResult,
  Notifications,
  NotificationsChange,
} from '@meme-studio/meme-core/schema'
import { Value } from 'typebox/value'
import {
  EventRecordSchema,
  type EventRecord,
  type NotificationsRecord,
} from '../../schemas/records.ts'
import type { RecordStore } from '../records/record-store.ts'
import { AppError } from '../shared/app-error.ts'
import type { DeliveryExecutions } from './delivery-executions.ts'
import { eventExecutionName, type DeliveryInput } from './discord-delivery.ts'
import type { DiscordSource } from './discord-tasks.ts'
import { notificationMessage, type NotificationKind } from './discord.ts'
import { withMentionPolicy, type EventSubmission, type IdempotencyKey } from './event-message.ts'
import {
  EVENT_KEY_TTL_MS,
  eventRecordKey,
  startedEvent,
  whyNotDiscord,
  type NotificationSettings,
} from './notification-settings.ts'

export interface NotifierDeps {
  records: RecordStore
  settings: NotificationSettings
  discord: DiscordSource
  executions: DeliveryExecutions
  log: FastifyBaseLogger
  now?: () => Date
}

/** An event id this request claimed: its attempt, and the record it replaced, if any. */
interface Claim {
  attempt: number
  previous?: EventRecord
}

function eventsUnavailable(cause: unknown): AppError {
  return new AppError(
    503,
    'STORAGE_UNAVAILABLE',
    'The event could not be handed to its delivery; send it again',
    { cause },
  )
}

/**
 * Events and notifications to Discord: each delivery is an execution of the Discord delivery
 * state machine (`discord-delivery.asl.json`), on Step Functions or in this process; this
 * class decides what to deliver, once, and starts it. The settings live in the records table.
 */
export class Notifier {
  readonly #deps: NotifierDeps
  readonly #now: () => Date
  /** Notifications being handed to their execution (`handedOff()` waits for them). */
  readonly #handingOff = new Set<Promise<void>>()

  constructor(deps: NotifierDeps) {
    this.#deps = deps
    this.#now = deps.now ?? (() => new Date())
  }

  async view(): Promise<Notifications> {
    const [record, discord] = await Promise.all([this.#deps.settings.read(), this.#deps.discord()])
    return viewOf(record, discord?.webhookUrl)
  }

  async update(change: NotificationsChange): Promise<Notifications> {
    const [record, discord] = await Promise.all([
      this.#deps.settings.edit((current) => {
        const next: NotificationsRecord = {
          ...current,
          notifyOnArchive: change.notifyOnArchive ?? current.notifyOnArchive,
          notifyOnShare: change.notifyOnShare ?? current.notifyOnShare,
          ...(change.allowMentions !== undefined ? { allowMentions: change.allowMentions } : {}),
        }
        if (change.resetDiscord) delete next.discordDisabled
        return next
      }),
      this.#deps.discord(),
    ])
    return viewOf(record, discord?.webhookUrl)
  }

  /**
   * Claims the event's key: creates it (a conditional put: of any number of instances
   * trying at once, one succeeds), or takes over a key whose delivery failed, as the next
   * attempt (an edit under the record's lock, so again only one does). Undefined: someone
   * has it, a duplicate.
   */
  async #claim(eventKey: IdempotencyKey, receivedAt: Date): Promise<Claim | undefined> {
    const { records } = this.#deps
    const { value, from } = eventKey
    const key = eventRecordKey(value, from)
    const started = (attempt: number) => startedEvent(value, attempt, receivedAt, from)
    const expiresAt = receivedAt.getTime() + EVENT_KEY_TTL_MS
    if (await records.create(key, started(1), { expiresAt })) {
      return { attempt: 1 }
    }
    let claim: Claim | undefined
    await records.edit<EventRecord>(
      key,
      (current) => {
        claim = undefined
        if (current === undefined) {
          // Expired or removed since the create: a first attempt after all.
          claim = { attempt: 1 }
          return started(1)
        }
        if (!Value.Check(EventRecordSchema, current) || current.status !== 'failed')
          return undefined
        claim = { attempt: current.attempt + 1, previous: current }
        return started(current.attempt + 1)
      },
      { expiresAt },
    )
    return claim
  }

  /** Gives a claim back when its execution could not start, so the sender's retry is taken. */
  async #release(eventKey: IdempotencyKey, claim: Claim) {
    const { records } = this.#deps
    const key = eventRecordKey(eventKey.value, eventKey.from)
    if (!claim.previous) return records.delete(key)
    const previous = claim.previous
    await records.edit<EventRecord>(
      key,
      (current) =>
        current?.status === 'started' && current.attempt === claim.attempt ? previous : undefined,
      { expiresAt: this.#now().getTime() + EVENT_KEY_TTL_MS },
    )
  }

  /**
   * Forwards an event, once per key: answers once its delivery has started (Discord gets the
   * message after, with the state machine's waits and retries). Discord not set up or turned
   * off: not forwarded, and the key is not kept. The execution would not start: the key is
   * given back and the answer is a 503, so the sender may send it again.
   */
  async forward(event: EventSubmission): Promise<ForwardResult> {
    const { key } = event
    const answer = { id: key.value, idempotencyKeyFrom: key.from }
    const [record, discord] = await Promise.all([this.#deps.settings.read(), this.#deps.discord()])
    const reason = whyNotDiscord(record, discord?.webhookUrl)
    if (reason) return { ...answer, delivery: 'not-forwarded', reason }

    const receivedAt = this.#now()
    const claim = await this.#claim(key, receivedAt)
    if (!claim) return { duplicate: true, ...answer }
    const input: DeliveryInput = {
      delivery: { kind: 'event', eventId: key.value, keyFrom: key.from, attempt: claim.attempt },
      message: withMentionPolicy(event.message, record.allowMentions ?? false),
    }
    const log = { eventKey: key.value, keyFrom: key.from }
    try {
      await this.#deps.executions.start(
        eventExecutionName(key.value, claim.attempt, key.from),
        input,
      )
    } catch (error) {
      this.#deps.log.error({ err: error, ...log }, 'the event delivery did not start')
      await this.#release(key, claim).catch((releaseError: unknown) =>
        // The key stays until it expires: the event is refused as a duplicate till then.
        this.#deps.log.error({ err: releaseError, ...log }, 'could not release the event key'),
      )
      throw eventsUnavailable(error)
    }
    return { ...answer, delivery: 'accepted' }
  }

  /**
   * Starts a notification's delivery when its toggle is on (`archived`: a push was archived;
   * `shared`: a meme was shared). Never rejects, and callers need not wait for it; on
   * Lambda `handedOff()` lets the response wait for the start, bounded.
   */
  notify(kind: NotificationKind, details: Record<string, unknown>): Promise<void> {
    const work = (async () => {
      try {
        // Without a Discord URL (the default) a share or an archive reads nothing more.
        const discord = await this.#deps.discord()
        if (!discord) return
        const record = await this.#deps.settings.read()
        const wanted = kind === 'archived' ? record.notifyOnArchive : record.notifyOnShare
        if (!wanted || whyNotDiscord(record, discord.webhookUrl)) return
        await this.#deps.executions.start(`notification-${kind}-${randomUUID()}`, {
          delivery: { kind: 'notification', notification: kind },
          message: notificationMessage(kind, details, this.#now()),
        })
      } catch (error) {
        this.#deps.log.warn({ err: error, kind }, 'notification not sent')
      }
    })()
    this.#handingOff.add(work)
    void work.finally(() => this.#handingOff.delete(work))
    return work
  }

  /** Resolves when every notification asked for so far has started its delivery (or given up). */
  async handedOff(): Promise<void> {
    while (this.#handingOff.size > 0) await Promise.allSettled([...this.#handingOff])
  }

  /** Waits for notifications being started and for the deliveries this process runs. */
  async settled(): Promise<void> {
    await this.handedOff()
    await this.#deps.executions.settled()
  }
}

function viewOf(record: NotificationsRecord, webhookUrl: string | undefined): Notifications {
  const disabled = webhookUrl ? whyNotDiscord(record, webhookUrl) : undefined
  return {
    discord: {
      configured: webhookUrl !== undefined,
      state: !webhookUrl ? 'unused' : disabled ? 'disabled' : 'ok',
      ...(disabled ? { reason: disabled } : {}),
      ...(record.lastDeliveredAt ? { lastDeliveredAt: record.lastDeliveredAt } : {}),
      ...(record.lastError ? { lastError: record.lastError } : {}),
    },
    notifyOnArchive: record.notifyOnArchive,
    notifyOnShare: record.notifyOnShare,
    allowMentions: record.allowMentions ?? false,
  }
}
