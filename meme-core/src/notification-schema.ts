import { Type, type Static } from 'typebox'

/** The Discord webhook's state: `disabled` when Discord answered 404 for its URL. */
export const DiscordStatusSchema = Type.Object(
  {
    configured: Type.Boolean({ description: 'DISCORD_WEBHOOK_URL is set' }),
    state: Type.Union([Type.Literal('ok'), Type.Literal('unused'), Type.Literal('disabled')], {
      description:
        'ok: messages go to Discord; unused: no DISCORD_WEBHOOK_URL; disabled: Discord ' +
        'answered 404 for the URL (the webhook was deleted), so it is no longer called ' +
        'until the URL changes or the state is reset',
    }),
    reason: Type.Optional(Type.String({ description: 'Why Discord is disabled' })),
    lastDeliveredAt: Type.Optional(Type.String({ format: 'date-time' })),
    lastError: Type.Optional(Type.String({ description: 'When and why the last try failed' })),
  },
  { additionalProperties: false },
)

/** `GET`/`PUT /api/admin/notifications`. */
export const NotificationsSchema = Type.Object(
  {
    discord: DiscordStatusSchema,
    notifyOnArchive: Type.Boolean({ description: 'Post a message when a push is archived' }),
    notifyOnShare: Type.Boolean({ description: 'Post a message when a meme is shared' }),
    allowMentions: Type.Boolean({
      description:
        'Let a Discord message sent to POST /api/events mention people, roles, @everyone and ' +
        "@here (its own allowed_mentions, or Discord's default). Off: no mention pings anyone",
    }),
  },
  { additionalProperties: false },
)
export type Notifications = Static<typeof NotificationsSchema>

/** `PUT /api/admin/notifications`. */
export const NotificationsChangeSchema = Type.Object(
  {
    notifyOnArchive: Type.Optional(Type.Boolean()),
    notifyOnShare: Type.Optional(Type.Boolean()),
    allowMentions: Type.Optional(Type.Boolean()),
    resetDiscord: Type.Optional(
      Type.Boolean({ description: 'Use the Discord URL again after a 404 disabled it' }),
    ),
  },
  { additionalProperties: false },
)
export type NotificationsChange = Static<typeof NotificationsChangeSchema>

// ---- Discord's execute-webhook body ------------------------------------------------

/**
 * Discord's limits on a message sent through a webhook, in characters (Unicode code points,
 * as JSON Schema's maxLength counts them).
 * @see https://discord.com/developers/docs/resources/webhook#execute-webhook
 * @see https://discord.com/developers/docs/resources/message#embed-object-embed-limits
 * @see https://discord.com/developers/docs/resources/poll#poll-create-request-object
 */
export const DISCORD_LIMITS = {
  content: 2000,
  username: 80,
  embeds: 10,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  /** Titles, descriptions, field names and values, footer texts and author names together. */
  embedsTotal: 6000,
  threadName: 100,
  appliedTags: 5,
  mentionIds: 100,
  pollQuestion: 300,
  pollAnswers: 10,
  pollAnswerText: 55,
  /** 32 days. */
  pollDurationHours: 768,
} as const

/**
 * The flags a webhook message may set: SUPPRESS_EMBEDS (1 << 2) and SUPPRESS_NOTIFICATIONS
 * (1 << 12). IS_COMPONENTS_V2 needs components, which are not taken here.
 * @see https://discord.com/developers/docs/resources/message#message-object-message-flags
 */
export const DISCORD_WEBHOOK_FLAGS = (1 << 2) | (1 << 12)

/** The patterns whose refusals say what they mean (see the events intake). */
export const HTTP_URL_PATTERN = '^https?://[^\\s]+$'
export const SNOWFLAKE_PATTERN = '^[0-9]{1,20}$'
export const ISO_TIMESTAMP_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:\\d{2})$'

const httpUrl = () =>
  Type.String({ maxLength: 2048, pattern: HTTP_URL_PATTERN, description: 'an http(s) URL' })
