import { tracingChannel } from 'node:diagnostics_channel'
import type { FastifyBaseLogger } from 'fastify'
import { Value } from 'typebox/value'
import { EventRecordSchema, type EventRecord } from '../../schemas/records.ts'
import type { RecordStore } from '../records/record-store.ts'
import {
  DiscordTaskEventSchema,
  MAX_RETRY_AFTER_SECONDS,
  type Delivery,
  type DiscordTaskEvent,
  type ErrorOutput,
  type PostResult,
} from './discord-delivery.ts'
import { postOnce, type DiscordMessage, type DiscordSettings } from './discord.ts'
import { withMentionPolicy } from './event-message.ts'
import {
  EVENT_KEY_TTL_MS,
  eventRecordKey,
  urlHash,
  whyNotDiscord,
  type NotificationSettings,
} from './notification-settings.ts'

/**
 * Where Discord is, asked before each post: fixed when `DISCORD_WEBHOOK_URL` is given, or
 * read again from its secret on Lambda, so a new URL takes effect without a restart.
 * Undefined: Discord is not used.
 */
export type DiscordSource = () => Promise<DiscordSettings | undefined>

/**
 * Each task call is published on this channel (`tracePromise`, with `{action}`), so that what
 * it does can be told apart from the request that may have started it: the tests' AWS call
 * recorder attributes a task's calls to the control function, which serves them on AWS.
 */
export const DISCORD_TASK_CHANNEL = 'meme-studio.discord.task'
const taskChannel = tracingChannel<unknown, { action: string }>(DISCORD_TASK_CHANNEL)

/**
 * An error a task fails with, by name: the state machine's Retry and Catch match it. On
 * Lambda the runtime reports `error.name` as the errorType Step Functions matches; the local
 * runner matches `error.name` itself.
 */
export class DiscordTaskError extends Error {
  constructor(name: 'DiscordUnavailable' | 'DiscordTaskInvalid', message: string) {
    super(message)
    this.name = name
  }
}

/**
 * What a failure's `Cause` says, as a sentence. On AWS a Lambda task's Cause is the function's
 * error as JSON (`{"errorType","errorMessage","trace"}`); aws-local-stepfunctions gives the
 * error's message, and a Pass state of the definition a sentence of the post task's.
 */
export function failureReason(error: ErrorOutput): string {
  const cause = error.Cause ?? ''
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown }
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage
  } catch {
    // Not JSON: the sentence itself.
  }
  return cause || error.Error
}

export interface DiscordTaskDeps {
  records: RecordStore
  settings: NotificationSettings
  discord: DiscordSource
  log: FastifyBaseLogger
  now?: () => Date
}

/**
 * The tasks of the Discord delivery state machine (`discord-delivery.asl.json`): one POST, and
 * the records of what came of it. The same code serves the control function's invocations on
 * AWS and the in-process runner locally. Each takes the state's Parameters and gives back a
 * small result (the post's outcome; nothing for the records).
 */
export class DiscordTasks {
  readonly #deps: DiscordTaskDeps
  readonly #now: () => Date

  constructor(deps: DiscordTaskDeps) {
    this.#deps = deps
    this.#now = deps.now ?? (() => new Date())
  }

  /** A Task's event (the state's Parameters): checked, then run under the trace channel. */
  async handle(event: unknown): Promise<PostResult | Record<string, never>> {
    if (!Value.Check(DiscordTaskEventSchema, event)) {
      const first = Value.Errors(DiscordTaskEventSchema, event)[0]
      throw new DiscordTaskError(
        'DiscordTaskInvalid',
        `not a Discord task${first ? `: ${first.instancePath || 'event'} ${first.message}` : ''}`,
      )
    }
    return taskChannel.tracePromise(() => this.#run(event), { action: event.action })
  }

  async #run(event: DiscordTaskEvent): Promise<PostResult | Record<string, never>> {
    switch (event.action) {
      case 'post':
        return this.#post(event.message)
      case 'record-delivery':
        await this.#recordDelivery(event.delivery, event.post)
        return {}
      case 'turn-off':
        await this.#turnOff(event.delivery, event.post)
        return {}
      case 'record-failure':
        await this.#recordFailure(event.delivery, failureReason(event.error))
        return {}
    }
  }

