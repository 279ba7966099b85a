import { randomUUID } from 'node:crypto'
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyBaseLogger } from 'fastify'
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import type { AppConfig } from '../../config.ts'
import type { DeliveryRecord } from '../../schemas/records.ts'
import type { NotificationKind } from '../notifications/discord.ts'
import type { QueueRecord, QueueWorker } from '../queue/types.ts'
import type { RecordStore } from '../records/record-store.ts'
import { AppError } from '../shared/app-error.ts'
import { isMissing, storageUnavailable } from '../storage/s3-errors.ts'
import type * as GithubArchive from './github-archive.ts'
import { archiveSource } from './archive-source.ts'
import { editDelivery, releaseDelivery } from './deliveries.ts'
import { readHook } from './hooks.ts'

/**
 * What the receiver sends the `archives` queue for a push to archive: the delivery's record
 * (hook, id, time) and what to fetch and where to put it, fixed when GitHub was answered (a
 * hook's settings changed later do not change a push already queued).
 */
export const ArchiveMessageSchema = Type.Object({
  hookId: Type.String(),
  deliveryId: Type.String(),
  receivedAt: Type.String(),
  owner: Type.String(),
  repo: Type.String(),
  branch: Type.String(),
  sha: Type.String(),
  key: Type.String(),
  stripRoot: Type.Boolean(),
  pusher: Type.String(),
  /** Left out for GitHub (and in messages queued before there was a choice). */
  provider: Type.Optional(
    Type.Union([Type.Literal('gitlab'), Type.Literal('bitbucket'), Type.Literal('gitee')]),
  ),
  /** The host's origin, as the hook said when the push came. */
  baseUrl: Type.Optional(Type.String()),
  /** GitLab's project number. */
  projectId: Type.Optional(Type.Integer()),
})
export type ArchiveMessage = Static<typeof ArchiveMessageSchema>

export interface ArchiveWorkerDeps {
  s3: S3Client
  records: RecordStore
  config: AppConfig
  notify: (kind: NotificationKind, details: Record<string, unknown>) => Promise<void>
  log: FastifyBaseLogger
  now?: () => number
  /** Changes to the download settings (tests: a shorter timeout, no backoff). */
  settings?: Partial<GithubArchive.ArchiveSettings>
  /**
   * How long a worker holds a delivery it took before another may take it over; default half
   * the queue's visibility timeout (QUEUE_VISIBILITY_SECONDS), as the jobs worker's lease, so
   * that a message back after its worker died finds the lease run out.
   */
  leaseSeconds?: number
}

/** Thrown to leave a message for later: the delivery is another worker's for now. */
export class DeliveryLeasedError extends Error {
  constructor(deliveryId: string, detail: string) {
    super(`delivery ${deliveryId} is archiving under another worker's lease (${detail})`)
    this.name = 'DeliveryLeasedError'
  }
}

/** Whether a worker may take the delivery now: queued, or archiving under a lease run out. */
function canTake(delivery: DeliveryRecord, now: number): boolean {
  if (delivery.outcome === 'queued') return true
  if (delivery.outcome !== 'archiving') return false
  // Records written before leases have none: theirs is over.
  return delivery.leaseUntil === undefined || Date.parse(delivery.leaseUntil) <= now
}

/** The record without its lease: it is nobody's once it leaves `archiving`. */
function unleased(delivery: DeliveryRecord): DeliveryRecord {
  const next = { ...delivery }
  delete next.leaseOwner
  delete next.leaseUntil
  return next
}

/**
 * The archive a previous try of this delivery stored before it failed to record it (the
 * table was down, the process was killed), if it is the object now at the key: its metadata
 * names the delivery (`x-amz-meta-delivery`, as `archivePush` wrote it). Another delivery's
 * object there (a later push of the branch) is not this one's.
 *
 * HeadObject needs s3:GetObject on the archive bucket. Without it S3 answers 403, taken here
 * as "not there": the try then downloads and stores the archive again, as before leases.
 */
async function storedBefore(
  s3: S3Client,
  bucket: string,
  key: string,
  deliveryId: string,
): Promise<{ key: string; versionId?: string } | undefined> {
  let head
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
  } catch (error) {
    if (isMissing(error)) return undefined
    throw storageUnavailable(error)
  }
  // The SDK gives user metadata without its `x-amz-meta-` prefix, names in lower case.
  if (head.Metadata?.delivery !== deliveryId) return undefined
  return { key, ...(head.VersionId ? { versionId: head.VersionId } : {}) }
}

