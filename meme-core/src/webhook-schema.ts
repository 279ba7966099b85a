import { Type, type Static } from 'typebox'

/**
 * The webhooks pushes are archived for (`/api/admin/webhooks*`), from GitHub, GitLab,
 * Bitbucket Cloud or Gitee, and what the receiver (`/api/webhooks/{provider}/{hookId}`, and
 * `/api/webhooks/github` for the default hook) answers them.
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads
 * @see https://docs.gitlab.com/user/project/integrations/webhook_events/
 * @see https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/
 * @see https://help.gitee.com/webhook/gitee-webhook-push-data-format
 */

/** The Git hosts a hook can take pushes from. Hooks stored before there was a choice: GitHub. */
export const HOOK_PROVIDERS = ['github', 'gitlab', 'bitbucket', 'gitee'] as const
export type HookProvider = (typeof HOOK_PROVIDERS)[number]

/**
 * Where archives come from when a hook names no base URL. GitHub's is the server's
 * GITHUB_BASE_URL instead (GitHub Enterprise Server), shown in the hook.
 */
export const DEFAULT_BASE_URLS: Record<Exclude<HookProvider, 'github'>, string> = {
  gitlab: 'https://gitlab.com',
  bitbucket: 'https://bitbucket.org',
  gitee: 'https://gitee.com',
}

/** The hook GitHub's `GITHUB_WEBHOOK_SECRET` deliveries go to; it can't be changed here. */
export const DEFAULT_HOOK_ID = 'default'
/** How long a rotated-out secret keeps working unless the rotation says otherwise. */
export const DEFAULT_GRACE_SECONDS = 24 * 60 * 60
export const MAX_GRACE_SECONDS = 7 * 24 * 60 * 60

// ---- Hooks ---------------------------------------------------------------------------

/** A hook as the admin API shows it: never its secrets. */
export const HookSchema = Type.Object({
  hookId: Type.String(),
  name: Type.String(),
  provider: Type.Enum([...HOOK_PROVIDERS], { description: 'The Git host the pushes come from' }),
  baseUrl: Type.String({ description: 'Where archives are downloaded from: the host, or yours' }),
  hasAccessToken: Type.Boolean({
    description: 'Whether archives are downloaded with an access token (never shown)',
  }),
  branches: Type.Array(Type.String(), { description: 'Branches archived; empty: every branch' }),
  prefix: Type.String({ description: "Put before `{owner}/{repo}/{branch}.zip`: '' or 'path/'" }),
  stripRoot: Type.Boolean({ description: "Remove the archive's one top folder (`<repo>-<sha>/`)" }),
  payloadUrl: Type.String({ description: "What to paste into the host's webhook URL field" }),
  contentType: Type.Literal('application/json'),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  previousSecretExpiresAt: Type.Optional(
    Type.String({ description: 'Until then the secret before the last rotation still works' }),
  ),
})
export type Hook = Static<typeof HookSchema>

const settingFields = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  branches: Type.Array(
    Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: '^[^\\x00-\\x20\\x7f~^:?\\[\\\\]+$',
      description: 'a branch name (no spaces or ~ ^ : ? [ \\), where * stands for any text but /',
    }),
    { maxItems: 100, description: 'Branches to archive; empty or left out: every branch' },
  ),
  prefix: Type.String({
    maxLength: 200,
    pattern: '^((?!\\.\\.?/)[A-Za-z0-9_.-]+/)*$',
    description: "'' or path segments of A-Z a-z 0-9 _ . - each ending in /, such as builds/",
  }),
  stripRoot: Type.Boolean({ description: "Remove the archive's one top folder (default)" }),
}

