import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  DEFAULT_HOOK_ID,
  DeliveryAcceptedSchema,
  DeliveryReceivedSchema,
  HookParamsSchema,
} from '@meme-studio/meme-core/schema'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AppConfig } from '../config.ts'
import type { StoredHook } from '../schemas/records.ts'
import { errorResponses } from '../schemas/errors.ts'
import { defaultHook, readHook } from '../services/webhooks/hooks.ts'
import { DeliveryReceiver } from '../services/webhooks/receive.ts'

/**
 * GitHub pushes are large when they carry many commits; API Gateway and Lambda take at most
 * 6 MB (less once base64-encoded), so 4 MiB is as much as every path can bring.
 */
const BODY_LIMIT = 4 * 1024 * 1024

const responses = {
  200: DeliveryReceivedSchema,
  202: DeliveryAcceptedSchema,
  ...errorResponses(400, 401, 404, 413, 415, 503),
}

/**
 * `/api/webhooks/github*`: GitHub's deliveries. Public, but every request must carry
 * `X-Hub-Signature-256` made with the hook's secret, checked over the raw body before
 * anything in it is read (see `DeliveryReceiver`). A push to archive is answered 202 once it
 * is queued; the archive worker (registered by the control function) makes it.
 */
const webhookRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig; now?: () => number }> = async (
  app,
  { config, now = () => Date.now() },
) => {
  const receiver = new DeliveryReceiver({ records: app.records, queues: app.queues, now })

  // The signature covers the bytes as sent: bodies stay Buffers until it has been checked.
  // Only GitHub's two content types; anything else is a 415 before any work.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    ['application/json', 'application/x-www-form-urlencoded'],
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  )

  async function receive(request: FastifyRequest, reply: FastifyReply, hook: StoredHook) {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    const answer = await receiver.receive(hook, { headers: request.headers, body }, request.log)
    return reply.status(answer.status).send(answer.response)
  }

  const secret = config.github.webhookSecret
  // Without GITHUB_WEBHOOK_SECRET there is no default hook: the path answers 404 like any other.
  if (secret) {
    const hook = defaultHook(secret, new Date(now()))
    app.post(
      '/github',
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          summary: 'GitHub deliveries for the default hook (secret GITHUB_WEBHOOK_SECRET)',
          response: responses,
        },
      },
      (request, reply) => receive(request, reply, hook),
    )
  }

  app.post(
    '/github/:hookId',
    {
      bodyLimit: BODY_LIMIT,
      schema: {
        summary: 'GitHub deliveries for a hook created in the admin pages',
        params: HookParamsSchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const { hookId } = request.params
      if (hookId === DEFAULT_HOOK_ID) return reply.callNotFound()
      return receive(request, reply, await readHook(app.records, hookId))
    },
  )
}

export default webhookRoutes
