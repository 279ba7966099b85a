import type { DiscordWebhookMessage } from '@meme-studio/meme-core/schema'
import type * as Undici from 'undici'
import type { Dispatcher } from 'undici'
import { clip } from './event-message.ts'

/**
 * Messages to a Discord webhook: what an event or a notification looks like there, and one
 * try at posting one, classified by Discord's rules.
 * @see https://discord.com/developers/docs/resources/webhook#execute-webhook
 * @see https://discord.com/developers/docs/topics/rate-limits
 */

/** A message as it goes to the webhook: Discord's execute-webhook body. */
export type DiscordMessage = DiscordWebhookMessage

const MAX_FIELD_VALUE = 1024

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
  /** The try's time limit, in ms. */
  timeoutMs: number
}

/**
 * 5 s: Discord answers a webhook in well under a second; the state machine's Retry backs off
 * and tries again, and the Task's own limit (30 s) stays far above it.
 */
export const DEFAULT_DISCORD_SETTINGS = { timeoutMs: 5000 } as const

/**
 * What one POST to the webhook found out. The state machine decides what follows: the next
 * try, a wait, turning Discord off.
 */
export type DiscordAnswer =
  | { kind: 'delivered'; messageId?: string }
  /** 429: wait `retryAfterMs` (Discord's `retry_after`, or Retry-After) and try again. */
  | { kind: 'rate-limited'; retryAfterMs: number; reason: string }
  /** 404: the webhook was deleted; the URL will never work again. */
  | { kind: 'gone'; reason: string }
  /** Another 4xx: a message Discord will never take. */
  | { kind: 'refused'; reason: string }
  /** 5xx, a timeout, a network error: worth another try. */
  | { kind: 'unavailable'; reason: string }

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
  const raw = headers.get('retry-after')
  // Number(null) and Number('') are 0: no header is no answer, not "now".
  const header = raw === null || raw.trim() === '' ? NaN : Number(raw)
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

function excerpt(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown }
    if (typeof parsed.message === 'string') return `: ${clip(parsed.message, 200)}`
  } catch {
    // Not Discord's JSON: show nothing of it.
  }
  return ''
}

/**
 * One POST of the message to the webhook, classified by Discord's rules: 2xx delivered (with
 * the message's id, `wait=true`); 429 rate-limited with the wait it asks for (1 s when it
 * names none); 404 gone; another 4xx refused; 5xx, a timeout or a network error unavailable.
 * Never throws. The retries and waits are the state machine's (`discord-delivery.asl.json`).
 */
export async function postOnce(
  message: DiscordMessage,
  settings: DiscordSettings,
): Promise<DiscordAnswer> {
  let status: number
  let headers: Headers
  let body: string
  try {
    const { fetch } = await loadHttp()
    const dispatcher = await dispatcherFor(settings.proxy)
    const response = await fetch(executeUrl(settings.webhookUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'meme-studio (events)' },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(settings.timeoutMs),
      ...(dispatcher ? { dispatcher } : {}),
    })
    status = response.status
    headers = response.headers as unknown as Headers
    body = await response.text()
  } catch (error) {
    const name = (error as { name?: string }).name
    return {
      kind: 'unavailable',
      reason:
        name === 'TimeoutError' || name === 'AbortError'
          ? `Discord did not answer within ${settings.timeoutMs} ms`
          : `Discord could not be reached (${(error as Error).message})`,
    }
  }
  if (status >= 200 && status < 300) {
    let messageId: string | undefined
    try {
      messageId = text((JSON.parse(body) as { id?: unknown }).id)
    } catch {
      messageId = undefined // 204: no message to read
    }
    return { kind: 'delivered', ...(messageId ? { messageId } : {}) }
  }
  if (status === 404) {
    return { kind: 'gone', reason: 'Discord answered 404: the webhook was deleted' }
  }
  if (status === 429) {
    const retryAfterMs = rateLimitWaitMs(headers, body) ?? 1000
    return {
      kind: 'rate-limited',
      retryAfterMs,
      reason: `Discord asked to wait ${retryAfterMs} ms (429)`,
    }
  }
  if (status < 500) return { kind: 'refused', reason: `Discord answered ${status}${excerpt(body)}` }
  return { kind: 'unavailable', reason: `Discord answered ${status}` }
}