/** Whether a later try may succeed: GitHub or a store was down, or something unforeseen. */
function mendable(error: unknown): boolean {
  if (!(error instanceof AppError)) return true
  if (error.code === 'ARCHIVE_DOWNLOAD_FAILED') {
    return (error as GithubArchive.ArchiveDownloadError).transient
  }
  return error.statusCode === 503
}

function reasonOf(error: unknown): string {
  return error instanceof AppError ? error.message : 'The archive could not be made'
}

/**
 * The `archives` queue's worker: makes a queued push's archive and moves its delivery
 * `queued → archiving → archived | failed`, each step a conditional edit of its record. A
 * queue may deliver a message twice (SQS is at least once; the visibility timeout can run out
 * mid-try), so the record decides, and a push is archived once:
 *
 * - archived or failed: left as it is;
 * - archiving under another worker's lease: left, and the message thrown back for later;
 * - queued, or archiving under a lease run out: taken with a conditional edit (of two
 *   workers, one wins). A try that takes over from an earlier one first asks S3 whether that
 *   one stored the archive before it died; if so it records that object and downloads nothing.
 *   A try renews its lease before it uploads, and stores nothing if another has taken over.
 *
 * A failure no retry mends (GitHub's 404, too large, not a zip) is recorded and resolves; an
 * outage throws, for the queue to try again, until the last try.
 */
