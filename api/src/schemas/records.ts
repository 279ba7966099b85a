import { HOOK_PROVIDERS, deliveryFields, type MemeRequest } from '@meme-studio/meme-core/schema'
import { Type, type Static } from 'typebox'

/**
 * What the app keeps in its bucket, as it is read back: every record carries a `version`,
 * and one that does not match its schema is treated as damaged, never trusted.
 */

const renderType = Type.Union([
  Type.Literal('image/jpeg'),
  Type.Literal('image/png'),
  Type.Literal('image/webp'),
  // An animated GIF's render stays a GIF.
  Type.Literal('image/gif'),
])

// ---- Shares --------------------------------------------------------------------------

/** The sidecar `renders/<id>.json`: what the share page needs without reading the image. */
export const ShareRecordSchema = Type.Object({
  version: Type.Literal(1),
  key: Type.String(),
  contentType: renderType,
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  title: Type.String(),
  createdAt: Type.String(),
  /**
   * Memes by URL: the path (`/api/images/…?v=<n>`) that draws the same meme, kept when the
   * share was made from a template with only its text typed. Printable ASCII only: it is
   * written into the share page.
   */
  imagePath: Type.Optional(Type.String({ pattern: '^/api/images/[!-~]+$' })),
})
export type ShareRecord = Static<typeof ShareRecordSchema>

// ---- Jobs ----------------------------------------------------------------------------

const JobResultSchema = Type.Object({
  key: Type.String(),
  meme_type: renderType,
  bytes: Type.Integer({ minimum: 1 }),
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
})

const JobErrorSchema = Type.Object({ code: Type.String(), message: Type.String() })
/** Why a job failed, as a client may see it: an AppError's code and message. */
export type JobError = Static<typeof JobErrorSchema>

const jobFields = {
  version: Type.Literal(1),
  jobId: Type.String(),
  // The body as POST /api/jobs accepted it, defaults filled in. Not checked again on read:
  // the caption schema may have grown since, and a record is never rendered twice.
  request: Type.Unsafe<MemeRequest>(Type.Object({})),
  createdAt: Type.String(),
  updatedAt: Type.String(),
}

/**
 * A job: the item `job#<jobId>` / `job` in the records table, kept 30 days (`jobs/<jobId>.json`
 * in the upload bucket before, which `migrateJobsFromS3` copies).
 */
export const JobRecordSchema = Type.Union([
  Type.Object({
    ...jobFields,
    status: Type.Union([Type.Literal('queued'), Type.Literal('running')]),
    /**
     * A running job's worker: another that receives the job's message again (SQS may deliver
     * twice) leaves it until `leaseUntil` (ISO time) has passed, then may take it over.
     */
    leaseOwner: Type.Optional(Type.String()),
    leaseUntil: Type.Optional(Type.String()),
  }),
  Type.Object({ ...jobFields, status: Type.Literal('done'), result: JobResultSchema }),
  Type.Object({ ...jobFields, status: Type.Literal('failed'), error: JobErrorSchema }),
])
export type JobRecord = Static<typeof JobRecordSchema>

// ---- Webhooks ------------------------------------------------------------------------

/**
 * A hook's settings and its secrets: the item `hook` / `{hookId}` in the records table (kept
 * as `hooks/{hookId}.json` in the upload bucket before, which `migrateWebhooksFromS3` copies).
 */
export const StoredHookSchema = Type.Object({
  version: Type.Literal(1),
  hookId: Type.String(),
  name: Type.String(),
  branches: Type.Array(Type.String()),
  prefix: Type.String(),
  stripRoot: Type.Boolean(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  secret: Type.String(),
  previousSecret: Type.Optional(Type.String()),
  previousSecretExpiresAt: Type.Optional(Type.String()),
  /** The Git host; hooks stored before there was a choice have none: GitHub. */
  provider: Type.Optional(Type.Enum([...HOOK_PROVIDERS])),
  /** Where archives are downloaded from; none: the provider's public host. */
  baseUrl: Type.Optional(Type.String()),
  /** Sent with archive downloads (GitLab PRIVATE-TOKEN, Bitbucket, Gitee); never shown. */
  accessToken: Type.Optional(Type.String()),
})
export type StoredHook = Static<typeof StoredHookSchema>

/**
 * A delivery as the admin API shows it, and its hook: the item `delivery#{hookId}` /
 * `at#{receivedAt}#{deliveryId}`, kept 30 days (`webhooks/{hookId}/deliveries/….json` before).
 */
export const DeliveryRecordSchema = Type.Object({
  version: Type.Literal(1),
  hookId: Type.String(),
  ...deliveryFields,
  /**
   * An `archiving` delivery's worker: another that receives its message again (SQS may
   * deliver twice) leaves it until `leaseUntil` (ISO time) has passed, then may take it over.
   * Never shown by the admin API.
   */
  leaseOwner: Type.Optional(Type.String()),
  leaseUntil: Type.Optional(Type.String()),
})
export type DeliveryRecord = Static<typeof DeliveryRecordSchema>

// ---- Notifications -------------------------------------------------------------------

/**
 * The settings record (`settings` / `notifications` in the records table; before, S3's
 * `app/notifications.json`): the toggles, and what the last Discord delivery found.
 */
export const NotificationsRecordSchema = Type.Object({
  version: Type.Literal(1),
  notifyOnArchive: Type.Boolean(),
  notifyOnShare: Type.Boolean(),
  /** Let Discord messages sent to /api/events mention people and roles; none: off. */
  allowMentions: Type.Optional(Type.Boolean()),
  /** Set when Discord answered 404 for the URL whose hash it names. */
  discordDisabled: Type.Optional(
    Type.Object({ urlHash: Type.String(), reason: Type.String(), at: Type.String() }),
  ),
  lastDeliveredAt: Type.Optional(Type.String()),
  lastError: Type.Optional(Type.String()),
})
export type NotificationsRecord = Static<typeof NotificationsRecordSchema>

/**
 * An event's idempotency key (`event#<key>` / `event` for a body's id, `idempotency-key` for
 * the header's, `signature` for a signed request's hash; kept 7 days): created once when its
 * delivery starts, so the same key again is a duplicate. `attempt` names the execution; a
 * delivery that failed may be claimed again, as the next attempt.
 */
export const EventRecordSchema = Type.Object({
  version: Type.Literal(1),
  eventId: Type.String(),
  /** Where the key came from; none (records before there was a choice): the body's id. */
  keyFrom: Type.Optional(
    Type.Union([Type.Literal('id'), Type.Literal('header'), Type.Literal('signature')]),
  ),
  status: Type.Union([Type.Literal('started'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempt: Type.Integer({ minimum: 1 }),
  receivedAt: Type.String(),
  deliveredAt: Type.Optional(Type.String()),
  discordMessageId: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
})
export type EventRecord = Static<typeof EventRecordSchema>