const hostFields = {
  baseUrl: Type.String({
    maxLength: 200,
    pattern: '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$',
    description:
      'http(s) origin of a self-managed GitLab, or another host; default the public one. ' +
      'Not for GitHub (GITHUB_BASE_URL)',
  }),
  accessToken: Type.String({
    minLength: 1,
    maxLength: 1000,
    pattern: '^[\\x21-\\x7e]+$',
    description:
      'For private repositories: a GitLab PRIVATE-TOKEN, a Bitbucket access token (or ' +
      'user:app-password), a Gitee access_token. Stored, never shown. Not for GitHub (GITHUB_TOKEN)',
  }),
}

/** `POST /api/admin/webhooks`: `name` alone is required. */
export const HookCreateSchema = Type.Object(
  {
    name: settingFields.name,
    provider: Type.Optional(
      Type.Enum([...HOOK_PROVIDERS], { description: 'The Git host; default github' }),
    ),
    branches: Type.Optional(settingFields.branches),
    prefix: Type.Optional(settingFields.prefix),
    stripRoot: Type.Optional(settingFields.stripRoot),
    baseUrl: Type.Optional(hostFields.baseUrl),
    accessToken: Type.Optional(hostFields.accessToken),
  },
  { additionalProperties: false },
)
export type HookCreate = Static<typeof HookCreateSchema>

/**
 * `PATCH /api/admin/webhooks/{hookId}`: any of the settings; `accessToken: null` removes the
 * token. The provider is fixed: its payload URL is where the host sends.
 */
export const HookChangeSchema = Type.Partial(
  Type.Object({
    ...settingFields,
    baseUrl: hostFields.baseUrl,
    accessToken: Type.Union([hostFields.accessToken, Type.Null()]),
  }),
  { additionalProperties: false },
)
export type HookChange = Static<typeof HookChangeSchema>

/** `POST /api/admin/webhooks/{hookId}/rotate-secret`. */
export const RotateSecretSchema = Type.Object(
  {
    graceSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_GRACE_SECONDS,
        description: 'How long the previous secret keeps working; default a day',
      }),
    ),
  },
  { additionalProperties: false },
)
export type RotateSecret = Static<typeof RotateSecretSchema>

/** The body of Ping and Redeliver: nothing, or an empty object. */
export const NoOptionsSchema = Type.Object({}, { additionalProperties: false })

export const HookParamsSchema = Type.Object(
  { hookId: Type.String() },
  { additionalProperties: false },
)
export const DeliveryParamsSchema = Type.Object(
  {
    hookId: Type.String(),
    deliveryId: Type.String({ description: "The host's delivery id (X-GitHub-Delivery, …)" }),
  },
  { additionalProperties: false },
)

export const HookListSchema = Type.Object({ hooks: Type.Array(HookSchema) })
export const HookAnswerSchema = Type.Object({ hook: HookSchema })
/** A hook and its secret: answered once, on creation or rotation. */
export const HookWithSecretSchema = Type.Object({
  hook: HookSchema,
  secret: Type.String({
    minLength: 1,
    description: "Paste it into the host's webhook form now: it is not shown again",
  }),
})
export type HookWithSecret = Static<typeof HookWithSecretSchema>

// ---- Deliveries ----------------------------------------------------------------------

/**
 * Where a delivery is, or how it ended. A push to archive is answered at once as `queued`; the
 * archive worker then moves it to `archiving` and on to `archived` or `failed`. The others are
 * final when GitHub is answered.
 */
export const DELIVERY_OUTCOMES = [
  'pong',
  'queued',
  'archiving',
  'archived',
  'ignored',
  'duplicate',
  'rejected',
  'failed',
] as const
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number]

