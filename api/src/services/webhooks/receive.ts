import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { performance } from 'node:perf_hooks'
import {
  DEFAULT_BASE_URLS,
  type DeliveryAccepted,
  type DeliveryOutcome,
  type DeliveryReceived,
} from '@meme-studio/meme-core/schema'
import type { FastifyBaseLogger } from 'fastify'
import type { DeliveryRecord, StoredHook } from '../../schemas/records.ts'
import type { Queues } from '../queue/types.ts'
import type { RecordStore } from '../records/record-store.ts'
import { AppError, errorBody } from '../shared/app-error.ts'
import type { ArchiveMessage } from './archive-worker.ts'
import {
  MAX_PAYLOAD_KEPT,
  MAX_REJECTED_PAYLOAD_KEPT,
  REDELIVERY_HEADER,
  claimDelivery,
  editDelivery,
  isDeliveryId,
  keptHeaders,
  keptPayload,
  putDelivery,
  releaseDelivery,
} from './deliveries.ts'
import { hookProvider, hookSecrets } from './hooks.ts'
import { bodyDeliveryId, providerOf, type ProviderProtocol } from './providers.ts'
import { archiveKey, repositoryOf } from './push-plan.ts'

/** A delivery as it arrived: the raw body, untouched until its signature is checked. */
export interface ArrivedDelivery {
  headers: IncomingHttpHeaders
  body: Buffer
}

/** What the Git host is answered. */
export interface DeliveryAnswer {
  status: number
  response: DeliveryReceived | DeliveryAccepted
}

/** What a delivery came to: the answer, and what its record says about it. */
interface Result extends DeliveryAnswer {
  outcome: DeliveryOutcome
  reason?: string
  error?: string
  repo?: string
  branch?: string
  commit?: string
  /** For a push to archive: what the archive worker is sent. */
  archive?: Omit<ArchiveMessage, 'hookId' | 'deliveryId' | 'receivedAt'>
}

export interface ReceiverDeps {
  records: RecordStore
  queues: Pick<Queues, 'send'>
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
 * The Git hosts' deliveries, from the raw request to the answer: verify the signature over the
 * bytes as sent (or the host's token: `providers.ts` says how each host proves a delivery and
 * names it), claim the delivery id (a duplicate is answered as one, whichever instance saw
 * it first), queue a push's archive (or ignore it, saying why), and record every delivery,
 * refused ones too, for the admin page's Redeliver. GitHub waits 10 s at most, so nothing
 * slow happens here: the archive worker (`archive-worker.ts`) downloads after the answer.
 *
 * @see https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks
 */
export class DeliveryReceiver {
  readonly #deps: ReceiverDeps
  readonly #now: () => number
  #lastReceivedAt = 0

  constructor(deps: ReceiverDeps) {
    this.#deps = deps
    this.#now = deps.now ?? (() => Date.now())
  }

  /**
   * Strictly increasing in this instance, so that its records of one id never share a key
   * (another instance's may: `putDelivery` then moves the later one on a millisecond).
   */
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
    const { records, queues } = this.#deps
    const started = performance.now()
    const at = this.#receivedAt()
    const receivedAt = at.toISOString()
    const protocol = providerOf(hook.provider)
    const event = (header(headers[protocol.eventHeader]) ?? '').slice(0, 100)
    const given = protocol.deliveryIdHeaders
      .map((name) => header(headers[name])?.replace(/^\{(.*)\}$/, '$1'))
      .find((id) => id !== undefined && isDeliveryId(id))
    // GitHub names every delivery; the other hosts may not, and the same body is then the same
    // delivery. A GitHub delivery without an id is refused, once verified.
    const deliveryId =
      given ?? (protocol.deliveryIdRequired ? `none-${randomUUID()}` : bodyDeliveryId(body))
    let verified = false
    let claimed = false
    /** The queued record, once written: the worker's and a failure's edits name it. */
    let queued: DeliveryRecord | undefined
    let redeliveryOf: string | undefined
    const found: Partial<Result> = {}

    const entry = (outcome: Omit<Result, 'response' | 'archive'> & { response: unknown }) => {
      const { payload, truncated } = keptPayload(
        protocol.kept ? protocol.kept(body) : body,
        verified ? MAX_PAYLOAD_KEPT : MAX_REJECTED_PAYLOAD_KEPT,
      )
      const record: DeliveryRecord = {
        version: 1,
        hookId: hook.hookId,
        deliveryId,
        receivedAt,
        event,
        verified,
        ...outcome,
        durationMs: Math.round(performance.now() - started),
        ...(redeliveryOf ? { redeliveryOf } : {}),
        requestHeaders: keptHeaders(headers, protocol.keptHeader),
        payload,
        truncated,
        payloadBytes: body.length,
      }
      return record
    }
    // A delivery is answered even when its record cannot be written: the work is done.
    const record = (record: DeliveryRecord) =>
      putDelivery(records, record).catch((error: unknown) => {
        log.warn({ err: error, deliveryId }, 'delivery not recorded')
      })

