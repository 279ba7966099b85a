import type { S3Client } from '@aws-sdk/client-s3'
import type { FastifyBaseLogger } from 'fastify'
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import type { AppConfig } from '../../config.ts'
import type { DeliveryRecord } from '../../schemas/records.ts'
import type { NotificationKind } from '../notifications/discord.ts'
import type { QueueRecord, QueueWorker } from '../queue/types.ts'
import type { RecordStore } from '../records/record-store.ts'
import { AppError } from '../shared/app-error.ts'
import type * as GithubArchive from './github-archive.ts'
import { editDelivery, releaseDelivery } from './deliveries.ts'

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
 * `queued → archiving → archived | failed`, each step a conditional edit of its record. It
 * is idempotent, as a queue may deliver a message twice: a delivery archived or failed before
 * is left as it is. A failure no retry mends (GitHub's 404, too large, not a zip) is recorded
 * and resolves; an outage throws, for the queue to try again, until the last try.
 */
export function archiveWorker(deps: ArchiveWorkerDeps): QueueWorker {
  const { s3, records, config, notify, log } = deps
  const now = () => new Date((deps.now ?? Date.now)()).toISOString()
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
    const started = await editDelivery(records, ref, (current) =>
      current.outcome === 'queued' || current.outcome === 'archiving'
        ? { ...current, outcome: 'archiving', updatedAt: now() }
        : undefined,
    )
    if (started?.outcome !== 'archiving') {
      if (!started) log.warn({ hookId, deliveryId }, 'archives: the delivery has no record')
      return
    }

    const { archivePush, archiveSettings } = await (archiving ??= import('./github-archive.ts'))
    let stored: GithubArchive.StoredArchive
    try {
      stored = await archivePush(
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
        },
        { ...archiveSettings(config), ...deps.settings },
      )
    } catch (error) {
      // The queue's last receive (QUEUE_MAX_RECEIVES, SQS's maxReceiveCount): a failure that
      // a later try might mend is recorded as failed now, and the message deleted, rather than
      // left for the dead-letter queue with its delivery stuck in archiving.
      const tries = config.queues.maxReceives
      const last = !mendable(error) || receiveCount >= tries
      log.warn({ err: error, hookId, deliveryId, receiveCount, last }, 'archives: a try failed')
      if (!last) {
        // Back to queued, saying why, until the queue hands the message over again.
        await editDelivery(records, ref, (current) =>
          current.outcome === 'archiving'
            ? {
                ...current,
                outcome: 'queued',
                error: `Try ${receiveCount} of ${tries} failed: ${reasonOf(error)}`,
                updatedAt: now(),
              }
            : undefined,
        )
        throw error
      }
      await editDelivery(records, ref, (current) =>
        current.outcome === 'archiving'
          ? { ...current, outcome: 'failed', error: reasonOf(error), updatedAt: now() }
          : undefined,
      )
      // GitHub's Redeliver (same X-GitHub-Delivery) may run it again.
      await releaseDelivery(records, hookId, deliveryId)
      return
    }

    let archived = false
    await editDelivery(records, ref, (current) => {
      // Called again when another write came first: only the last call's answer counts.
      archived = false
      if (current.outcome !== 'archiving' && current.outcome !== 'queued') return undefined
      archived = true
      const next: DeliveryRecord = {
        ...current,
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