export function archiveWorker(deps: ArchiveWorkerDeps): QueueWorker {
  const { s3, records, config, notify, log } = deps
  const clock = deps.now ?? Date.now
  const now = () => new Date(clock()).toISOString()
  const leaseMs =
    (deps.leaseSeconds ?? Math.max(1, Math.floor(config.queues.visibilitySeconds / 2))) * 1000
  // The archive code (undici, yauzl, yazl, lib-storage) loads with the first push, not at
  // cold start: most requests the control function serves are not archives.
  let archiving: Promise<typeof GithubArchive> | undefined

  return async ({ message, receiveCount }: QueueRecord) => {
    if (!Value.Check(ArchiveMessageSchema, message)) {
      // Only the receiver sends to this queue; a message it could not have sent is dropped.
      log.error({ message }, 'archives: a message that is not an archive request')
      return
    }
    const { hookId, deliveryId, receivedAt } = message
    const ref = { hookId, deliveryId, receivedAt }
    const owner = randomUUID()
    // Whether an earlier try had it archiving: it may have stored the archive before it died.
    let tookOver = false
    const started = await editDelivery(records, ref, (current) => {
      // Called again when another write came first: only the last call's answer counts.
      tookOver = false
      const at = clock()
      if (!canTake(current, at)) return undefined
      tookOver = current.outcome === 'archiving'
      return {
        ...current,
        outcome: 'archiving',
        leaseOwner: owner,
        leaseUntil: new Date(at + leaseMs).toISOString(),
        updatedAt: new Date(at).toISOString(),
      }
    })
    if (!started) {
      log.warn({ hookId, deliveryId }, 'archives: the delivery has no record')
      return
    }
    if (started.outcome !== 'archiving') return
    if (started.leaseOwner !== owner) {
      throw new DeliveryLeasedError(deliveryId, `until ${started.leaseUntil}`)
    }

    /** Writes what `change` makes of the record if it is still this worker's. */
    const finish = async (change: (current: DeliveryRecord) => DeliveryRecord) => {
      let written = false
      await editDelivery(records, ref, (current) => {
        written = current.outcome === 'archiving' && current.leaseOwner === owner
        return written ? change(current) : undefined
      })
      return written
    }

    /**
     * Before the upload: the lease is renewed, if it is still this worker's. A try that outran
     * the visibility timeout (the message was handed to another worker, whose lease this one's
     * had run out for) stops here, and stores nothing: the other stores it.
     */
    const stillMine = async () => {
      const renewed = await finish((current) => ({
        ...current,
        leaseUntil: new Date(clock() + leaseMs).toISOString(),
      }))
      if (!renewed) throw new DeliveryLeasedError(deliveryId, 'it took over after this one ran out')
    }

    /**
     * Where the archive comes from. GitHub's: GITHUB_BASE_URL with GITHUB_TOKEN. The others':
     * the host the push came from, with the hook's access token, read now (it is never put in
     * a queue message), and never GITHUB_TOKEN.
     */
    const source = async (settings: GithubArchive.ArchiveSettings) => {
      const { provider, baseUrl } = message
      if (provider === undefined || baseUrl === undefined) return { settings }
      const hook = await readHook(records, hookId).catch(() => undefined)
      const found = archiveSource(
        provider,
        baseUrl,
        {
          owner: message.owner,
          repo: message.repo,
          sha: message.sha,
          ...(message.projectId !== undefined ? { projectId: message.projectId } : {}),
        },
        hook?.accessToken,
      )
      return { url: found.url, settings: { ...settings, ...found.settings, token: undefined } }
    }

    const makeArchive = async () => {
      const { archivePush, archiveSettings } = await (archiving ??= import('./github-archive.ts'))
      const { url, settings } = await source({ ...archiveSettings(config), ...deps.settings })
      return archivePush(
        s3,
        config.archiveBucket,
        {
          owner: message.owner,
          repo: message.repo,
          branch: message.branch,
          sha: message.sha,
          key: message.key,
          stripRoot: message.stripRoot,
          metadata: {
            commit: message.sha,
            delivery: deliveryId,
            ...(message.pusher ? { pusher: message.pusher } : {}),
          },
          ...(url ? { source: url } : {}),
        },
        settings,
        stillMine,
      )
    }

    let stored: { key: string; versionId?: string }
    try {
      const before = tookOver
        ? await storedBefore(s3, config.archiveBucket, message.key, deliveryId)
        : undefined
      if (before) log.info({ hookId, deliveryId, ...before }, 'archives: stored by an earlier try')
      stored = before ?? (await makeArchive())
    } catch (error) {
      if (error instanceof DeliveryLeasedError) {
        // Another worker has the delivery now: its record is that one's to write. Thrown, so
        // the message comes back and finds the delivery as that worker left it.
        log.warn({ hookId, deliveryId, receiveCount }, 'archives: taken over by another worker')
        throw error
      }
      // The queue's last receive (QUEUE_MAX_RECEIVES, SQS's maxReceiveCount): a failure that
      // a later try might mend is recorded as failed now, and the message deleted, rather than
      // left for the dead-letter queue with its delivery stuck in archiving.
      const tries = config.queues.maxReceives
      const last = !mendable(error) || receiveCount >= tries
      log.warn({ err: error, hookId, deliveryId, receiveCount, last }, 'archives: a try failed')
      if (!last) {
        // Back to queued, saying why, until the queue hands the message over again; the next
        // receive takes it at once, not after the lease. Another worker's take-over is left.
        await finish((current) => ({
          ...unleased(current),
          outcome: 'queued',
          error: `Try ${receiveCount} of ${tries} failed: ${reasonOf(error)}`,
          updatedAt: now(),
        }))
        throw error
      }
      const failed = await finish((current) => ({
        ...unleased(current),
        outcome: 'failed',
        error: reasonOf(error),
        updatedAt: now(),
      }))
      // GitHub's Redeliver (same X-GitHub-Delivery) may run it again.
      if (failed) await releaseDelivery(records, hookId, deliveryId)
      return
    }

    let archived = false
    await editDelivery(records, ref, (current) => {
      // Called again when another write came first: only the last call's answer counts.
      archived = false
      // Still archiving, under this lease or another's (one that took over after this one's
      // ran out: the archive stored here is this delivery's all the same), or put back to
      // queued by another try that failed.
      if (current.outcome !== 'archiving' && current.outcome !== 'queued') return undefined
      archived = true
      const next: DeliveryRecord = {
        ...unleased(current),
        outcome: 'archived',
        archiveKey: stored.key,
        ...(stored.versionId ? { versionId: stored.versionId } : {}),
        updatedAt: now(),
      }
      delete next.error
      return next
    })
    // Awaited: on Lambda nothing runs after the batch is answered. `notify` never throws.
    if (archived) {
      await notify('archived', {
        repo: `${message.owner}/${message.repo}`,
        branch: message.branch,
        commit: message.sha,
        pusher: message.pusher,
        archiveKey: stored.key,
        versionId: stored.versionId,
        hookId,
        deliveryId,
      })
    }
  }
}
