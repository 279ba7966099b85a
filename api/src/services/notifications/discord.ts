import { setTimeout as sleep } from 'node:timers/promises'
import type { ForwardedEvent } from '@meme-studio/meme-core/schema'
import type * as Undici from 'undici'
import type { Dispatcher } from 'undici'

/**
 * Messages to a Discord webhook: what an event or a notification looks like there, and the
 * delivery with Discord's retry rules.
 * @see https://discord.com/developers/docs/resources/webhook#execute-webhook
 * @see https://discord.com/developers/docs/topics/rate-limits
 */

export interface DiscordEmbed {
  title: string
  description?: string
  url?: string
  fields?: { name: string; value: string; inline?: boolean }[]
  timestamp: string
  footer?: { text: string }
}

export interface DiscordMessage {
  content?: string
  embeds: DiscordEmbed[]
  /** No @everyone, @here or role pings from text a sender chose. */
  allowed_mentions: { parse: [] }
}

/** Discord's embed limits; the whole embed may hold at most 6000 characters. */
const MAX_FIELD_VALUE = 1024

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

/** An event as one embed: its title (or its id), description, link and fields. */
export function eventMessage(event: ForwardedEvent, receivedAt: Date): DiscordMessage {
  return {
    embeds: [
      {
        title: event.title ?? `Event ${event.id}`,
        ...(event.description ? { description: event.description } : {}),
        ...(event.url ? { url: event.url } : {}),
        ...(event.fields?.length ? { fields: event.fields } : {}),
        timestamp: receivedAt.toISOString(),
        footer: { text: clip(`event ${event.id}`, 2048) },
      },
    ],
    allowed_mentions: { parse: [] },
  }
}

export type NotificationKind = 'archived' | 'shared'

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

function httpUrl(value: unknown): string | undefined {
  return typeof value === 'string' && /^https?:\/\/\S+$/.test(value) && value.length <= 2048
    ? value
    : undefined
}

/** Field names for the details callers pass, in the order they are shown. */
const DETAIL_LABELS: Record<string, string> = {
  owner: 'Owner',
  repo: 'Repository',
  branch: 'Branch',
  commit: 'Commit',
  pusher: 'Pushed by',
  archiveKey: 'Archive',
  versionId: 'Version',
  hookId: 'Webhook',
  deliveryId: 'Delivery',
  shareId: 'Share',
  title: 'Title',
  url: 'Link',
}

/** A notification from the app itself: a push archived, a meme shared. */
export function notificationMessage(
  kind: NotificationKind,
  details: Record<string, unknown>,
  at: Date,
): DiscordMessage {
  const repo = text(details.repo)
  const branch = text(details.branch)
  const title =
    kind === 'archived'
      ? `Push archived${repo ? `: ${repo}${branch ? ` (${branch})` : ''}` : ''}`
      : `A meme was shared${text(details.title) ? `: ${text(details.title)}` : ''}`
  const known = Object.keys(DETAIL_LABELS).filter((key) => text(details[key]) !== undefined)
  const others = Object.keys(details).filter(
    (key) => !(key in DETAIL_LABELS) && text(details[key]) !== undefined,
  )
  const fields = [...known, ...others].slice(0, 25).map((key) => ({
    name: DETAIL_LABELS[key] ?? clip(key, 256),
    value: clip(
      key === 'commit'
        ? (text(details[key]) as string).slice(0, 12)
        : (text(details[key]) as string),
      MAX_FIELD_VALUE,
    ),
    inline: key !== 'archiveKey' && key !== 'url',
  }))
  const url = httpUrl(details.url)
  return {
    embeds: [
      {
        title: clip(title, 256),
        ...(url ? { url } : {}),
        ...(fields.length ? { fields } : {}),
        timestamp: at.toISOString(),
      },
    ],
    allowed_mentions: { parse: [] },
  }
}

export interface DiscordSettings {
  webhookUrl: string
  /** HTTPS_PROXY: Discord is reached through it when set. */
  proxy?: string
  /** Tries for 5xx answers, timeouts and network errors (429s are waited out apart). */
  tries: number
  /** Waits between those tries, in ms. */
  backoffMs: readonly number[]
  /** Each try's time limit. */
  timeoutMs: number
  /** The most all 429 waits of one delivery may add up to, in ms. */
  maxRateLimitWaitMs: number
}

export const DEFAULT_DISCORD_SETTINGS = {
  tries: 3,
  backoffMs: [200, 600],
  timeoutMs: 5000,
  maxRateLimitWaitMs: 5000,
} as const

export type DiscordOutcome =
  | { status: 'delivered'; attempts: number; messageId?: string }
  /** 404: the webhook was deleted; the URL will never work again. */
  | { status: 'gone'; attempts: number; reason: string }
  | { status: 'failed'; attempts: number; error: string }

/** What a try ended with: an answer, or why there was none. */
type TryResult =
  | { kind: 'answer'; status: number; headers: Headers; body: string }
  | { kind: 'no-answer'; error: string }

