import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  DEFAULT_HOOK_ID,
  DeliveryAcceptedSchema,
  DeliveryReceivedSchema,
  HOOK_PROVIDERS,
  HookParamsSchema,
} from '@meme-studio/meme-core/schema'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AppConfig } from '../config.ts'
import type { StoredHook } from '../schemas/records.ts'
import { errorResponses } from '../schemas/errors.ts'
import { defaultHook, hookNotFound, hookProvider, readHook } from '../services/webhooks/hooks.ts'
import { DeliveryReceiver } from '../services/webhooks/receive.ts'

/**
 * Pushes are large when they carry many commits; API Gateway and Lambda take at most
 * 6 MB (less once base64-encoded), so 4 MiB is as much as every path can bring.
 */
const BODY_LIMIT = 4 * 1024 * 1024

const responses = {
  200: DeliveryReceivedSchema,
  202: DeliveryAcceptedSchema,
  ...errorResponses(400, 401, 404, 413, 415, 503),
}

/**
 * `/api/webhooks/{provider}/{hookId}`: the Git hosts' deliveries (and `/api/webhooks/github`
 * for the default hook). Public, but every request must prove the hook's secret as its host
 * does (GitHub's `X-Hub-Signature-256`, Bitbucket's `X-Hub-Signature`, GitLab's and Gitee's
 * tokens), checked over the raw body before anything in it is read (see `DeliveryReceiver`).
 * A hook answers only at its own host's path. A push to archive is answered 202 once it is
 * queued; the archive worker (registered by the control function) makes it.
 */
const webhookRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig; now?: () => number }> = async (
  app,
  { config, now = () => Date.now() },
) => {
  const receiver = new DeliveryReceiver({ records: app.records, queues: app.queues, now })

  // The signature covers the bytes as sent: bodies stay Buffers until it has been checked.
  // JSON, and GitHub's (and old Gitee hooks') form encoding; anything else is a 415 first.
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

  for (const provider of HOOK_PROVIDERS) {
    app.post(
      `/${provider}/:hookId`,
      {
        bodyLimit: BODY_LIMIT,
        schema: {
          summary: `${provider} deliveries for a hook created in the admin pages`,
          params: HookParamsSchema,
          response: responses,
        },
      },
      async (request, reply) => {
        const { hookId } = request.params
        if (hookId === DEFAULT_HOOK_ID) return reply.callNotFound()
        const hook = await readHook(app.records, hookId)
        // Another host's hook is not found here: its secret proves nothing at this path.
        if (hookProvider(hook) !== provider) throw hookNotFound()
        return receive(request, reply, hook)
      },
    )
  }
}

export default webhookRoutes
