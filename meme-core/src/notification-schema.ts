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
  },
  { additionalProperties: false },
)
export type Notifications = Static<typeof NotificationsSchema>

/** `PUT /api/admin/notifications`. */
export const NotificationsChangeSchema = Type.Object(
  {
    notifyOnArchive: Type.Optional(Type.Boolean()),
    notifyOnShare: Type.Optional(Type.Boolean()),
    resetDiscord: Type.Optional(
      Type.Boolean({ description: 'Use the Discord URL again after a 404 disabled it' }),
    ),
  },
  { additionalProperties: false },
)
export type NotificationsChange = Static<typeof NotificationsChangeSchema>

/** What `POST /api/events` takes (after its signature is checked). */
export const EventSchema = Type.Object(
  {
    id: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'The event id: the same id twice is one message',
    }),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    url: Type.Optional(
      Type.String({
        maxLength: 2048,
        pattern: '^https?://[^\\s]+$',
        description: 'an http(s) URL',
      }),
    ),
    fields: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 256 }),
            value: Type.String({ minLength: 1, maxLength: 1024 }),
            inline: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        { maxItems: 25 },
      ),
    ),
  },
  { additionalProperties: false },
)
export type ForwardedEvent = Static<typeof EventSchema>

/**
 * How `POST /api/events` went: a duplicate (the id was taken before); or accepted (its
 * delivery to Discord has started and goes on after this answer, with Discord's waits and
 * retries); or not forwarded (Discord is not set up or was turned off), with why.
 */
export const ForwardResultSchema = Type.Union([
  Type.Object({ duplicate: Type.Literal(true) }, { additionalProperties: false }),
  Type.Object(
    {
      id: Type.String(),
      delivery: Type.Union([Type.Literal('accepted'), Type.Literal('not-forwarded')], {
        description:
          'accepted: the delivery has started; the admin notifications page shows how the ' +
          'last one ended; not-forwarded: Discord is not set up or was disabled (reason)',
      }),
      reason: Type.Optional(Type.String()),
    },
    { additionalProperties: false },
  ),
])
export type ForwardResult = Static<typeof ForwardResultSchema>
