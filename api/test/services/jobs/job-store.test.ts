import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import type { MemeRequest } from '@meme-studio/meme-core/schema'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AppConfig } from '../../../src/config.ts'
import { AppError } from '../../../src/services/shared/app-error.ts'
import {
  createJob,
  describeJob,
  isJobId,
  JOB_IMAGE_URL_SECONDS,
  JOB_LOST_AFTER_SECONDS,
  jobAsSeen,
  jobFailure,
  jobKey,
  jobPath,
  jobRenderKey,
  newJobId,
  queuedJob,
  readJob,
  runJob,
} from '../../../src/services/jobs/job-store.ts'
import type { JobRecord } from '../../../src/schemas/records.ts'
import type { RenderedMeme } from '../../../src/services/meme/meme-render.ts'
import { BusyError } from '../../../src/services/meme/render-limiter.ts'
import { makePicture } from '../../support/pictures.ts'
import { startFakeS3, startTestS3, testConfig, testS3Client } from '../../support/test-app.ts'

const ID = 'AbC_-09xYzAbC_-09xYzAb'
const REQUEST: MemeRequest = {
  image: 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png',
  captions: [{ text: 'Top text', x: 0.5, y: 0.15 }],
}
const CREATED = new Date('2030-01-01T12:00:00.000Z')

function later(seconds: number): Date {
  return new Date(CREATED.getTime() + seconds * 1000)
}

function quietLog() {
  return { warn: vi.fn(), error: vi.fn() }
}