/** The wait a 429 asks for, in ms: JSON `retry_after` (seconds, a float) or Retry-After. */
export function rateLimitWaitMs(headers: Headers, body: string): number | undefined {
  try {
    const parsed = JSON.parse(body) as { retry_after?: unknown }
    if (typeof parsed.retry_after === 'number' && parsed.retry_after >= 0) {
      return Math.ceil(parsed.retry_after * 1000)
    }
  } catch {
    // Not JSON (a proxy's page, say): the header may still say.
  }
  const header = Number(headers.get('retry-after'))
  return Number.isFinite(header) && header >= 0 ? Math.ceil(header * 1000) : undefined
}

/** The webhook URL with `wait=true`, so Discord answers once the message exists. */
export function executeUrl(webhookUrl: string): string {
  const url = new URL(webhookUrl)
  url.searchParams.set('wait', 'true')
  return url.toString()
}

/** undici loads with the first message, not at cold start (it costs tens of milliseconds). */
let http: Promise<typeof Undici> | undefined
const loadHttp = () => (http ??= import('undici'))

const proxies = new Map<string, Dispatcher>()
async function dispatcherFor(proxy: string | undefined): Promise<Dispatcher | undefined> {
  if (!proxy) return undefined
  let agent = proxies.get(proxy)
  if (!agent) {
    const { ProxyAgent } = await loadHttp()
    agent = new ProxyAgent(proxy)
    proxies.set(proxy, agent)
  }
  return agent
}

async function tryOnce(
  url: string,
  message: DiscordMessage,
  settings: DiscordSettings,
): Promise<TryResult> {
  try {
    const { fetch } = await loadHttp()
    const dispatcher = await dispatcherFor(settings.proxy)
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'meme-studio (events)' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(settings.timeoutMs),
      ...(dispatcher ? { dispatcher } : {}),
    })
    const body = await response.text()
    return { kind: 'answer', status: response.status, headers: response.headers, body }
  } catch (error) {
    const name = (error as { name?: string }).name
    return {
      kind: 'no-answer',
      error:
        name === 'TimeoutError' || name === 'AbortError'
          ? `Discord did not answer within ${settings.timeoutMs} ms`
          : `Discord could not be reached (${(error as Error).message})`,
    }
  }
}

function excerpt(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown }
    if (typeof parsed.message === 'string') return `: ${clip(parsed.message, 200)}`
  } catch {
    // Not Discord's JSON: show nothing of it.
  }
  return ''
}

export interface DeliveryHooks {
  /** Waits; tests may pass one that does not. */
  wait?: (ms: number) => Promise<unknown>
  /** Called each time a try failed and another is coming, with why. */
  onRetry?: (reason: string) => void
}

/**
 * Posts a message to the webhook with Discord's rules: 429 waits the time it asks for and
 * tries again (all waits together at most `maxRateLimitWaitMs`); 5xx, timeouts and network
 * errors back off, at most `tries` tries; 404 means the webhook was deleted; any other 4xx is
 * a message Discord will never take. Never throws.
 */
export async function postToDiscord(
  message: DiscordMessage,
  settings: DiscordSettings,
  hooks: DeliveryHooks = {},
): Promise<DiscordOutcome> {
  const { wait = sleep, onRetry } = hooks
  const url = executeUrl(settings.webhookUrl)
  let attempts = 0
  let failures = 0
  let rateLimitWaited = 0
  for (;;) {
    attempts += 1
    const result = await tryOnce(url, message, settings)
    if (result.kind === 'answer' && result.status >= 200 && result.status < 300) {
      let messageId: string | undefined
      try {
        messageId = text((JSON.parse(result.body) as { id?: unknown }).id)
      } catch {
        messageId = undefined // 204: no message to read
      }
      return { status: 'delivered', attempts, ...(messageId ? { messageId } : {}) }
    }
    if (result.kind === 'answer' && result.status === 404) {
      return { status: 'gone', attempts, reason: 'Discord answered 404: the webhook was deleted' }
    }
    if (result.kind === 'answer' && result.status === 429) {
      const waitMs = rateLimitWaitMs(result.headers, result.body) ?? 1000
      if (rateLimitWaited + waitMs > settings.maxRateLimitWaitMs) {
        return {
          status: 'failed',
          attempts,
          error: `Discord kept rate-limiting (asked to wait ${waitMs} ms more)`,
        }
      }
      rateLimitWaited += waitMs
      onRetry?.(`Discord asked to wait ${waitMs} ms (429)`)
      await wait(waitMs)
      continue
    }
    if (result.kind === 'answer' && result.status < 500) {
      return {
        status: 'failed',
        attempts,
        error: `Discord answered ${result.status}${excerpt(result.body)}`,
      }
    }
    failures += 1
    const error = result.kind === 'answer' ? `Discord answered ${result.status}` : result.error
    if (failures >= settings.tries) {
      return { status: 'failed', attempts, error: `${error} (${failures} tries)` }
    }
    onRetry?.(error)
    await wait(settings.backoffMs[failures - 1] ?? settings.backoffMs.at(-1) ?? 0)
  }
}