const summaryFields = {
  deliveryId: Type.String({
    description:
      'X-GitHub-Delivery, Idempotency-Key or X-Gitlab-Event-UUID, X-Request-UUID; the ' +
      "SHA-256 of the body when the host sent none (Gitee's)",
  }),
  receivedAt: Type.String(),
  event: Type.String({
    description: "X-GitHub-Event, X-Gitlab-Event, X-Event-Key or X-Gitee-Event ('' when missing)",
  }),
  repo: Type.Optional(Type.String({ description: 'owner/repo' })),
  branch: Type.Optional(Type.String()),
  commit: Type.Optional(Type.String()),
  verified: Type.Boolean({ description: "Whether the signature matched the hook's secret" }),
  status: Type.Integer({ description: 'The HTTP status we answered with' }),
  outcome: Type.Enum([...DELIVERY_OUTCOMES], {
    description: 'queued and archiving change, to archived or failed, after the answer',
  }),
  reason: Type.Optional(Type.String({ description: 'Why it was ignored or refused' })),
  archiveKey: Type.Optional(Type.String()),
  versionId: Type.Optional(Type.String()),
  durationMs: Type.Integer({ minimum: 0, description: 'How long the answer took' }),
  updatedAt: Type.Optional(
    Type.String({ description: "When a queued push's archive last changed state" }),
  ),
  error: Type.Optional(Type.String({ description: 'Why it failed' })),
  redeliveryOf: Type.Optional(
    Type.String({ description: 'The deliveryId this one ran again (admin Redeliver)' }),
  ),
}

/** One request GitHub (or Ping, or Redeliver) sent to a hook, and what we answered. */
export const DeliverySummarySchema = Type.Object(summaryFields)
export type DeliverySummary = Static<typeof DeliverySummarySchema>

/** The fields of a delivery that a summary shows, in order. */
export const DELIVERY_SUMMARY_FIELDS = Object.keys(summaryFields) as (keyof DeliverySummary)[]

export const deliveryFields = {
  ...summaryFields,
  requestHeaders: Type.Record(Type.String(), Type.String(), {
    description: "The host's own headers (never a token), Content-Type and User-Agent as received",
  }),
  payload: Type.String({ description: 'The body as received, cut at 64 KiB' }),
  truncated: Type.Boolean({ description: 'Whether `payload` was cut' }),
  payloadBytes: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'The size of the body as received (records kept before it have none)',
    }),
  ),
  response: Type.Unknown({ description: 'The body we answered with' }),
}

/** A delivery with what it carried: the headers (never the secret) and the payload. */
export const DeliverySchema = Type.Object(deliveryFields)
export type Delivery = Static<typeof DeliverySchema>

export const DeliveryListSchema = Type.Object({ deliveries: Type.Array(DeliverySummarySchema) })
/** Ping and Redeliver: the delivery they made. */
export const DeliverySummaryAnswerSchema = Type.Object({ delivery: DeliverySummarySchema })
export const DeliveryAnswerSchema = Type.Object({ delivery: DeliverySchema })

// ---- The receiver --------------------------------------------------------------------

/** `POST /api/webhooks/github[/{hookId}]`, 200: a pong, or a duplicate. */
export const DeliveryReceivedSchema = Type.Object({
  ok: Type.Optional(Type.Literal(true)),
  duplicate: Type.Optional(
    Type.Literal(true, { description: 'This X-GitHub-Delivery was handled before' }),
  ),
})
export type DeliveryReceived = Static<typeof DeliveryReceivedSchema>

/** 202: nothing to archive (another event, a tag, a deleted or unlisted branch). */
export const DeliveryIgnoredSchema = Type.Object({
  ok: Type.Literal(true),
  ignored: Type.String({ description: 'Why nothing was archived' }),
})

/**
 * 202: a push to archive, recorded and queued. The archive is made after the answer (GitHub
 * waits 10 s at most); the admin API's delivery `deliveryId` says where it is.
 */
export const DeliveryQueuedSchema = Type.Object({
  ok: Type.Literal(true),
  queued: Type.Literal(true),
  deliveryId: Type.String({ description: 'X-GitHub-Delivery, to follow in the admin API' }),
})

/** 202: ignored or queued. */
export const DeliveryAcceptedSchema = Type.Union([DeliveryQueuedSchema, DeliveryIgnoredSchema])
export type DeliveryAccepted = Static<typeof DeliveryAcceptedSchema>
