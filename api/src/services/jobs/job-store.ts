import { randomBytes } from 'node:crypto'
import type { S3Client } from '@aws-sdk/client-s3'
import { IMAGE_FORMATS } from '@meme-studio/meme-core'
import type { Job, JobCreated, MemeRequest } from '@meme-studio/meme-core/schema'
import { Value } from 'typebox/value'
import { JobRecordSchema, type JobError, type JobRecord } from '../../schemas/records.ts'
import type { Queues } from '../queue/types.ts'
import type { RecordKey, RecordStore } from '../records/record-store.ts'
import { AppError } from '../shared/app-error.ts'
import type { RenderedMeme } from '../meme/meme-render.ts'
import { listKeys, readJsonRecord } from '../storage/json-records.ts'
import { presignGetObject } from '../storage/presign.ts'

/**
 * A job is its record in the records table, `job#<jobId>` / `job`, edited at each step
 * (queued, running, then done or failed) under the store's optimistic lock, and once done its
 * image in S3, `renders/<jobId>.<ext>`, written before the record that names it, so a done
 * job never points at nothing. `POST /api/jobs` records the job and sends `{jobId}` to the
 * `jobs` queue; the render function's worker (`job-worker.ts`) does the rest.
 *
 * Job ids are drawn as share ids are (128 random bits), so a job's image never lands on a
 * share's key; and a job never writes `renders/<id>.json`, a share's sidecar, so its image
 * is not a share: `/m/<jobId>` stays a 404.
 */
const RENDER_PREFIX = 'renders/'

/** 128 random bits: ids cannot be guessed, so a job is seen only by who started it. */
const JOB_ID_BYTES = 16
/** base64url of 16 bytes, unpadded. Checked wherever an id comes in, before any store call. */
const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

/** How long the presigned URL of a done job's image works. */
export const JOB_IMAGE_URL_SECONDS = 60 * 60

/**
 * A job is kept 30 days from its creation (the record's TTL), as its image is: the storage
 * stack expires `renders/` after 30 days.
 */
export const JOB_KEPT_SECONDS = 30 * 24 * 3600

/**
 * A job still queued or running this long after its last step never will finish: its
 * message went to the dead-letter queue, or was never sent. Far longer than the queue's
 * tries take (three receives, each hidden for the visibility timeout of two minutes).
 */
export const JOB_LOST_AFTER_SECONDS = 10 * 60

type DoneJob = Extract<JobRecord, { status: 'done' }>
type FailedJob = Extract<JobRecord, { status: 'failed' }>
export type QueuedJob = Extract<JobRecord, { status: 'queued' | 'running' }> & { status: 'queued' }

/** What the `jobs` queue carries: the id alone; the request is in the record. */
export interface JobMessage {
  jobId: string
}

/** Errors that are not AppErrors are bugs or outages: the client learns only that. */
export const INTERNAL_FAILURE: JobError = {
  code: 'INTERNAL',
  message: 'Something went wrong on our side',
}

export const LOST_FAILURE: JobError = {
  code: 'JOB_LOST',
  message: 'The job stopped before it finished; submit it again',
}

export function newJobId(): string {
  return randomBytes(JOB_ID_BYTES).toString('base64url')
}

export function isJobId(value: string): boolean {
  return JOB_ID_PATTERN.test(value)
}

/** Where a job's record is in the records table. */
export function jobRecordKey(jobId: string): RecordKey {
  return { pk: `job#${jobId}`, sk: 'job' }
}

export function jobRenderKey(jobId: string, contentType: RenderedMeme['contentType']): string {
  return `${RENDER_PREFIX}${jobId}.${IMAGE_FORMATS[contentType].extension}`
}

/** Where a job is polled: the `Location` of `POST /api/jobs`. */
export function jobPath(jobId: string): string {
  return `/api/jobs/${jobId}`
}

/** When a job's record expires (ms since the epoch): counted from its creation. */
export function jobExpiresAt(job: Pick<JobRecord, 'createdAt'>): number {
  return Date.parse(job.createdAt) + JOB_KEPT_SECONDS * 1000
}

export function queuedJob(request: MemeRequest, now = new Date(), jobId = newJobId()): QueuedJob {
  const at = now.toISOString()
  return { version: 1, jobId, status: 'queued', request, createdAt: at, updatedAt: at }
}

/** The fields every step keeps; the step sets the rest (and drops a lease). */
export function nextStep(job: JobRecord, now: Date) {
  return {
    version: 1,
    jobId: job.jobId,
    request: job.request,
    createdAt: job.createdAt,
    updatedAt: now.toISOString(),
  } as const
}

export function doneJob(job: JobRecord, result: DoneJob['result'], now: Date): DoneJob {
  return { ...nextStep(job, now), status: 'done', result }
}

export function failedJob(job: JobRecord, error: JobError, now: Date): FailedJob {
  return { ...nextStep(job, now), status: 'failed', error }
}

/** What a client may learn of an error that failed a job: never more than an AppError says. */
export function jobFailure(error: unknown): JobError {
  return error instanceof AppError ? { code: error.code, message: error.message } : INTERNAL_FAILURE
}

/** The job as a client sees it at `now`: one left unfinished too long has failed. */
export function jobAsSeen(job: JobRecord, now = new Date()): JobRecord {
  const unfinished = job.status === 'queued' || job.status === 'running'
  const idleMs = now.getTime() - Date.parse(job.updatedAt)
  if (unfinished && idleMs > JOB_LOST_AFTER_SECONDS * 1000) {
    return { ...job, status: 'failed', error: LOST_FAILURE }
  }
  return job
}