const snowflake = () => Type.String({ pattern: SNOWFLAKE_PATTERN, description: 'a Discord id' })
const text = (minLength: number, maxLength: number) => Type.String({ minLength, maxLength })
const closed = { additionalProperties: false } as const

export const DiscordEmbedFieldSchema = Type.Object(
  {
    name: text(1, DISCORD_LIMITS.fieldName),
    value: text(1, DISCORD_LIMITS.fieldValue),
    inline: Type.Optional(Type.Boolean()),
  },
  closed,
)

/** An embed as a webhook may send it (`type` is always `rich` there; no video or provider). */
export const DiscordEmbedSchema = Type.Object(
  {
    title: Type.Optional(text(0, DISCORD_LIMITS.embedTitle)),
    type: Type.Optional(Type.Literal('rich')),
    description: Type.Optional(text(0, DISCORD_LIMITS.embedDescription)),
    url: Type.Optional(httpUrl()),
    timestamp: Type.Optional(
      Type.String({ pattern: ISO_TIMESTAMP_PATTERN, description: 'an ISO 8601 timestamp' }),
    ),
    color: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffff })),
    footer: Type.Optional(
      Type.Object(
        { text: text(1, DISCORD_LIMITS.footerText), icon_url: Type.Optional(httpUrl()) },
        closed,
      ),
    ),
    image: Type.Optional(Type.Object({ url: httpUrl() }, closed)),
    thumbnail: Type.Optional(Type.Object({ url: httpUrl() }, closed)),
    author: Type.Optional(
      Type.Object(
        {
          name: text(1, DISCORD_LIMITS.authorName),
          url: Type.Optional(httpUrl()),
          icon_url: Type.Optional(httpUrl()),
        },
        closed,
      ),
    ),
    fields: Type.Optional(
      Type.Array(DiscordEmbedFieldSchema, { maxItems: DISCORD_LIMITS.embedFields }),
    ),
  },
  closed,
)
export type DiscordEmbed = Static<typeof DiscordEmbedSchema>

/** @see https://discord.com/developers/docs/resources/message#allowed-mentions-object */
export const DiscordAllowedMentionsSchema = Type.Object(
  {
    parse: Type.Optional(
      Type.Array(
        Type.Union([Type.Literal('roles'), Type.Literal('users'), Type.Literal('everyone')]),
        { maxItems: 3, uniqueItems: true },
      ),
    ),
    roles: Type.Optional(Type.Array(snowflake(), { maxItems: DISCORD_LIMITS.mentionIds })),
    users: Type.Optional(Type.Array(snowflake(), { maxItems: DISCORD_LIMITS.mentionIds })),
    replied_user: Type.Optional(Type.Boolean()),
  },
  closed,
)

/** @see https://discord.com/developers/docs/resources/poll#poll-create-request-object */
export const DiscordPollSchema = Type.Object(
  {
    question: Type.Object({ text: text(1, DISCORD_LIMITS.pollQuestion) }, closed),
    answers: Type.Array(
      Type.Object(
        {
          poll_media: Type.Object(
            {
              text: text(1, DISCORD_LIMITS.pollAnswerText),
              emoji: Type.Optional(
                Type.Object(
                  { id: Type.Optional(snowflake()), name: Type.Optional(text(1, 64)) },
                  closed,
                ),
              ),
            },
            closed,
          ),
        },
        closed,
      ),
      { minItems: 1, maxItems: DISCORD_LIMITS.pollAnswers },
    ),
    duration: Type.Optional(
      Type.Integer({ minimum: 1, maximum: DISCORD_LIMITS.pollDurationHours }),
    ),
    allow_multiselect: Type.Optional(Type.Boolean()),
    layout_type: Type.Optional(Type.Literal(1)),
  },
  closed,
)

/**
 * A Discord execute-webhook JSON body, its documented fields and limits: what a bot would
 * post to the webhook itself. `POST /api/events` forwards it as it is (but for
 * `allowed_mentions`: see `allowMentions`). Files, attachments and components are not taken:
 * files need a multipart body, and a webhook the app does not own cannot send components.
 * The sum of the embeds' characters (at most 6000) is checked beside this schema.
 * @see https://discord.com/developers/docs/resources/webhook#execute-webhook
 */
