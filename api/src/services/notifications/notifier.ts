import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type {
  ForwardedEvent,
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
import { eventMessage, notificationMessage, type NotificationKind } from './discord.ts'
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
        }
        if (change.resetDiscord) delete next.discordDisabled
        return next
      }),
      this.#deps.discord(),
    ])
    return viewOf(record, discord?.webhookUrl)
  }

  /**
   * Claims the event id: creates its key (a conditional put: of any number of instances
   * trying at once, one succeeds), or takes over a key whose delivery failed, as the next
   * attempt (an edit under the record's lock, so again only one does). Undefined: someone
   * has it, a duplicate.
   */
  async #claim(eventId: string, receivedAt: Date): Promise<Claim | undefined> {
    const { records } = this.#deps
    const key = eventRecordKey(eventId)
    const expiresAt = receivedAt.getTime() + EVENT_KEY_TTL_MS
    if (await records.create(key, startedEvent(eventId, 1, receivedAt), { expiresAt })) {
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
          return startedEvent(eventId, 1, receivedAt)
        }
        if (!Value.Check(EventRecordSchema, current) || current.status !== 'failed')
          return undefined
        claim = { attempt: current.attempt + 1, previous: current }
        return startedEvent(eventId, current.attempt + 1, receivedAt)
      },
      { expiresAt },
    )
    return claim
  }

  /** Gives a claim back when its execution could not start, so the sender's retry is taken. */
  async #release(eventId: string, claim: Claim) {
    const { records } = this.#deps
    const key = eventRecordKey(eventId)
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
   * Forwards an event, once per id: answers once its delivery has started (Discord gets the
   * message after, with the state machine's waits and retries). Discord not set up or turned
   * off: not forwarded, and the id is not kept. The execution would not start: the key is
   * given back and the answer is a 503, so the sender may send it again.
   */
  async forward(event: ForwardedEvent): Promise<ForwardResult> {
    const { id } = event
    const [record, discord] = await Promise.all([this.#deps.settings.read(), this.#deps.discord()])
    const reason = whyNotDiscord(record, discord?.webhookUrl)
    if (reason) return { id, delivery: 'not-forwarded', reason }

    const receivedAt = this.#now()
    const claim = await this.#claim(id, receivedAt)
    if (!claim) return { duplicate: true }
    const input: DeliveryInput = {
      delivery: { kind: 'event', eventId: id, attempt: claim.attempt },
      message: eventMessage(event, receivedAt),
    }
    try {
      await this.#deps.executions.start(eventExecutionName(id, claim.attempt), input)
    } catch (error) {
      this.#deps.log.error({ err: error, eventId: id }, 'the event delivery did not start')
      await this.#release(id, claim).catch((releaseError: unknown) =>
        // The key stays until it expires: the id is refused as a duplicate till then.
        this.#deps.log.error({ err: releaseError, eventId: id }, 'could not release the event id'),
      )
      throw eventsUnavailable(error)
    }
    return { id, delivery: 'accepted' }
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
  }
}
