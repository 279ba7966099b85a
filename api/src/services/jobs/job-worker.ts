import { randomUUID } from 'node:crypto'
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { MemeRequest } from '@meme-studio/meme-core/schema'
import type { JobRecord } from '../../schemas/records.ts'
import type { RenderedMeme } from '../meme/meme-render.ts'
import type { QueueRecord, QueueWorker } from '../queue/types.ts'
import type { RecordStore } from '../records/record-store.ts'
import { AppError } from '../shared/app-error.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'
import {
  doneJob,
  failedJob,
  findJob,
  isJobId,
  jobAsSeen,
  jobExpiresAt,
  jobFailure,
  jobRecordKey,
  jobRenderKey,
  LOST_FAILURE,
  nextStep,
  type JobLog,
} from './job-store.ts'

/** A fresh id for every job: the bytes under a key never change. */
const RENDER_CACHE_CONTROL = 'public, max-age=31536000, immutable'

export interface JobWorkerOptions {
  records: RecordStore
  s3: S3Client
  bucket: string
  /** Renders the job's request: the app's `makeMeme`. */
  render: (request: MemeRequest) => Promise<RenderedMeme>
  log: JobLog
  /**
   * How long a worker holds a job it took before another may take it over. Shorter than the
   * queue's visibility timeout, so that a message that comes back because its worker died
   * finds the lease run out; longer than a render.
   */
  leaseSeconds: number
  /** The queue's receives before the dead-letter queue: the last try records a failure. */
  maxReceives: number
  now?: () => Date
}

/** Thrown to leave a message for later: the job is someone else's for now. */
export class JobLeasedError extends Error {
  constructor(jobId: string, until: string | undefined) {
    super(`job ${jobId} is running under another worker's lease until ${until}`)
    this.name = 'JobLeasedError'
  }
}

/** The job id a `jobs` message names, or undefined when it names none. */
export function jobIdOfMessage(message: unknown): string | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined
  const { jobId, ...rest } = message as Record<string, unknown>
  if (Object.keys(rest).length > 0 || typeof jobId !== 'string' || !isJobId(jobId)) {
    return undefined
  }
  return jobId
}

/** Whether a worker may take the job now: queued, or running under a lease that ran out. */
function canTake(job: JobRecord, now: Date): boolean {
  if (job.status === 'queued') return true
  if (job.status !== 'running') return false
  return job.leaseUntil === undefined || Date.parse(job.leaseUntil) <= now.getTime()
}

/** A failure another try may mend: the stores or the renderer's memory were short. */
function isTransient(error: unknown): boolean {
  return error instanceof AppError && error.statusCode >= 500
}

/**
 * The `jobs` queue's worker: renders the job a message names, once. A message may arrive
 * twice (SQS delivers at least once; the embedded queue too when a worker outlives the
 * visibility timeout), so the job's record decides:
 *
 * - done or failed: nothing to do;
 * - running under another worker's lease: left, and the message thrown back for later;
 * - otherwise taken with a conditional edit (of two workers, one wins), rendered, its image
 *   stored, then recorded done, on the condition that the lease is still this worker's.
 *
 * A refused render (an AppError below 500: the upload is gone, the picture too large) is
 * recorded as the job's failure. A transient one (STORAGE_UNAVAILABLE, BUSY) is thrown, for
 * the queue to try again, until its last receive, which records it. Anything else is a bug:
 * recorded as INTERNAL and logged. A message that names no job is dropped, logged.
 */
export function jobWorker(options: JobWorkerOptions): QueueWorker {
  const { records, log, now = () => new Date() } = options

  return async ({ message, messageId, receiveCount }: QueueRecord) => {
    const jobId = jobIdOfMessage(message)
    if (!jobId) {
      log.error({ messageId, receiveCount }, 'jobs queue: a message that names no job; dropped')
      return
    }
    const key = jobRecordKey(jobId)
    const found = await findJob(records, jobId)
    if (!found) {
      // Expired, or removed because its send failed (SQS may still have taken it).
      log.warn({ jobId, messageId }, 'jobs queue: no such job; message dropped')
      return
    }
    if (found.status === 'done' || found.status === 'failed') return
    const expiresAt = jobExpiresAt(found)

    // Its client may already have been told it was lost: it stays lost.
    if (jobAsSeen(found, now()).status === 'failed') {
      await records.edit<JobRecord>(
        key,
        (current) =>
          current && (current.status === 'queued' || current.status === 'running')
            ? failedJob(current, LOST_FAILURE, now())
            : undefined,
        { expiresAt },
      )
      return
    }

    const owner = randomUUID()
    const taken = await records.edit<JobRecord>(
      key,
      (current) => {
        const at = now()
        if (!current || !canTake(current, at)) return undefined
        return {
          ...nextStep(current, at),
          status: 'running',
          leaseOwner: owner,
          leaseUntil: new Date(at.getTime() + options.leaseSeconds * 1000).toISOString(),
        }
      },
      { expiresAt },
    )
    if (!taken || taken.status === 'done' || taken.status === 'failed') return
    if (taken.status !== 'running' || taken.leaseOwner !== owner) {
      throw new JobLeasedError(jobId, taken.status === 'running' ? taken.leaseUntil : undefined)
    }

    /** Writes `next` if the lease is still this worker's: false when another took the job. */
    const finish = async (next: JobRecord): Promise<boolean> => {
      const written = await records.edit<JobRecord>(
        key,
        (current) =>
          current?.status === 'running' && current.leaseOwner === owner ? next : undefined,
        { expiresAt },
      )
      return written === next
    }

    let imageKey: string | undefined
    try {
      const meme = await options.render(taken.request)
      imageKey = jobRenderKey(jobId, meme.contentType)
      await putImage(options.s3, options.bucket, imageKey, meme)
      const result = {
        key: imageKey,
        meme_type: meme.contentType,
        bytes: meme.bytes.length,
        width: meme.width,
        height: meme.height,
      }
      if (!(await finish(doneJob(taken, result, now())))) {
        // Its lease ran out and another worker took the job: that one records it. The image
        // it writes has the same key and bytes.
        log.warn({ jobId }, 'job rendered after its lease ran out; left to the worker that took it')
      }
    } catch (error) {
      const lastTry = receiveCount >= options.maxReceives
      if (isTransient(error) && !lastTry) {
        log.warn(
          { err: (error as AppError).cause ?? error, jobId, receiveCount },
          'job will be tried again',
        )
        // Let the message's next receive take the job at once, not after the lease.
        await finish({ ...taken, leaseUntil: now().toISOString() }).catch(() => {})
        throw error
      }
      if (!(error instanceof AppError)) log.error({ err: error, jobId }, 'job failed')
      else if (error.statusCode >= 500)
        log.warn({ err: error.cause ?? error, jobId }, error.message)
      if (imageKey) {
        // No done record will name the image: remove it now, not at expiry.
        await options.s3
          .send(new DeleteObjectCommand({ Bucket: options.bucket, Key: imageKey }))
          .catch(() => {})
      }
      // Throws when the store is down: the message comes back, and the job is tried again.
      await finish(failedJob(taken, jobFailure(error), now()))
    }
  }
}

async function putImage(s3: S3Client, bucket: string, key: string, meme: RenderedMeme) {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: meme.bytes,
        ContentType: meme.contentType,
        CacheControl: RENDER_CACHE_CONTROL,
        ServerSideEncryption: 'AES256',
      }),
    )
  } catch (error) {
    throw storageUnavailable(error)
  }
}