    let result: Result
    try {
      const check = protocol.verify(
        body,
        headers,
        hookSecrets(hook, new Date(this.#now())),
        this.#now(),
      )
      if (!check.verified) throw signatureInvalid(check.reason)
      verified = true
      if (given === undefined && protocol.deliveryIdRequired) {
        throw new AppError(400, 'BAD_DELIVERY', 'X-GitHub-Delivery is missing or not a GUID')
      }
      if (event === '') {
        throw new AppError(400, 'BAD_DELIVERY', `${protocol.eventHeaderName} is missing`)
      }
      // Set by the admin Redeliver only; a label, trusted no further than the signature.
      const original = header(headers[REDELIVERY_HEADER])
      if (original !== undefined && isDeliveryId(original)) redeliveryOf = original

      claimed = await claimDelivery(records, hook.hookId, deliveryId, receivedAt)
      if (!claimed) {
        result = { status: 200, response: { duplicate: true }, outcome: 'duplicate' }
      } else {
        const payload = parsePayload(body, headers['content-type'])
        result = this.#handle(hook, protocol, event, deliveryId, payload, found)
        if (result.archive) {
          // Recorded before it is sent: the worker moves this record on, and may start at once.
          const { archive, ...outcome } = result
          queued = await putDelivery(records, entry(outcome))
          const message: ArchiveMessage = {
            hookId: hook.hookId,
            deliveryId,
            receivedAt: queued.receivedAt,
            ...archive,
          }
          await queues.send('archives', message)
          return { status: result.status, response: result.response }
        }
      }
    } catch (error) {
      // A delivery that failed is not remembered: GitHub's Redeliver may run it again.
      if (claimed) {
        await releaseDelivery(records, hook.hookId, deliveryId).catch((cause: unknown) =>
          log.error({ err: cause, deliveryId }, 'delivery failed but its id is still claimed'),
        )
      }
      const response = errorBody(error)
      const failure = {
        ...found,
        status: response.statusCode,
        response,
        ...(response.statusCode < 500
          ? { outcome: 'rejected' as const, reason: response.message }
          : { outcome: 'failed' as const, error: response.message }),
      }
      if (queued) {
        // The queue did not take it: the record written as queued says it failed instead,
        // unless a worker already moved it (a send that failed late, after SQS took it).
        await editDelivery(records, queued, (current) =>
          current.outcome === 'queued' ? { ...current, ...failure } : undefined,
        ).catch((cause: unknown) => log.warn({ err: cause, deliveryId }, 'delivery not recorded'))
      } else {
        await record(entry(failure))
      }
      throw error
    }
    await record(entry(result))
    return { status: result.status, response: result.response }
  }

  /** `found` gets what the payload names as soon as it is known, for a failure's record. */
  #handle(
    hook: StoredHook,
    protocol: ProviderProtocol,
    event: string,
    deliveryId: string,
    payload: unknown,
    found: Partial<Result>,
  ): Result {
    const repo = repositoryOf(payload)
    if (event === protocol.pingEvent) {
      return { status: 200, response: { ok: true }, outcome: 'pong', repo }
    }
    if (event !== protocol.pushEvent) {
      const reason = `event ${event} is not archived`
      return {
        status: 202,
        response: { ok: true, ignored: reason },
        outcome: 'ignored',
        reason,
        repo,
      }
    }
    const plan = protocol.plan(payload, hook.branches)
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
    Object.assign(found, {
      repo: `${plan.owner}/${plan.repo}`,
      branch: plan.branch,
      commit: plan.sha,
    })
    const key = archiveKey(hook.prefix, plan.owner, plan.repo, plan.branch)
    const provider = hookProvider(hook)
    return {
      status: 202,
      response: { ok: true, queued: true, deliveryId },
      outcome: 'queued',
      ...found,
      archive: {
        owner: plan.owner,
        repo: plan.repo,
        branch: plan.branch,
        sha: plan.sha,
        key,
        stripRoot: hook.stripRoot,
        pusher: plan.pusher,
        // GitHub's come from GITHUB_BASE_URL; the others' from the hook's host, fixed now.
        ...(provider === 'github'
          ? {}
          : { provider, baseUrl: hook.baseUrl ?? DEFAULT_BASE_URLS[provider] }),
        ...(plan.projectId !== undefined ? { projectId: plan.projectId } : {}),
      },
    }
  }
}
