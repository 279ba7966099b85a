import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { S3Client } from '@aws-sdk/client-s3'
import type {
  DeliveryIgnored,
  DeliveryOutcome,
  DeliveryReceived,
} from '@meme-studio/meme-core/schema'
import type { FastifyBaseLogger } from 'fastify'
import type { AppConfig } from '../../config.ts'
import type { DeliveryRecord, StoredHook } from '../../schemas/records.ts'
import type { NotificationKind } from '../notifications/discord.ts'
import { AppError, errorBody } from '../shared/app-error.ts'
import { verifyGithubSignature } from '../signatures/github-signature.ts'
import type * as GithubArchive from './github-archive.ts'
import {
  DeliveryMemory,
  MAX_PAYLOAD_KEPT,
  MAX_REJECTED_PAYLOAD_KEPT,
  REDELIVERY_HEADER,
  isDeliveryId,
  keptHeaders,
  keptPayload,
  markHandled,
  putDelivery,
  wasHandled,
} from './deliveries.ts'
import { hookSecrets } from './hooks.ts'
import { archiveKey, planPush, repositoryOf } from './push-plan.ts'

/** A delivery as it arrived: the raw body, untouched until its signature is checked. */
export interface ArrivedDelivery {
  headers: IncomingHttpHeaders
  body: Buffer
}

/** What GitHub is answered. */
export interface DeliveryAnswer {
  status: number
  response: DeliveryReceived | DeliveryIgnored
}

/** What a delivery came to: the answer, and what its record says about it. */
interface Result extends DeliveryAnswer {
  outcome: DeliveryOutcome
  reason?: string
  error?: string
  repo?: string
  branch?: string
  commit?: string
  archiveKey?: string
  versionId?: string
}

export interface ReceiverDeps {
  s3: S3Client
  config: AppConfig
  notify: (kind: NotificationKind, details: Record<string, unknown>) => Promise<void>
  now?: () => number
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
 * GitHub's deliveries, from the raw request to the answer: verify the signature over the
 * bytes as sent, drop a delivery handled before, archive a push (or ignore it, saying why),
 * notify, and record every delivery, refused ones too, for the admin page's Redeliver.
 *
 * @see https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
 */
export class DeliveryReceiver {
  readonly #deps: ReceiverDeps
  readonly #now: () => number
  readonly #memory = new DeliveryMemory()
  #lastReceivedAt = 0
  // The archive code (undici, yauzl, yazl, lib-storage) loads with the first push, not at
  // cold start: most requests a function serves are memes.
  #archiving: Promise<typeof GithubArchive> | undefined

  constructor(deps: ReceiverDeps) {
    this.#deps = deps
    this.#now = deps.now ?? (() => Date.now())
  }

  /** Strictly increasing, so two deliveries of one id never share a record key. */
  #receivedAt(): Date {
    this.#lastReceivedAt = Math.max(this.#now(), this.#lastReceivedAt + 1)
    return new Date(this.#lastReceivedAt)
  }

  /**
   * Handles one delivery to `hook`. Resolves with GitHub's answer; rejects with the AppError
   * to answer instead. Either way the delivery is recorded first.
   */
  async receive(
    hook: StoredHook,
    { headers, body }: ArrivedDelivery,
    log: FastifyBaseLogger,
  ): Promise<DeliveryAnswer> {
    const { s3, config } = this.#deps
    const started = performance.now()
    const at = this.#receivedAt()
    const event = (header(headers['x-github-event']) ?? '').slice(0, 100)
    const given = header(headers['x-github-delivery'])
    const deliveryId = given !== undefined && isDeliveryId(given) ? given : `none-${randomUUID()}`
    let verified = false
    let claimed = false
    let redeliveryOf: string | undefined
    const found: Partial<Result> = {}

    const record = async (outcome: Omit<Result, 'response'> & { response: unknown }) => {
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
        payloadBytes: body.length,
      }
      // A delivery is answered even when its record cannot be written: the work is done.
      await putDelivery(s3, config.uploadBucket, entry).catch((error: unknown) =>
        log.warn({ err: error, deliveryId }, 'delivery not recorded'),
      )
    }

    let result: Result
    try {
      const check = verifyGithubSignature(body, headers, hookSecrets(hook, new Date(this.#now())))
      if (!check.verified) throw signatureInvalid(check.reason)
      verified = true
      if (given === undefined || !isDeliveryId(given)) {
        throw new AppError(400, 'BAD_DELIVERY', 'X-GitHub-Delivery is missing or not a GUID')
      }
      if (event === '') throw new AppError(400, 'BAD_DELIVERY', 'X-GitHub-Event is missing')
      // Set by the admin Redeliver only; a label, trusted no further than the signature.
      const original = header(headers[REDELIVERY_HEADER])
      if (original !== undefined && isDeliveryId(original)) redeliveryOf = original

      claimed = this.#memory.claim(hook.hookId, deliveryId)
      if (!claimed || (await wasHandled(s3, config.uploadBucket, hook.hookId, deliveryId))) {
        result = { status: 200, response: { duplicate: true }, outcome: 'duplicate' }
      } else {
        const payload = parsePayload(body, headers['content-type'])
        result = await this.#handle(hook, event, deliveryId, payload, found)
        await markHandled(s3, config.uploadBucket, hook.hookId, deliveryId).catch(
          (error: unknown) =>
            log.warn({ err: error, deliveryId }, 'delivery handled but not marked'),
        )
      }
    } catch (error) {
      // A delivery that failed is not remembered: GitHub's Redeliver may run it again.
      if (claimed) this.#memory.release(hook.hookId, deliveryId)
      const response = errorBody(error)
      await record({
        ...found,
        status: response.statusCode,
        response,
        ...(response.statusCode < 500
          ? { outcome: 'rejected', reason: response.message }
          : { outcome: 'failed', error: response.message }),
      })
      throw error
    }
    await record(result)
    return { status: result.status, response: result.response }
  }

  /** `found` gets what the payload names as soon as it is known, for a failure's record. */
  async #handle(
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
    const { s3, config, notify } = this.#deps
    const key = archiveKey(hook.prefix, plan.owner, plan.repo, plan.branch)
    Object.assign(found, {
      repo: `${plan.owner}/${plan.repo}`,
      branch: plan.branch,
      commit: plan.sha,
    })
    const { archivePush, archiveSettings } = await (this.#archiving ??=
      import('./github-archive.ts'))
    const stored = await archivePush(
      s3,
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
    // Never holds up or fails the answer.
    void notify('archived', {
      ...found,
      pusher: plan.pusher,
      archiveKey: stored.key,
      versionId: stored.versionId,
      hookId: hook.hookId,
      deliveryId,
    })
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
}
