import { createHash } from 'node:crypto'
import {
  DISCORD_LIMITS,
  DISCORD_MESSAGE_MARKERS,
  DISCORD_WEBHOOK_FLAGS,
  DiscordWebhookMessageSchema,
  EventSchema,
  HTTP_URL_PATTERN,
  ISO_TIMESTAMP_PATTERN,
  SNOWFLAKE_PATTERN,
  type DiscordEmbed,
  type DiscordWebhookMessage,
  type ForwardedEvent,
  type IdempotencyKeyFrom,
} from '@meme-studio/meme-core/schema'
import type { TSchema } from 'typebox'
import { Value } from 'typebox/value'
import { AppError } from '../shared/app-error.ts'

/**
 * What `POST /api/events` makes of a body, once its signature is good: the Discord message
 * to post and the key that makes a retry the same event. Three kinds of body:
 * - a Discord execute-webhook body (it has `content`, `embeds` or `poll`): checked against
 *   Discord's documented fields and limits and forwarded as it is, `allowed_mentions` aside;
 * - the app's own event, `{id?, title?, description?, url?, fields?}`, as before;
 * - any other JSON object, such as a gateway bot's `{"type":"voice.join","user":…}`: one
 *   embed titled by its `title`, `type` or `event`, the other properties as fields, cut to
 *   Discord's limits.
 * Pure: no I/O, so every case is a unit away from a test.
 */

/** The key an event is remembered by, and where it came from. */
export interface IdempotencyKey {
  from: IdempotencyKeyFrom
  value: string
}

/** An event, read: what kind of body it was, its key, and the message to post. */
export interface EventSubmission {
  kind: 'discord' | 'event' | 'object'
  key: IdempotencyKey
  message: DiscordWebhookMessage
}

/** What of the request, besides its body, can key it. */
export interface EventRequestKeys {
  /** The `Idempotency-Key` header, as received. */
  idempotencyKey?: string | string[]
  /** The SigV4 `Authorization` header and `X-Amz-Date`: the signed request itself. */
  authorization?: string | string[]
  amzDate?: string | string[]
}

/**
 * Deeper than any Discord message (a poll answer's emoji is 6 levels down), and far from what
 * would make `JSON.stringify` recurse out of stack on a field's value.
 */
export const MAX_EVENT_DEPTH = 32

/** `Idempotency-Key`: 1..255 printable ASCII characters, as Stripe and the IETF draft take. */
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,255}$/

const EVENT_SHAPE_KEYS = new Set(Object.keys(EventSchema.properties))

/** No @everyone, @here, role or user pings. */
const NO_MENTIONS = { parse: [] as never[] }

function invalid(path: string, problem: string): AppError {
  return new AppError(400, 'VALIDATION', `body${path} ${problem}`)
}

/** Characters as Discord and JSON Schema count them: code points, not UTF-16 units. */
export function characters(text: string): number {
  return [...text].length
}

/** The text cut to `max` characters, with an ellipsis when cut, never inside a surrogate pair. */
export function clip(text: string, max: number): string {
  if (characters(text) <= max) return text
  return `${Array.from(text)
    .slice(0, max - 1)
    .join('')}…`
}

// ---- Reading the body ---------------------------------------------------------------

/**
 * The body's JSON: UTF-8 text, one object, at most `MAX_EVENT_DEPTH` levels deep, without a
 * `__proto__` property (taken by a merge into an object, it would set its prototype) or a
 * property name longer than an embed field's name may be.
 */
export function parseEventBody(body: Buffer): Record<string, unknown> {
  if (body.length === 0) {
    throw new AppError(400, 'MALFORMED_JSON', 'The request body is empty: send a JSON object')
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body)
  } catch {
    throw new AppError(400, 'MALFORMED_JSON', 'The request body is not UTF-8 text')
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new AppError(400, 'MALFORMED_JSON', 'The request body is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`
    throw invalid('', `must be a JSON object, not ${what}`)
  }
  checkStructure(value)
  return value as Record<string, unknown>
}

