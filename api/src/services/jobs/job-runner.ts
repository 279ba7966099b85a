import type { S3Client } from '@aws-sdk/client-s3'
import type { Job, JobCreated, MemeRequest } from '@meme-studio/meme-core/schema'
import type { RenderedMeme } from '../meme/meme-render.ts'
import { createJob, describeJob, readJob, runJob, type JobLog } from './job-store.ts'

/**
 * Jobs accepted by this process: recorded, answered, then rendered here. That holds for the
 * local server; on Lambda the environment is frozen once the answer is returned, so a job may
 * only move on at the next invocation or not at all (GET then reports it JOB_LOST).
 */
export class JobRunner {
  /** Jobs started here and not finished, by id: `settled()` waits for them. */
  readonly #inFlight = new Map<string, Promise<unknown>>()

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly render: (request: MemeRequest) => Promise<RenderedMeme>,
  ) {}

  /** Records the job as queued and starts it; resolves once it is recorded. */
  async start(request: MemeRequest, log: JobLog): Promise<JobCreated> {
    const job = await createJob(this.s3, this.bucket, request)
    const run = runJob(this.s3, this.bucket, job, { render: this.render, log }).finally(() =>
      this.#inFlight.delete(job.jobId),
    )
    this.#inFlight.set(job.jobId, run)
    return { jobId: job.jobId, status: job.status }
  }

  /** A job as `GET /api/jobs/{jobId}` shows it. */
  async status(jobId: string): Promise<Job> {
    return describeJob(this.s3, this.bucket, await readJob(this.s3, this.bucket, jobId))
  }

  /** Waits for every job started here (when the app closes). */
  async settled(): Promise<void> {
    await Promise.all(this.#inFlight.values())
  }
}