export const DiscordWebhookMessageSchema = Type.Object(
  {
    content: Type.Optional(text(0, DISCORD_LIMITS.content)),
    username: Type.Optional(text(1, DISCORD_LIMITS.username)),
    avatar_url: Type.Optional(httpUrl()),
    tts: Type.Optional(Type.Boolean()),
    embeds: Type.Optional(Type.Array(DiscordEmbedSchema, { maxItems: DISCORD_LIMITS.embeds })),
    allowed_mentions: Type.Optional(DiscordAllowedMentionsSchema),
    flags: Type.Optional(Type.Integer({ minimum: 0 })),
    thread_name: Type.Optional(text(1, DISCORD_LIMITS.threadName)),
    applied_tags: Type.Optional(Type.Array(snowflake(), { maxItems: DISCORD_LIMITS.appliedTags })),
    poll: Type.Optional(DiscordPollSchema),
  },
  closed,
)
export type DiscordWebhookMessage = Static<typeof DiscordWebhookMessageSchema>

/** The top-level fields that make a body sent to `POST /api/events` a Discord message. */
export const DISCORD_MESSAGE_MARKERS = ['content', 'embeds', 'poll'] as const

// ---- POST /api/events --------------------------------------------------------------

/** An event's id: a string of 1..128 characters or a number; the same id twice is one message. */
export const EventIdSchema = Type.Union([
  Type.String({ minLength: 1, maxLength: 128 }),
  Type.Number(),
])

/**
 * The app's own event shape (checked strictly when a body has only these fields). Other
 * bodies are taken too: a Discord message (`DiscordWebhookMessageSchema`) or any JSON object.
 */
export const EventSchema = Type.Object(
  {
    id: Type.Optional(EventIdSchema),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    url: Type.Optional(httpUrl()),
    fields: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 256 }),
            value: Type.String({ minLength: 1, maxLength: 1024 }),
            inline: Type.Optional(Type.Boolean()),
          },
          closed,
        ),
        { maxItems: 25 },
      ),
    ),
  },
  closed,
)
export type ForwardedEvent = Static<typeof EventSchema>

/** Where an event's idempotency key came from: its `id`, `Idempotency-Key`, or its signature. */
export const IdempotencyKeyFromSchema = Type.Union(
  [Type.Literal('id'), Type.Literal('header'), Type.Literal('signature')],
  {
    description:
      "id: the body's id; header: the Idempotency-Key header; signature: neither was sent, " +
      'so the SigV4 signature is the key (a retry of the same signed request is the same event)',
  },
)
export type IdempotencyKeyFrom = Static<typeof IdempotencyKeyFromSchema>

const forwardedKey = {
  id: Type.String({
    description:
      'The idempotency key: the id (as text), the Idempotency-Key, or the SHA-256 (hex) of ' +
      'the signature and its X-Amz-Date',
  }),
  idempotencyKeyFrom: IdempotencyKeyFromSchema,
}

/**
 * How `POST /api/events` went: a duplicate (the key was taken before); or accepted (its
 * delivery to Discord has started and goes on after this answer, with Discord's waits and
 * retries); or not forwarded (Discord is not set up or was turned off), with why.
 */
export const ForwardResultSchema = Type.Union([
  Type.Object({ duplicate: Type.Literal(true), ...forwardedKey }, closed),
  Type.Object(
    {
      ...forwardedKey,
      delivery: Type.Union([Type.Literal('accepted'), Type.Literal('not-forwarded')], {
        description:
          'accepted: the delivery has started; the admin notifications page shows how the ' +
          'last one ended; not-forwarded: Discord is not set up or was disabled (reason)',
      }),
      reason: Type.Optional(Type.String()),
    },
    closed,
  ),
])
export type ForwardResult = Static<typeof ForwardResultSchema>
