import { randomUUID } from 'node:crypto'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { AppConfig } from '../../config.ts'
import { errorResponses } from '../../schemas/errors.ts'
import { AppError } from '../../services/app-error.ts'
import { signGithubPayload } from '../../services/github-signature.ts'
import { storageUnavailable } from '../../services/s3-errors.ts'
import {
  DEFAULT_GRACE_SECONDS,
  DEFAULT_HOOK_ID,
  DeliverySchema,
  DeliverySummarySchema,
  HookSchema,
  MAX_GRACE_SECONDS,
  REDELIVERY_HEADER,
  changedHook,
  defaultHook,
  deleteHook,
  deliveryDetail,
  deliverySummary,
  findDelivery,
  hookNotFound,
  listDeliveries,
  listHooks,
  newHook,
  payloadPath,
  publicHook,
  putHook,
  readHook,
  rotatedHook,
  type DeliverySummary,
  type StoredHook,
} from '../../services/webhook-store.ts'

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
  stripRoot: Type.Boolean({ description: "Remove GitHub's <repo>-<sha>/ top folder (default)" }),
}

const HookCreateSchema = Type.Object(
  {
    name: settingFields.name,
    branches: Type.Optional(settingFields.branches),
    prefix: Type.Optional(settingFields.prefix),
    stripRoot: Type.Optional(settingFields.stripRoot),
  },
  { additionalProperties: false },
)

const HookChangeSchema = Type.Partial(Type.Object(settingFields), {
  additionalProperties: false,
})

