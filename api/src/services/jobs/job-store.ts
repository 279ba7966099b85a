import { randomBytes } from 'node:crypto'
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { IMAGE_FORMATS } from '@meme-studio/meme-core'
import type { Job, MemeRequest } from '@meme-studio/meme-core/schema'
import { Value } from 'typebox/value'
import { JobRecordSchema, type JobError, type JobRecord } from '../../schemas/records.ts'
import { AppError } from '../shared/app-error.ts'
import { readJsonRecord } from '../storage/json-records.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'
import type { RenderedMeme } from '../meme/meme-render.ts'
import { presignGetObject } from '../storage/presign.ts'

/**
 * A job is its record, `jobs/<jobId>.json`, rewritten at each step (queued, running, then
 * done or failed), and once done its image, `renders/<jobId>.<ext>`, written before the
 * record that names it, so a done job never points at nothing.
 *
 * Job ids are drawn as share ids are (128 random bits), so a job's image never lands on a
 * share's key; and a job never writes `renders/<id>.json`, a share's sidecar, so its image
 * is not a share: `/m/<jobId>` stays a 404. Nothing here deletes jobs; on AWS, lifecycle
 * rules on the prefixes expire them, as for shares.
 */
const JOB_PREFIX = 'jobs/'
const RENDER_PREFIX = 'renders/'

/** 128 random bits: ids cannot be guessed, so a job is seen only by who started it. */
const JOB_ID_BYTES = 16
/** base64url of 16 bytes, unpadded. Checked wherever an id comes in, before any S3 call. */
const JOB_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

/** How long the presigned URL of a done job's image works. */
export const JOB_IMAGE_URL_SECONDS = 60 * 60

/**
 * A job still queued or running this long after its last step never will finish: the
 * process running it stopped (a crash, a deploy, a Lambda frozen after its response).
 * Far longer than any render takes: S3 calls time out in seconds, the render queue is short.
 */
export const JOB_LOST_AFTER_SECONDS = 10 * 60

/** A fresh id for every job: the bytes under a key never change. */
const RENDER_CACHE_CONTROL = 'public, max-age=31536000, immutable'
/** A record holds the request, itself at most 64 KiB; refuse to read anything much larger. */
const MAX_RECORD_BYTES = 128 * 1024

type DoneJob = Extract<JobRecord, { status: 'done' }>
type FailedJob = Extract<JobRecord, { status: 'failed' }>
type QueuedJob = Extract<JobRecord, { status: 'queued' | 'running' }> & { status: 'queued' }

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

export function jobKey(jobId: string): string {
  return `${JOB_PREFIX}${jobId}.json`
}

export function jobRenderKey(jobId: string, contentType: RenderedMeme['contentType']): string {
  return `${RENDER_PREFIX}${jobId}.${IMAGE_FORMATS[contentType].extension}`
}

/** Where a job is polled: the `Location` of `POST /api/jobs`. */
export function jobPath(jobId: string): string {
  return `/api/jobs/${jobId}`
}

export function queuedJob(request: MemeRequest, now = new Date(), jobId = newJobId()): QueuedJob {
  const at = now.toISOString()
  return { version: 1, jobId, status: 'queued', request, createdAt: at, updatedAt: at }
}

/** The fields every step keeps; the step sets the rest. */
function nextStep(job: JobRecord, now: Date) {
  return {
    version: 1,
    jobId: job.jobId,
    request: job.request,
    createdAt: job.createdAt,
    updatedAt: now.toISOString(),
  } as const
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

async function putJob(s3: S3Client, bucket: string, job: JobRecord): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: jobKey(job.jobId),
        Body: JSON.stringify(job),
        ContentType: 'application/json',
        ServerSideEncryption: 'AES256',
      }),
    )
  } catch (error) {
    throw storageUnavailable(error)
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

/** Records a new job as queued; it exists, and can be polled, once this returns. */
export async function createJob(
  s3: S3Client,
  bucket: string,
  request: MemeRequest,
  now = new Date(),
): Promise<QueuedJob> {
  const job = queuedJob(request, now)
  await putJob(s3, bucket, job)
  return job
}

/** Reads a job's record. An id that is not one we could have issued never reaches S3. */
export function readJob(s3: S3Client, bucket: string, jobId: string): Promise<JobRecord> {
  if (!isJobId(jobId)) return Promise.reject(jobNotFound())
  return readJsonRecord(s3, bucket, jobKey(jobId), {
    maxBytes: MAX_RECORD_BYTES,
    notFound: jobNotFound,
    // Our own object, but the key it names is what gets presigned: it must be this job's.
    isRecord: (job): job is JobRecord =>
      Value.Check(JobRecordSchema, job) &&
      job.jobId === jobId &&
      (job.status !== 'done' || job.result.key === jobRenderKey(jobId, job.result.meme_type)),
  })
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

/** Pino's shape, which Fastify's loggers have. */
export interface JobLog {
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

export interface JobRunOptions {
  /** Renders the job's request: the app's `makeMeme`. */
  render: (request: MemeRequest) => Promise<RenderedMeme>
  log: JobLog
  now?: () => Date
}

/**
 * Runs a queued job to its end, recording each step, and returns the last record it wrote
 * (or tried to). Never throws: a failure is the job's outcome, recorded as `failed` with
 * the AppError's code and message, or INTERNAL, logged, for anything else.
 */
export async function runJob(
  s3: S3Client,
  bucket: string,
  job: QueuedJob,
  { render, log, now = () => new Date() }: JobRunOptions,
): Promise<JobRecord> {
  const { jobId } = job
  let imageKey: string | undefined
  try {
    const running: JobRecord = { ...nextStep(job, now()), status: 'running' }
    await putJob(s3, bucket, running)
    const meme = await render(job.request)
    imageKey = jobRenderKey(jobId, meme.contentType)
    await putImage(s3, bucket, imageKey, meme)
    const done: DoneJob = {
      ...nextStep(running, now()),
      status: 'done',
      result: {
        key: imageKey,
        meme_type: meme.contentType,
        bytes: meme.bytes.length,
        width: meme.width,
        height: meme.height,
      },
    }
    await putJob(s3, bucket, done)
    return done
  } catch (error) {
    if (!(error instanceof AppError)) log.error({ err: error, jobId }, 'job failed')
    else if (error.statusCode >= 500) log.warn({ err: error.cause ?? error, jobId }, error.message)
    if (imageKey) {
      // No done record will name the image: remove it now, not at expiry.
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: imageKey })).catch(() => {})
    }
    const failed: FailedJob = {
      ...nextStep(job, now()),
      status: 'failed',
      error: jobFailure(error),
    }
    try {
      await putJob(s3, bucket, failed)
    } catch (writeError) {
      // The record stays queued or running; readers see it fail once JOB_LOST_AFTER_SECONDS pass.
      log.error({ err: writeError, jobId }, 'job failed and its record could not be updated')
    }
    return failed
  }
}