/** Walks the value without recursion (its depth is what is being checked). */
function checkStructure(root: object) {
  const stack: { value: object; path: string; depth: number }[] = [
    { value: root, path: '', depth: 1 },
  ]
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (item.depth > MAX_EVENT_DEPTH) {
      throw invalid(item.path, `is nested more than ${MAX_EVENT_DEPTH} levels deep`)
    }
    for (const [name, child] of Object.entries(item.value)) {
      const path = `${item.path}/${Array.isArray(item.value) ? name : pointer(name)}`
      if (name === '__proto__') throw invalid(item.path, 'has a property named "__proto__"')
      if (characters(name) > DISCORD_LIMITS.fieldName) {
        throw invalid(
          item.path,
          `has a property name of ${characters(name)} characters (at most ${DISCORD_LIMITS.fieldName})`,
        )
      }
      if (typeof child === 'object' && child !== null) {
        stack.push({ value: child, path, depth: item.depth + 1 })
      }
    }
  }
}

/** A JSON Pointer segment (RFC 6901), as the schema errors name paths. */
function pointer(name: string): string {
  return name.replaceAll('~', '~0').replaceAll('/', '~1')
}

/** A schema's first refusal as a sentence naming the path and the limit. */
function schemaRefusal(schema: TSchema, value: unknown): AppError {
  // An unknown property shows first as its own `schema is false`; it is named below.
  const errors = [...Value.Errors(schema, value)].filter((error) => error.keyword !== 'boolean')
  const first = errors[0]
  if (!first) return invalid('', 'is not valid')
  const params = first.params as {
    additionalProperties?: unknown[]
    pattern?: string
    allowedValue?: unknown
  }
  if (first.keyword === 'additionalProperties' && params.additionalProperties?.length) {
    return invalid(
      first.instancePath,
      `has an unknown property "${String(params.additionalProperties[0])}"`,
    )
  }
  if (first.keyword === 'pattern') {
    const meaning: Record<string, string> = {
      [HTTP_URL_PATTERN]: 'must be an http(s) URL',
      [SNOWFLAKE_PATTERN]: 'must be a Discord id (digits, as a string)',
      [ISO_TIMESTAMP_PATTERN]: 'must be an ISO 8601 timestamp',
    }
    return invalid(first.instancePath, meaning[params.pattern ?? ''] ?? first.message)
  }
  if (first.keyword === 'const') {
    // A union of constants: every one allowed at this path, in the schema's order.
    const allowed = errors
      .filter((error) => error.keyword === 'const' && error.instancePath === first.instancePath)
      .map((error) => JSON.stringify((error.params as typeof params).allowedValue))
    return invalid(first.instancePath, `must be ${allowed.join(' or ')}`)
  }
  return invalid(first.instancePath, first.message)
}

// ---- The idempotency key ------------------------------------------------------------

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value
}

/** The body's `id` as text, when it has one: a string of 1..128 characters, or a number. */
function bodyId(body: Record<string, unknown>): string | undefined {
  if (!Object.hasOwn(body, 'id')) return undefined
  const id = body.id
  if (typeof id === 'number') return String(id)
  if (typeof id !== 'string') throw invalid('/id', 'must be a string or a number')
  if (id.length === 0) throw invalid('/id', 'must not be empty')
  if (characters(id) > 128) throw invalid('/id', 'must not have more than 128 characters')
  return id
}

/**
 * The event's idempotency key: the body's `id`; else the `Idempotency-Key` header; else the
 * signed request itself, SHA-256 of its signature and X-Amz-Date. A retry of a signed request
 * is the same bytes with the same signature; a new signing has a new date, so a new signature
 * (two signings of the same body within one second are one event: send an id or a key).
 */
export function idempotencyKey(
  body: Record<string, unknown>,
  request: EventRequestKeys,
): IdempotencyKey {
  const id = bodyId(body)
  if (id !== undefined) return { from: 'id', value: id }
  const header = single(request.idempotencyKey)
  if (header !== undefined) {
    if (!IDEMPOTENCY_KEY.test(header)) {
      throw new AppError(
        400,
        'VALIDATION',
        'headers/idempotency-key must be 1 to 255 printable ASCII characters',
      )
    }
    return { from: 'header', value: header }
  }
  const signature = /Signature=([0-9a-f]{64})/.exec(single(request.authorization) ?? '')?.[1]
  const amzDate = single(request.amzDate)
  if (signature && amzDate) {
    const hash = createHash('sha256').update(`${signature}\n${amzDate}`).digest('hex')
    return { from: 'signature', value: hash }
  }
  throw new AppError(
    400,
    'VALIDATION',
    'body has no id, and the request no Idempotency-Key header or SigV4 signature to key it by',
  )
}