  async #post(message: DiscordMessage): Promise<PostResult> {
    const { settings, discord: source, log } = this.#deps
    const [discord, record] = await Promise.all([source(), settings.read()])
    const skipped = whyNotDiscord(record, discord?.webhookUrl)
    if (skipped || !discord) return { outcome: 'skipped', reason: skipped ?? 'no Discord URL' }
    // Whatever the input says: no pings unless mentions are allowed as the message goes out
    // (an admin may have turned them off since the event arrived).
    const answer = await postOnce(
      withMentionPolicy(message, record.allowMentions ?? false),
      discord,
    )
    switch (answer.kind) {
      case 'delivered':
        return {
          outcome: 'delivered',
          urlHash: urlHash(discord.webhookUrl),
          ...(answer.messageId ? { messageId: answer.messageId } : {}),
        }
      case 'rate-limited': {
        // Wait states count whole seconds; Discord's retry_after is a float.
        const seconds = Math.max(1, Math.ceil(answer.retryAfterMs / 1000))
        if (seconds > MAX_RETRY_AFTER_SECONDS) {
          return {
            outcome: 'refused',
            reason: `Discord asked to wait ${seconds} s (429), more than the ${MAX_RETRY_AFTER_SECONDS} s a delivery waits`,
          }
        }
        log.info({ seconds }, 'Discord rate-limited the message; the delivery waits')
        return { outcome: 'rate-limited', retryAfterSeconds: seconds, reason: answer.reason }
      }
      case 'gone':
        return { outcome: 'gone', urlHash: urlHash(discord.webhookUrl), reason: answer.reason }
      case 'refused':
        return { outcome: 'refused', reason: answer.reason }
      case 'unavailable':
        // The definition's Retry backs off and tries again; its Catch records the last one.
        throw new DiscordTaskError('DiscordUnavailable', answer.reason)
    }
  }

  async #recordDelivery(delivery: Delivery, post: PostResult) {
    const at = this.#now().toISOString()
    await this.#deps.settings.edit((record) => ({ ...record, lastDeliveredAt: at }))
    await this.#editEvent(delivery, (current) => ({
      ...current,
      status: 'delivered',
      deliveredAt: at,
      ...(post.outcome === 'delivered' && post.messageId
        ? { discordMessageId: post.messageId }
        : {}),
    }))
  }

  async #turnOff(delivery: Delivery, post: PostResult) {
    if (post.outcome !== 'gone') {
      throw new DiscordTaskError('DiscordTaskInvalid', `turn-off after a ${post.outcome} post`)
    }
    const at = this.#now().toISOString()
    this.#deps.log.warn({ reason: post.reason }, 'Discord is turned off for its URL')
    await this.#deps.settings.edit((record) => ({
      ...record,
      lastError: `${at}: ${post.reason}`,
      discordDisabled: { urlHash: post.urlHash, reason: post.reason, at },
    }))
    await this.#markFailed(delivery, post.reason)
  }

  async #recordFailure(delivery: Delivery, reason: string) {
    const at = this.#now().toISOString()
    this.#deps.log.warn({ reason, delivery }, 'Discord did not take the message')
    await this.#deps.settings.edit((record) => ({ ...record, lastError: `${at}: ${reason}` }))
    await this.#markFailed(delivery, reason)
  }

  /** A failed event may be sent again: its key says so, and the next claim is a new attempt. */
  async #markFailed(delivery: Delivery, reason: string) {
    await this.#editEvent(delivery, (current) => ({ ...current, status: 'failed', error: reason }))
  }

  /** Changes the event's record if it is still this attempt's (nothing for notifications). */
  async #editEvent(delivery: Delivery, change: (current: EventRecord) => EventRecord) {
    if (delivery.kind !== 'event') return
    await this.#deps.records.edit<EventRecord>(
      eventRecordKey(delivery.eventId, delivery.keyFrom),
      (current) =>
        Value.Check(EventRecordSchema, current) && current.attempt === delivery.attempt
          ? change(current)
          : undefined,
      { expiresAt: this.#now().getTime() + EVENT_KEY_TTL_MS },
    )
  }
}
