import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { AppConfig } from '../config.ts'
import { errorResponses } from '../schemas/errors.ts'
import type * as GithubArchive from '../services/github-archive.ts'
import { AppError } from '../services/app-error.ts'
import { verifyGithubSignature } from '../services/github-signature.ts'
import {
  DEFAULT_HOOK_ID,
  DeliveryMemory,
  MAX_PAYLOAD_KEPT,
  MAX_REJECTED_PAYLOAD_KEPT,
  REDELIVERY_HEADER,
  archiveKey,
  defaultHook,
  hookSecrets,
  isDeliveryId,
  keptHeaders,
  keptPayload,
  markHandled,
  planPush,
  putDelivery,
  readHook,
  repositoryOf,
  wasHandled,
  type DeliveryOutcome,
  type DeliveryRecord,
  type StoredHook,
} from '../services/webhook-store.ts'

/**
 * GitHub pushes are large when they carry many commits; API Gateway and Lambda take at most
 * 6 MB (less once base64-encoded), so 4 MiB is as much as every path can bring.
 */
const BODY_LIMIT = 4 * 1024 * 1024

const ReceivedSchema = Type.Object({
  ok: Type.Optional(Type.Literal(true)),
  duplicate: Type.Optional(
    Type.Literal(true, { description: 'This X-GitHub-Delivery was handled before' }),
  ),
  archiveKey: Type.Optional(Type.String()),
  versionId: Type.Optional(Type.String()),
})

const IgnoredSchema = Type.Object({
  ok: Type.Literal(true),
  ignored: Type.String({ description: 'Why nothing was archived' }),
})

const responses = {
  200: ReceivedSchema,
  202: IgnoredSchema,
  ...errorResponses(400, 401, 404, 413, 415, 502, 503),
}

/** What a delivery came to: the answer, and what its record says about it. */
interface Result {
  status: number
  response: Record<string, unknown>
  outcome: DeliveryOutcome
  reason?: string
  error?: string
  repo?: string
  branch?: string
  commit?: string
  archiveKey?: string
  versionId?: string
}

function signatureInvalid(reason: string): AppError {
  return new AppError(401, 'SIGNATURE_INVALID', `Signature refused: ${reason}`)
}

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/** The JSON payload, also from a form-encoded delivery's `payload` field. */
function parsePayload(body: Buffer, contentType: string | undefined): unknown {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase()
  let text = body.toString('utf8')
  if (type === 'application/x-www-form-urlencoded') {
    const field = new URLSearchParams(text).get('payload')
    if (field === null) throw new AppError(400, 'BAD_PAYLOAD', 'The form has no payload field')
    text = field
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new AppError(400, 'MALFORMED_JSON', 'The payload is not valid JSON')
  }
}

/**
 * `/api/webhooks/github*`: GitHub's deliveries. Public, but every request must carry
 * `X-Hub-Signature-256` made with the hook's secret, checked over the raw body before
 * anything in it is read.
 *
 * @see https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
 */
const webhookRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig; now?: () => number }> = async (
  app,
  { config, now = () => Date.now() },
) => {
  const records = config.uploadBucket
  // The archive code (undici, yauzl, yazl, lib-storage) loads with the first push, not at
  // cold start: most requests a function serves are memes.
  let archiving: Promise<typeof GithubArchive> | undefined
  const loadArchiving = () => (archiving ??= import('../services/github-archive.ts'))
  const memory = new DeliveryMemory()
  const startedAt = new Date(now())
  let lastReceivedAt = 0

  // The signature covers the bytes as sent: bodies stay Buffers until it has been checked.
  // Only GitHub's two content types; anything else is a 415 before any work.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser(
    ['application/json', 'application/x-www-form-urlencoded'],
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  )

  /** Strictly increasing, so two deliveries of one id never share a record key. */
  function receivedAt(): Date {
    lastReceivedAt = Math.max(now(), lastReceivedAt + 1)
    return new Date(lastReceivedAt)
  }

  /** `found` gets what the payload names as soon as it is known, for a failure's record. */
  async function handle(
    hook: StoredHook,
    event: string,
    deliveryId: string,
    payload: unknown,
    found: Partial<Result>,
  ): Promise<Result> {
    const repo = repositoryOf(payload)
    if (event === 'ping') return { status: 200, response: { ok: true }, outcome: 'pong', repo }
    if (event !== 'push') {
      const reason = `event ${event} is not archived`
      return {
        status: 202,
        response: { ok: true, ignored: reason },
        outcome: 'ignored',
        reason,
        repo,
      }
    }
    const plan = planPush(payload, hook.branches)
    if (plan.action === 'ignore') {
      const { reason } = plan
      return {
        status: 202,
        response: { ok: true, ignored: reason },
        outcome: 'ignored',
        reason,
        repo: plan.repo,
        branch: plan.branch,
        commit: plan.commit,
      }
    }
    const key = archiveKey(hook.prefix, plan.owner, plan.repo, plan.branch)
    Object.assign(found, {
      repo: `${plan.owner}/${plan.repo}`,
      branch: plan.branch,
      commit: plan.sha,
    })
    const { archivePush, archiveSettings } = await loadArchiving()
    const stored = await archivePush(
      app.s3,
      config.archiveBucket,
      {
        owner: plan.owner,
        repo: plan.repo,
        branch: plan.branch,
        sha: plan.sha,
        key,
        stripRoot: hook.stripRoot,
        metadata: {
          commit: plan.sha,
          delivery: deliveryId,
          ...(plan.pusher ? { pusher: plan.pusher } : {}),
        },
      },
      archiveSettings(config),
    )
    if (app.hasDecorator('notify')) {
      void app.notify('archived', {
        ...found,
        pusher: plan.pusher,
        archiveKey: stored.key,
        versionId: stored.versionId,
        hookId: hook.hookId,
        deliveryId,
      })
    }
    return {
      status: 200,
      response: {
        ok: true,
        archiveKey: stored.key,
        ...(stored.versionId ? { versionId: stored.versionId } : {}),
      },
      outcome: 'archived',
      ...found,
      archiveKey: stored.key,
      versionId: stored.versionId,
    }
  }

  async function receive(request: FastifyRequest, reply: FastifyReply, hook: StoredHook) {
    const started = performance.now()
    const at = receivedAt()
    const { headers } = request
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    const event = (header(headers['x-github-event']) ?? '').slice(0, 100)
    const given = header(headers['x-github-delivery'])
    const deliveryId = given !== undefined && isDeliveryId(given) ? given : `none-${randomUUID()}`
    let verified = false
    let claimed = false
    let redeliveryOf: string | undefined
    let result: Result
    const found: Partial<Result> = {}

    async function record(outcome: Result): Promise<void> {
      const { payload, truncated } = keptPayload(
        body,
        verified ? MAX_PAYLOAD_KEPT : MAX_REJECTED_PAYLOAD_KEPT,
      )
      const entry: DeliveryRecord = {
        version: 1,
        hookId: hook.hookId,
        deliveryId,
        receivedAt: at.toISOString(),
        event,
        verified,
        ...outcome,
        durationMs: Math.round(performance.now() - started),
        ...(redeliveryOf ? { redeliveryOf } : {}),
        requestHeaders: keptHeaders(headers),
        payload,
        truncated,
      }
      // A delivery is answered even when its record cannot be written: the work is done.
      await putDelivery(app.s3, records, entry).catch((error: unknown) =>
        request.log.warn({ err: error, deliveryId }, 'delivery not recorded'),
      )
    }

    try {
      const check = verifyGithubSignature(body, headers, hookSecrets(hook, new Date(now())))
      if (!check.verified) throw signatureInvalid(check.reason)
      verified = true
      if (given === undefined || !isDeliveryId(given)) {
        throw new AppError(400, 'BAD_DELIVERY', 'X-GitHub-Delivery is missing or not a GUID')
      }
      if (event === '') throw new AppError(400, 'BAD_DELIVERY', 'X-GitHub-Event is missing')
      // Set by the admin Redeliver only; a label, trusted no further than the signature.
      const original = header(headers[REDELIVERY_HEADER])
      if (original !== undefined && isDeliveryId(original)) redeliveryOf = original

      claimed = memory.claim(hook.hookId, deliveryId)
      if (!claimed || (await wasHandled(app.s3, records, hook.hookId, deliveryId))) {
        result = { status: 200, response: { duplicate: true }, outcome: 'duplicate' }
      } else {
        const payload = parsePayload(body, headers['content-type'])
        result = await handle(hook, event, deliveryId, payload, found)
        await markHandled(app.s3, records, hook.hookId, deliveryId).catch((error: unknown) =>
          request.log.warn({ err: error, deliveryId }, 'delivery handled but not marked'),
        )
      }
    } catch (error) {
      // A delivery that failed is not remembered: GitHub's Redeliver may run it again.
      if (claimed) memory.release(hook.hookId, deliveryId)
      const known = error instanceof AppError
      const status = known ? error.statusCode : 500
      const code = known ? error.code : 'INTERNAL'
      const message = known ? error.message : 'Something went wrong on our side'
      await record({
        ...found,
        status,
        response: { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, code },
        ...(status < 500
          ? { outcome: 'rejected', reason: message }
          : { outcome: 'failed', error: message }),
      })
      throw error
    }
    await record(result)
    return reply.status(result.status).send(result.response)
  }

  const secret = config.github.webhookSecret
  // Without GITHUB_WEBHOOK_SECRET there is no default hook: the path answers 404 like any other.
  if (secret) {
    const hook = defaultHook(secret, startedAt)
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
        params: Type.Object({ hookId: Type.String() }, { additionalProperties: false }),
        response: responses,
      },
    },
    async (request, reply) => {
      const { hookId } = request.params
      if (hookId === DEFAULT_HOOK_ID) return reply.callNotFound()
      return receive(request, reply, await readHook(app.s3, records, hookId))
    },
  )
}

export default webhookRoutes