// ---- Discord's own message ----------------------------------------------------------

function embedCharacters(embed: DiscordEmbed): number {
  const texts = [
    embed.title,
    embed.description,
    embed.footer?.text,
    embed.author?.name,
    ...(embed.fields ?? []).flatMap((field) => [field.name, field.value]),
  ]
  return texts.reduce((sum, part) => sum + (part ? characters(part) : 0), 0)
}

/** A Discord execute-webhook body, checked against Discord's documented fields and limits. */
export function discordMessage(body: Record<string, unknown>): DiscordWebhookMessage {
  if (!Value.Check(DiscordWebhookMessageSchema, body)) {
    throw schemaRefusal(DiscordWebhookMessageSchema, body)
  }
  const total = (body.embeds ?? []).reduce((sum, embed) => sum + embedCharacters(embed), 0)
  if (total > DISCORD_LIMITS.embedsTotal) {
    throw invalid(
      '/embeds',
      `must not have more than ${DISCORD_LIMITS.embedsTotal} characters in all (titles, ` +
        `descriptions, field names and values, footer texts and author names); they have ${total}`,
    )
  }
  if (body.flags !== undefined && (body.flags & ~DISCORD_WEBHOOK_FLAGS) !== 0) {
    throw invalid('/flags', 'may only set SUPPRESS_EMBEDS (4) and SUPPRESS_NOTIFICATIONS (4096)')
  }
  if (!body.content?.trim() && !body.embeds?.length && !body.poll) {
    throw invalid('', 'must have a content that is not blank, an embed or a poll')
  }
  return body
}

// ---- The app's event ----------------------------------------------------------------

/** The app's own event as one embed: its title (or its id), description, link and fields. */
export function eventShapeMessage(event: ForwardedEvent, receivedAt: Date): DiscordWebhookMessage {
  const id = event.id === undefined ? undefined : String(event.id)
  return {
    embeds: [
      {
        title: event.title ?? (id === undefined ? 'Event' : `Event ${id}`),
        ...(event.description ? { description: event.description } : {}),
        ...(event.url ? { url: event.url } : {}),
        ...(event.fields?.length ? { fields: event.fields } : {}),
        timestamp: receivedAt.toISOString(),
        ...(id === undefined ? {} : { footer: { text: `event ${id}` } }),
      },
    ],
    allowed_mentions: NO_MENTIONS,
  }
}

// ---- Any other JSON object ----------------------------------------------------------

/** Where a readable event takes its title from, in this order. */
const TITLE_KEYS = ['title', 'type', 'event'] as const

/** Values up to this long, on one line, sit side by side in the embed. */
const INLINE_VALUE = 40

function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

/** A value as a field shows it: a string as it is, anything else as compact JSON. */
function fieldText(value: unknown): string {
  return typeof value === 'string' && value.trim() !== '' ? value : JSON.stringify(value)
}

/**
 * Any other JSON object as one embed: the title from `title`, `type` or `event` (the first
 * that is text), `description` and an http(s) `url` where Discord shows them, `id` in the
 * footer, every other property a field (name: the property; value: its text or compact
 * JSON), each cut to Discord's limits. Beyond 25 fields, or 6000 characters in all, the last
 * field says how many more there were and names them.
 */