const RotateSchema = Type.Object(
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

const NoOptionsSchema = Type.Object({}, { additionalProperties: false })

const HookParamsSchema = Type.Object({ hookId: Type.String() }, { additionalProperties: false })
const DeliveryParamsSchema = Type.Object(
  { hookId: Type.String(), deliveryId: Type.String({ description: 'X-GitHub-Delivery' }) },
  { additionalProperties: false },
)

const HookAnswerSchema = Type.Object({ hook: HookSchema })
const HookWithSecretSchema = Type.Object({
  hook: HookSchema,
  secret: Type.String({ description: "Paste it into GitHub's form now: it is not shown again" }),
})
const DeliveryAnswerSchema = Type.Object({ delivery: DeliverySummarySchema })

function readOnly(): AppError {
  return new AppError(
    409,
    'HOOK_READ_ONLY',
    'The default webhook is set by GITHUB_WEBHOOK_SECRET and cannot be changed here',
  )
}

function notReplayable(message: string): AppError {
  return new AppError(409, 'DELIVERY_NOT_REPLAYABLE', message)
}

/** The origin GitHub reaches this server at, as the request that asks for it came. */
function origin(request: FastifyRequest): string {
  const forwarded = request.headers['x-forwarded-proto']
  const proto = typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined
  const protocol = proto === 'https' || proto === 'http' ? proto : request.protocol
  return `${protocol}://${request.host}`
}

/** GitHub numbers its hooks; ours get a number from their id for payloads that want one. */
function hookNumber(hook: StoredHook): number {
  return hook.hookId === DEFAULT_HOOK_ID ? 0 : Number.parseInt(hook.hookId.slice(0, 8), 16)
}

/**
 * A `ping` as GitHub sends it when a hook is created.
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads#ping
 */
function pingPayload(hook: StoredHook, payloadUrl: string, at: Date): string {
  return JSON.stringify({
    zen: 'Design for failure.',
    hook_id: hookNumber(hook),
    hook: {
      type: 'Repository',
      id: hookNumber(hook),
      name: 'web',
      active: true,
      events: ['push'],
      config: { content_type: 'json', insecure_ssl: '0', url: payloadUrl },
      updated_at: hook.updatedAt,
      created_at: hook.createdAt,
    },
    sender: { login: 'meme-studio', type: 'Bot' },
    sent_at: at.toISOString(),
  })
}

/**
 * `/api/admin/webhooks*`: the GitHub webhooks deliveries are archived for, their secrets and
 * their deliveries. Ping and Redeliver send a signed request through the public route itself
 * (`app.inject`), so what they show is what GitHub would get.
 */
const webhookAdminRoutes: FastifyPluginAsyncTypebox<{
  config: AppConfig
  now?: () => number
}> = async (app, { config, now = () => Date.now() }) => {
  const bucket = config.uploadBucket
  const secret = config.github.webhookSecret
  const defaultSince = new Date(now())

  // Answers carry secrets, and deliveries change: no cache keeps them.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })

  async function findHook(hookId: string): Promise<StoredHook> {
    if (hookId === DEFAULT_HOOK_ID) {
      if (!secret) throw hookNotFound()
      return defaultHook(secret, defaultSince)
    }
    return readHook(app.s3, bucket, hookId)
  }

  async function changeableHook(hookId: string): Promise<StoredHook> {
    const hook = await findHook(hookId)
    if (hook.hookId === DEFAULT_HOOK_ID) throw readOnly()
    return hook
  }

  const show = (request: FastifyRequest, hook: StoredHook) =>
    publicHook(hook, origin(request), new Date(now()))

  /** Sends a signed delivery through the public route and reads back its record. */
  async function send(
    hook: StoredHook,
    event: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<DeliverySummary> {
    const deliveryId = randomUUID()
    await app.inject({
      method: 'POST',
      url: payloadPath(hook.hookId),
      headers: {
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/meme-studio',
        ...headers,
        'x-github-event': event,
        'x-github-delivery': deliveryId,
        'x-hub-signature-256': signGithubPayload(hook.secret, body),
      },
      payload: body,
    })
    try {
      return deliverySummary(await findDelivery(app.s3, bucket, hook.hookId, deliveryId))
    } catch (error) {
      // The route answered, but its record could not be written: storage is failing.
      if (error instanceof AppError && error.code === 'DELIVERY_NOT_FOUND') {
        throw storageUnavailable(error)
      }
      throw error
    }
  }

  app.get(
    '/webhooks',
    {
      schema: {
        summary: 'The GitHub webhooks: the default one (GITHUB_WEBHOOK_SECRET) first',
        response: { 200: Type.Object({ hooks: Type.Array(HookSchema) }), ...errorResponses(503) },
      },
    },
    async (request) => {
      const hooks = await listHooks(app.s3, bucket)
      const all = secret ? [defaultHook(secret, defaultSince), ...hooks] : hooks
      return { hooks: all.map((hook) => show(request, hook)) }
    },
  )

  app.post(
    '/webhooks',
    {
      schema: {
        summary: 'Create a webhook; the answer carries its secret, shown only this once',
        body: HookCreateSchema,
        response: { 201: HookWithSecretSchema, ...errorResponses(400, 415, 503) },
      },
    },
    async (request, reply) => {
      const hook = newHook(request.body, new Date(now()))
      await putHook(app.s3, bucket, hook)
      return reply.status(201).send({ hook: show(request, hook), secret: hook.secret })
    },
  )

  app.get(
    '/webhooks/:hookId',
    {
      schema: {
        summary: 'A webhook',
        params: HookParamsSchema,
        response: { 200: HookAnswerSchema, ...errorResponses(404, 503) },
      },
    },
    async (request) => ({ hook: show(request, await findHook(request.params.hookId)) }),
  )

  app.patch(
    '/webhooks/:hookId',
    {
      schema: {
        summary: "Change a webhook's name, branches, prefix or root-folder stripping",
        params: HookParamsSchema,
        body: HookChangeSchema,
        response: { 200: HookAnswerSchema, ...errorResponses(400, 404, 409, 415, 503) },
      },
    },
    async (request) => {
      const hook = changedHook(
        await changeableHook(request.params.hookId),
        request.body,
        new Date(now()),
      )
      await putHook(app.s3, bucket, hook)
      return { hook: show(request, hook) }
    },
  )

  app.delete(
    '/webhooks/:hookId',
    {
      schema: {
        summary: 'Delete a webhook; its deliveries are kept until they expire',
        params: HookParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(404, 409, 503) },
      },
    },
    async (request, reply) => {
      const hook = await changeableHook(request.params.hookId)
      await deleteHook(app.s3, bucket, hook.hookId)
      return reply.status(204).send(null)
    },
  )

  app.post(
    '/webhooks/:hookId/rotate-secret',
    {
      schema: {
        summary: 'A new secret; the previous one keeps working for graceSeconds',
        params: HookParamsSchema,
        body: RotateSchema,
        response: { 200: HookWithSecretSchema, ...errorResponses(400, 404, 409, 415, 503) },
      },
    },
    async (request) => {
      const hook = rotatedHook(
        await changeableHook(request.params.hookId),
        request.body.graceSeconds ?? DEFAULT_GRACE_SECONDS,
        new Date(now()),
      )
      await putHook(app.s3, bucket, hook)
      return { hook: show(request, hook), secret: hook.secret }
    },
  )

  app.get(
    '/webhooks/:hookId/deliveries',
    {
      schema: {
        summary: "A webhook's latest deliveries, newest first (at most 50)",
        params: HookParamsSchema,
        response: {
          200: Type.Object({ deliveries: Type.Array(DeliverySummarySchema) }),
          ...errorResponses(404, 503),
        },
      },
    },
    async (request) => {
      const hook = await findHook(request.params.hookId)
      return { deliveries: await listDeliveries(app.s3, bucket, hook.hookId) }
    },
  )

  app.get(
    '/webhooks/:hookId/deliveries/:deliveryId',
    {
      schema: {
        summary: 'A delivery with its headers, payload and our answer',
        params: DeliveryParamsSchema,
        response: {
          200: Type.Object({ delivery: DeliverySchema }),
          ...errorResponses(404, 503),
        },
      },
    },
    async (request) => {
      const hook = await findHook(request.params.hookId)
      const record = await findDelivery(app.s3, bucket, hook.hookId, request.params.deliveryId)
      return { delivery: deliveryDetail(record) }
    },
  )

  app.post(
    '/webhooks/:hookId/deliveries/:deliveryId/redeliver',
    {
      schema: {
        summary: 'Run a delivery again: its payload, signed anew, under a new delivery id',
        description:
          'The replay gets a new X-GitHub-Delivery, so it is not answered as a duplicate, ' +
          "and is signed with the hook's current secret; its record names the original in " +
          'redeliveryOf. Only deliveries whose signature matched and whose payload was kept ' +
          'whole can be run again.',
        params: DeliveryParamsSchema,
        body: Type.Optional(NoOptionsSchema),
        response: { 200: DeliveryAnswerSchema, ...errorResponses(404, 409, 415, 503) },
      },
    },
    async (request) => {
      const hook = await findHook(request.params.hookId)
      const original = await findDelivery(app.s3, bucket, hook.hookId, request.params.deliveryId)
      if (!original.verified) {
        throw notReplayable('Only a delivery whose signature matched can be sent again')
      }
      if (original.truncated) {
        throw notReplayable(
          'The payload was cut at 64 KiB when it was kept: it cannot be sent again',
        )
      }
      const headers = Object.fromEntries(
        Object.entries(original.requestHeaders).filter(
          ([name]) => !name.startsWith('x-hub-signature') && name !== 'x-github-delivery',
        ),
      )
      const delivery = await send(hook, original.event, original.payload, {
        ...headers,
        [REDELIVERY_HEADER]: original.deliveryId,
      })
      return { delivery }
    },
  )

  app.post(
    '/webhooks/:hookId/ping',
    {
      schema: {
        summary: "Sign a GitHub ping with the hook's secret and send it to the hook",
        params: HookParamsSchema,
        body: Type.Optional(NoOptionsSchema),
        response: { 200: DeliveryAnswerSchema, ...errorResponses(404, 415, 503) },
      },
    },
    async (request) => {
      const hook = await findHook(request.params.hookId)
      const payloadUrl = `${origin(request)}${payloadPath(hook.hookId)}`
      const delivery = await send(hook, 'ping', pingPayload(hook, payloadUrl, new Date(now())), {
        'x-github-hook-id': String(hookNumber(hook)),
      })
      return { delivery }
    },
  )
}

export default webhookAdminRoutes