function jobNotFound(cause?: unknown): AppError {
  return new AppError(404, 'JOB_NOT_FOUND', 'There is no job with that id', { cause })
}

/**
 * Whether a stored value is this job's record. Ours, but the key it names is what gets
 * presigned: it must be this job's image.
 */
export function isJobRecord(value: unknown, jobId: string): value is JobRecord {
  return (
    Value.Check(JobRecordSchema, value) &&
    value.jobId === jobId &&
    (value.status !== 'done' || value.result.key === jobRenderKey(jobId, value.result.meme_type))
  )
}

/**
 * The job's record, or undefined when there is none (never made, expired, removed after its
 * send failed). One that is not a job record is an error (500): the table is ours alone.
 */
export async function findJob(records: RecordStore, jobId: string): Promise<JobRecord | undefined> {
  const value = await records.get(jobRecordKey(jobId))
  if (value === undefined) return undefined
  if (!isJobRecord(value, jobId)) throw new Error(`the record of job ${jobId} is damaged`)
  return value
}

/** Reads a job's record. An id that is not one we could have issued never reaches the table. */
export async function readJob(records: RecordStore, jobId: string): Promise<JobRecord> {
  if (!isJobId(jobId)) throw jobNotFound()
  const job = await findJob(records, jobId)
  if (!job) throw jobNotFound()
  return job
}

/** Pino's shape, which Fastify's loggers have. */
export interface JobLog {
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

/**
 * Records a new job as queued and sends it to the `jobs` queue; it can be polled once this
 * returns. When the send fails (503), the record is removed again, so that no job the client
 * was never told of waits for a message that never comes.
 */
export async function acceptJob(
  records: RecordStore,
  queues: Queues,
  request: MemeRequest,
  log: JobLog,
  now = new Date(),
): Promise<JobCreated> {
  const job = queuedJob(request, now)
  const key = jobRecordKey(job.jobId)
  // 128 random bits do not collide; false here would mean the generator is broken.
  if (!(await records.create(key, job, { expiresAt: jobExpiresAt(job) }))) {
    throw new Error(`job id ${job.jobId} was taken`)
  }
  try {
    await queues.send('jobs', { jobId: job.jobId } satisfies JobMessage)
  } catch (error) {
    await records.delete(key).catch((deleteError: unknown) => {
      // The client gets a 503 and never learns the id; the record reads as JOB_LOST later.
      log.error({ err: deleteError, jobId: job.jobId }, 'job not sent, and its record not removed')
    })
    throw error
  }
  return { jobId: job.jobId, status: job.status }
}

/** The job for its client: status, and a presigned URL of the image once done. */
export async function describeJob(
  s3: S3Client,
  bucket: string,
  job: JobRecord,
  now = new Date(),
): Promise<Job> {
  const seen = jobAsSeen(job, now)
  const { jobId, status } = seen
  if (seen.status === 'failed') return { jobId, status, error: seen.error }
  if (seen.status !== 'done') return { jobId, status }
  const image = await presignGetObject(s3, bucket, seen.result.key, {
    expiresInSeconds: JOB_IMAGE_URL_SECONDS,
    now,
  })
  return {
    jobId,
    status,
    result: { url: image.url, meme_type: seen.result.meme_type, bytes: seen.result.bytes },
  }
}

/** Where today's version kept a job's record in the upload bucket. */
const S3_JOB_PREFIX = 'jobs/'
/** A record holds the request, itself at most 64 KiB; refuse to read anything much larger. */
const MAX_S3_RECORD_BYTES = 128 * 1024

/**
 * Copies the jobs that the version before the records table kept in S3 (`jobs/<jobId>.json`)
 * into the table, once: `records.create` never overwrites a record that is there (the job's
 * own, newer). A job queued or running there was run by a process that is gone, and no
 * message names it: it is copied as failed, JOB_LOST. Jobs past their 30 days and objects
 * that are not job records are left out (the latter logged). Resolves with the number of
 * records created; the objects stay, for the bucket's lifecycle rule to expire.
 */
export async function migrateJobsFromS3(
  s3: S3Client,
  bucket: string,
  records: RecordStore,
  log: JobLog,
  now = new Date(),
): Promise<number> {
  let created = 0
  for (const key of await listKeys(s3, bucket, S3_JOB_PREFIX)) {
    const jobId = key.slice(S3_JOB_PREFIX.length).replace(/\.json$/, '')
    if (!key.endsWith('.json') || !isJobId(jobId)) {
      log.warn({ key }, 'jobs migration: not a job record; left out')
      continue
    }
    let job: JobRecord
    try {
      job = await readJsonRecord(s3, bucket, key, {
        maxBytes: MAX_S3_RECORD_BYTES,
        notFound: jobNotFound,
        isRecord: (value): value is JobRecord => isJobRecord(value, jobId),
      })
    } catch (error) {
      // Deleted since the listing: nothing to copy. Unreachable storage: the caller's 503.
      if (error instanceof AppError && error.code === 'JOB_NOT_FOUND') continue
      if (error instanceof AppError) throw error
      log.warn({ err: error, key }, 'jobs migration: a damaged job record; left out')
      continue
    }
    const expiresAt = jobExpiresAt(job)
    if (!(expiresAt > now.getTime())) continue
    const migrated =
      job.status === 'queued' || job.status === 'running' ? failedJob(job, LOST_FAILURE, now) : job
    if (await records.create(jobRecordKey(jobId), migrated, { expiresAt })) created += 1
  }
  return created
}