export function objectMessage(
  body: Record<string, unknown>,
  receivedAt: Date,
): DiscordWebhookMessage {
  const titleKey = TITLE_KEYS.find((key) => scalarText(body[key]) !== undefined)
  const title = clip(titleKey ? (scalarText(body[titleKey]) as string) : 'Event', 256)
  const description =
    typeof body.description === 'string' && body.description.trim() !== ''
      ? clip(body.description, DISCORD_LIMITS.embedDescription)
      : undefined
  const url =
    typeof body.url === 'string' &&
    new RegExp(HTTP_URL_PATTERN).test(body.url) &&
    body.url.length <= 2048
      ? body.url
      : undefined
  const id = bodyId(body)
  const footer = id === undefined ? undefined : clip(`event ${id}`, DISCORD_LIMITS.footerText)
  const shown = new Set<string>(['id'])
  if (titleKey) shown.add(titleKey)
  if (description !== undefined) shown.add('description')
  if (url !== undefined) shown.add('url')

  const rest = Object.keys(body).filter((key) => !shown.has(key))
  // Only the first 25 can be shown: the others are counted and named, never turned to text.
  const candidates = rest.slice(0, DISCORD_LIMITS.embedFields).map((key) => {
    const value = clip(fieldText(body[key]), DISCORD_LIMITS.fieldValue)
    return {
      name: key.trim() === '' ? JSON.stringify(key) : key,
      value,
      inline: characters(value) <= INLINE_VALUE && !value.includes('\n'),
    }
  })
  const fixed =
    characters(title) +
    (description ? characters(description) : 0) +
    (footer ? characters(footer) : 0)
  const fields = fitFields(candidates, rest, fixed)
  return {
    embeds: [
      {
        title,
        ...(description !== undefined ? { description } : {}),
        ...(url !== undefined ? { url } : {}),
        ...(fields.length ? { fields } : {}),
        timestamp: receivedAt.toISOString(),
        ...(footer !== undefined ? { footer: { text: footer } } : {}),
      },
    ],
    allowed_mentions: NO_MENTIONS,
  }
}

type Field = { name: string; value: string; inline: boolean }

/** The note that stands for the fields left out: how many, and their names. */
function omittedNote(omitted: string[]): Field {
  const count = omitted.length
  return {
    name: `…and ${count} more field${count === 1 ? '' : 's'}`,
    value: clip(omitted.map((key) => JSON.stringify(key)).join(', '), 200),
    inline: false,
  }
}

/**
 * As many fields, in order, as fit in 25 and in what the embed's 6000 characters leave; when
 * some are left out, the last of the 25 is a note that names them.
 */
function fitFields(candidates: Field[], keys: string[], fixed: number): Field[] {
  for (let count = candidates.length; count >= 0; count--) {
    const shown = candidates.slice(0, count)
    const omitted = keys.slice(count)
    if (omitted.length > 0 && count === DISCORD_LIMITS.embedFields) continue
    const fields = omitted.length > 0 ? [...shown, omittedNote(omitted)] : shown
    const used = fields.reduce(
      (sum, field) => sum + characters(field.name) + characters(field.value),
      fixed,
    )
    if (used <= DISCORD_LIMITS.embedsTotal) return fields
  }
  return [omittedNote(keys)]
}

// ---- All together -------------------------------------------------------------------

/** Whether the body is the app's own event shape: nothing but its fields, and something. */
function isEventShape(body: Record<string, unknown>): boolean {
  const keys = Object.keys(body)
  return keys.length > 0 && keys.every((key) => EVENT_SHAPE_KEYS.has(key))
}

/**
 * The body (parsed by `parseEventBody`) as the message to post, and its idempotency key.
 * A body that is a Discord message but breaks its limits, or the app's event shape with a
 * bad field, is refused: 400 naming the path and the limit.
 */
export function eventSubmission(
  body: Record<string, unknown>,
  request: EventRequestKeys,
  receivedAt: Date,
): EventSubmission {
  if (DISCORD_MESSAGE_MARKERS.some((key) => Object.hasOwn(body, key))) {
    const message = discordMessage(body)
    return { kind: 'discord', key: idempotencyKey(body, request), message }
  }
  if (Object.keys(body).length === 0) throw invalid('', 'is an empty object: nothing to post')
  const key = idempotencyKey(body, request)
  if (isEventShape(body)) {
    if (!Value.Check(EventSchema, body)) throw schemaRefusal(EventSchema, body)
    return { kind: 'event', key, message: eventShapeMessage(body, receivedAt) }
  }
  return { kind: 'object', key, message: objectMessage(body, receivedAt) }
}

/**
 * The message as it may go to Discord: with mentions off (the default) nobody is pinged,
 * whatever the message asks; with them on, the message's own `allowed_mentions` applies, or,
 * without one, Discord's default (every mention in the content pings).
 * @see https://discord.com/developers/docs/resources/message#allowed-mentions-object
 */
export function withMentionPolicy(
  message: DiscordWebhookMessage,
  allowMentions: boolean,
): DiscordWebhookMessage {
  return allowMentions ? message : { ...message, allowed_mentions: NO_MENTIONS }
}