describe('job ids and keys', () => {
  it('are 22 base64url characters, fresh each time', () => {
    const ids = Array.from({ length: 50 }, newJobId)
    for (const id of ids) expect(isJobId(id)).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it.each([
    ['../x', false],
    ['a'.repeat(21), false],
    ['a'.repeat(23), false],
    [`${'a'.repeat(21)}.`, false],
    [`${'a'.repeat(21)}/`, false],
    [`${'a'.repeat(21)}=`, false],
    [`${'a'.repeat(21)}\n`, false],
    ['', false],
    [ID, true],
  ])('isJobId(%j) is %s', (value, expected) => {
    expect(isJobId(value)).toBe(expected)
  })

  it('keep the record under jobs/ and the image under renders/, where no sidecar is', () => {
    expect(jobKey(ID)).toBe(`jobs/${ID}.json`)
    expect(jobRenderKey(ID, 'image/jpeg')).toBe(`renders/${ID}.jpg`)
    expect(jobRenderKey(ID, 'image/png')).toBe(`renders/${ID}.png`)
    expect(jobRenderKey(ID, 'image/webp')).toBe(`renders/${ID}.webp`)
    expect(jobPath(ID)).toBe(`/api/jobs/${ID}`)
  })
})

describe('queuedJob', () => {
  it('records the request, queued, created and updated now', () => {
    expect(queuedJob(REQUEST, CREATED, ID)).toEqual({
      version: 1,
      jobId: ID,
      status: 'queued',
      request: REQUEST,
      createdAt: '2030-01-01T12:00:00.000Z',
      updatedAt: '2030-01-01T12:00:00.000Z',
    })
  })
})

describe('jobFailure', () => {
  it("keeps an AppError's code and message", () => {
    const error = new AppError(404, 'IMAGE_NOT_FOUND', 'That upload does not exist or has expired')
    expect(jobFailure(error)).toEqual({
      code: 'IMAGE_NOT_FOUND',
      message: 'That upload does not exist or has expired',
    })
  })

  it('keeps BUSY, which says to try again', () => {
    expect(jobFailure(new BusyError(2))).toMatchObject({ code: 'BUSY' })
  })

  it('says nothing of any other error', () => {
    const error = new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2')
    expect(jobFailure(error)).toEqual({
      code: 'INTERNAL',
      message: 'Something went wrong on our side',
    })
  })
})

describe('jobAsSeen', () => {
  const queued = queuedJob(REQUEST, CREATED, ID)

  it.each(['queued', 'running'] as const)(
    'shows a job %s too long after its last step as failed, JOB_LOST',
    (status) => {
      const job: JobRecord = { ...queued, status }
      expect(jobAsSeen(job, later(JOB_LOST_AFTER_SECONDS - 1))).toBe(job)
      expect(jobAsSeen(job, later(JOB_LOST_AFTER_SECONDS + 1))).toEqual({
        ...job,
        status: 'failed',
        error: {
          code: 'JOB_LOST',
          message: 'The job stopped before it finished; submit it again',
        },
      })
      expect(JOB_LOST_AFTER_SECONDS).toBe(600)
    },
  )

  it('leaves finished jobs as they are, however old', () => {
    const failed: JobRecord = {
      ...queued,
      status: 'failed',
      error: { code: 'IMAGE_NOT_FOUND', message: 'gone' },
    }
    expect(jobAsSeen(failed, later(86_400))).toBe(failed)
  })
})

describe('describeJob', () => {
  // Presigning is local: nothing listens at this endpoint.
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  const queued = queuedJob(REQUEST, CREATED, ID)

  it('gives a done job a URL of its image for an hour, its type and size', async () => {
    const done: JobRecord = {
      ...queued,
      status: 'done',
      result: {
        key: `renders/${ID}.png`,
        meme_type: 'image/png',
        bytes: 1234,
        width: 10,
        height: 20,
      },
    }
    const view = await describeJob(s3, 'bucket', done, later(5))
    expect(view).toEqual({
      jobId: ID,
      status: 'done',
      result: { url: expect.any(String), meme_type: 'image/png', bytes: 1234 },
    })
    const url = new URL(view.result!.url)
    expect(url.origin).toBe('http://127.0.0.1:9')
    expect(url.pathname).toBe(`/bucket/renders/${ID}.png`)
    expect(url.searchParams.get('X-Amz-Date')).toBe('20300101T120005Z')
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(JOB_IMAGE_URL_SECONDS))
    expect(JOB_IMAGE_URL_SECONDS).toBe(3600)
  })

  it('gives a failed job its error and nothing else', async () => {
    const error = { code: 'IMAGE_NOT_FOUND', message: 'gone' }
    const failed: JobRecord = { ...queued, status: 'failed', error }
    expect(await describeJob(s3, 'bucket', failed, later(5))).toEqual({
      jobId: ID,
      status: 'failed',
      error,
    })
  })

  it('gives an unfinished job its status alone, until it is lost', async () => {
    expect(await describeJob(s3, 'bucket', queued, later(5))).toEqual({
      jobId: ID,
      status: 'queued',
    })
    expect(await describeJob(s3, 'bucket', queued, later(JOB_LOST_AFTER_SECONDS + 1))).toEqual({
      jobId: ID,
      status: 'failed',
      error: { code: 'JOB_LOST', message: expect.any(String) },
    })
  })
})

describe('with S3', () => {
  let s3: Awaited<ReturnType<typeof startTestS3>>
  let config: AppConfig
  let storage: S3Client

  beforeAll(async () => {
    s3 = await startTestS3()
    config = testConfig(s3.endpoint)
    storage = testS3Client(config)
  })
  afterAll(async () => {
    storage.destroy()
    await s3.close()
  })

  async function readRecord(jobId: string) {
    const object = await storage.send(
      new GetObjectCommand({ Bucket: config.uploadBucket, Key: jobKey(jobId) }),
    )
    return JSON.parse(await object.Body!.transformToString('utf-8'))
  }

  async function keysUnder(prefix: string): Promise<string[]> {
    const listed = await storage.send(
      new ListObjectsV2Command({ Bucket: config.uploadBucket, Prefix: prefix }),
    )
    return (listed.Contents ?? []).map((object) => object.Key ?? '')
  }

  async function rendered(): Promise<RenderedMeme> {
    return {
      bytes: await makePicture('png', 40, 30),
      contentType: 'image/png',
      width: 40,
      height: 30,
    }
  }

  it('createJob writes the queued record, which readJob reads back', async () => {
    const job = await createJob(storage, config.uploadBucket, REQUEST, CREATED)
    expect(await readRecord(job.jobId)).toEqual(job)
    expect(await readJob(storage, config.uploadBucket, job.jobId)).toEqual(job)
  })

  it('runJob renders, stores the image, then records the job done', async () => {
    const job = await createJob(storage, config.uploadBucket, REQUEST, CREATED)
    const meme = await rendered()
    const render = vi.fn(async () => meme)
    const log = quietLog()
    const done = await runJob(storage, config.uploadBucket, job, {
      render,
      log,
      now: () => later(1),
    })

    expect(render).toHaveBeenCalledWith(REQUEST)
    const expected = {
      ...job,
      status: 'done',
      updatedAt: later(1).toISOString(),
      result: {
        key: `renders/${job.jobId}.png`,
        meme_type: 'image/png',
        bytes: meme.bytes.length,
        width: 40,
        height: 30,
      },
    }
    expect(done).toEqual(expected)
    expect(await readRecord(job.jobId)).toEqual(expected)
    const image = await storage.send(
      new GetObjectCommand({ Bucket: config.uploadBucket, Key: `renders/${job.jobId}.png` }),
    )
    expect(image.ContentType).toBe('image/png')
    expect(Buffer.from(await image.Body!.transformToByteArray()).equals(meme.bytes)).toBe(true)
    expect(log.error).not.toHaveBeenCalled()
  })

  it('runJob records a refused render as failed with its code, and stores no image', async () => {
    const job = await createJob(storage, config.uploadBucket, REQUEST, CREATED)
    const log = quietLog()
    const failed = await runJob(storage, config.uploadBucket, job, {
      render: async () => {
        throw new AppError(422, 'TEXT_DOES_NOT_FIT', 'The captions do not fit the picture')
      },
      log,
    })
    const error = { code: 'TEXT_DOES_NOT_FIT', message: 'The captions do not fit the picture' }
    expect(failed).toMatchObject({ status: 'failed', error })
    expect(await readRecord(job.jobId)).toMatchObject({ status: 'failed', error })
    expect(await keysUnder(`renders/${job.jobId}`)).toEqual([])
    // A client's mistake is not the server's: nothing to log.
    expect(log.error).not.toHaveBeenCalled()
    expect(log.warn).not.toHaveBeenCalled()
  })

  it('runJob records an unexpected error as INTERNAL, logged but not told', async () => {
    const job = await createJob(storage, config.uploadBucket, REQUEST, CREATED)
    const log = quietLog()
    const bug = new Error('cannot read secret /etc/app/credentials')
    const failed = await runJob(storage, config.uploadBucket, job, {
      render: async () => {
        throw bug
      },
      log,
    })
    const record = await readRecord(job.jobId)
    expect(record).toEqual({
      ...job,
      status: 'failed',
      updatedAt: expect.any(String),
      error: { code: 'INTERNAL', message: 'Something went wrong on our side' },
    })
    expect(failed).toEqual(record)
    expect(JSON.stringify(record)).not.toContain('secret')
    expect(log.error).toHaveBeenCalledWith({ err: bug, jobId: job.jobId }, 'job failed')
  })

  it('readJob refuses a record whose image is not its own', async () => {
    const job = await createJob(storage, config.uploadBucket, REQUEST, CREATED)
    const log = quietLog()
    await runJob(storage, config.uploadBucket, job, { render: rendered, log })
    // Another job's record copied under this id: its result names another job's image.
    const other = await createJob(storage, config.uploadBucket, REQUEST, CREATED)
    const record = await readRecord(job.jobId)
    await storage.send(
      new PutObjectCommand({
        Bucket: config.uploadBucket,
        Key: jobKey(other.jobId),
        Body: JSON.stringify({ ...record, jobId: other.jobId }),
      }),
    )
    await expect(readJob(storage, config.uploadBucket, other.jobId)).rejects.toThrow(
      'is not a valid record',
    )
  })

  it('readJob answers JOB_NOT_FOUND for a missing record', async () => {
    await expect(readJob(storage, config.uploadBucket, newJobId())).rejects.toMatchObject({
      statusCode: 404,
      code: 'JOB_NOT_FOUND',
    })
  })
})

describe('runJob when S3 fails after the image is stored', () => {
  it('removes the image and logs that the record could not be updated', async () => {
    let imageStored = false
    const fake = await startFakeS3((req) => {
      const path = req.url ?? ''
      if (req.method === 'PUT' && path.includes('/renders/')) imageStored = true
      if (req.method === 'PUT' && path.includes('/jobs/') && imageStored) return { status: 503 }
      return { status: req.method === 'DELETE' ? 204 : 200 }
    })
    const config = testConfig(fake.endpoint)
    const storage = testS3Client(config)
    const log = quietLog()
    try {
      const job = queuedJob(REQUEST, CREATED)
      const meme: RenderedMeme = {
        bytes: await makePicture('jpeg', 20, 20),
        contentType: 'image/jpeg',
        width: 20,
        height: 20,
      }
      const result = await runJob(storage, config.uploadBucket, job, {
        render: async () => meme,
        log,
      })

      expect(result).toMatchObject({
        status: 'failed',
        error: { code: 'STORAGE_UNAVAILABLE', message: 'The storage service is not reachable' },
      })
      const bucket = `/${config.uploadBucket}`
      const calls = fake.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`)
      expect(calls).toContain(`PUT ${bucket}/renders/${job.jobId}.jpg`)
      expect(calls).toContain(`DELETE ${bucket}/renders/${job.jobId}.jpg`)
      // The image is removed before the job is recorded failed.
      const failedTry = calls.lastIndexOf(`PUT ${bucket}/jobs/${job.jobId}.json`)
      expect(calls.indexOf(`DELETE ${bucket}/renders/${job.jobId}.jpg`)).toBeLessThan(failedTry)
      expect(log.warn).toHaveBeenCalled()
      expect(log.error).toHaveBeenCalledWith(
        expect.objectContaining({ jobId: job.jobId }),
        'job failed and its record could not be updated',
      )
    } finally {
      storage.destroy()
      await fake.close()
    }
  })
})
