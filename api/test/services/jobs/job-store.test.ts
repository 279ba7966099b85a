import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { setTimeout as sleep } from 'node:timers/promises'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import type { MemeRequest } from '@meme-studio/meme-core/schema'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AppConfig } from '../../../src/config.ts'
import { createRecordStore } from '../../../src/plugins/app/records.ts'
import { AppError } from '../../../src/services/shared/app-error.ts'
import { storageUnavailable } from '../../../src/services/storage/s3-errors.ts'
import {
  acceptJob,
  describeJob,
  isJobId,
  JOB_IMAGE_URL_SECONDS,
  JOB_KEPT_SECONDS,
  JOB_LOST_AFTER_SECONDS,
  jobAsSeen,
  jobFailure,
  jobPath,
  jobRecordKey,
  jobRenderKey,
  migrateJobsFromS3,
  newJobId,
  queuedJob,
  readJob,
} from '../../../src/services/jobs/job-store.ts'
import { jobIdOfMessage, jobWorker } from '../../../src/services/jobs/job-worker.ts'
import type { Queues } from '../../../src/services/queue/types.ts'
import type { RecordStore } from '../../../src/services/records/record-store.ts'
import { RECORDS_TTL_ATTRIBUTE } from '../../../src/services/records/records-table.ts'
import type { JobRecord } from '../../../src/schemas/records.ts'
import type { RenderedMeme } from '../../../src/services/meme/meme-render.ts'
import { BusyError } from '../../../src/services/meme/render-limiter.ts'
import { makePicture } from '../../support/pictures.ts'
import { ensureTestTable, startTestS3, testConfig, testS3Client } from '../../support/test-app.ts'

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

  it('keep the record as job#<id> and the image under renders/, where no sidecar is', () => {
    expect(jobRecordKey(ID)).toEqual({ pk: `job#${ID}`, sk: 'job' })
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

describe('with the records table and S3', () => {
  let s3: Awaited<ReturnType<typeof startTestS3>>
  let config: AppConfig
  let storage: S3Client
  let records: RecordStore

  beforeAll(async () => {
    s3 = await startTestS3()
    config = testConfig(s3.endpoint)
    await ensureTestTable(config)
    storage = testS3Client(config)
    records = createRecordStore(config.dynamodb, config.recordsTable)
  })
  afterAll(async () => {
    records.doc.destroy()
    storage.destroy()
    await s3.close()
  })

  /** A queue that keeps what it is sent, or refuses it. */
  function queuesKeeping(sent: unknown[], refuse = false): Queues {
    return {
      send: async (queue, message) => {
        sent.push({ queue, message })
        if (refuse) throw storageUnavailable(new Error('SQS is down'))
      },
      work: () => {},
      idle: async () => {},
    }
  }

  async function readRecord(jobId: string) {
    return records.get(jobRecordKey(jobId))
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

  async function accepted(): Promise<string> {
    const { jobId } = await acceptJob(records, queuesKeeping([]), REQUEST, quietLog())
    return jobId
  }

  function worker(
    render: (request: MemeRequest) => Promise<RenderedMeme>,
    options: { log?: ReturnType<typeof quietLog>; now?: () => Date; leaseSeconds?: number } = {},
  ) {
    return jobWorker({
      records,
      s3: storage,
      bucket: config.uploadBucket,
      render,
      log: options.log ?? quietLog(),
      leaseSeconds: options.leaseSeconds ?? 60,
      maxReceives: 3,
      now: options.now,
    })
  }

  const delivery = (jobId: string, receiveCount = 1) => ({
    messageId: `m-${receiveCount}`,
    message: { jobId },
    receiveCount,
  })

  it('acceptJob records the job queued, kept 30 days, and sends its id to the jobs queue', async () => {
    const sent: unknown[] = []
    const before = Date.now()
    const created = await acceptJob(records, queuesKeeping(sent), REQUEST, quietLog())
    expect(created).toEqual({ jobId: expect.any(String), status: 'queued' })
    expect(isJobId(created.jobId)).toBe(true)
    expect(sent).toEqual([{ queue: 'jobs', message: { jobId: created.jobId } }])
    const record = await readRecord(created.jobId)
    expect(record).toEqual({
      version: 1,
      jobId: created.jobId,
      status: 'queued',
      request: REQUEST,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    })
    expect(await readJob(records, created.jobId)).toEqual(record)
    const { Item } = await records.doc.send(
      new GetCommand({ TableName: records.table, Key: jobRecordKey(created.jobId) }),
    )
    const expiresAt = Item?.[RECORDS_TTL_ATTRIBUTE] as number
    expect(expiresAt * 1000).toBeGreaterThanOrEqual(before + JOB_KEPT_SECONDS * 1000 - 1000)
    expect(expiresAt * 1000).toBeLessThanOrEqual(Date.now() + JOB_KEPT_SECONDS * 1000 + 1000)
    expect(JOB_KEPT_SECONDS).toBe(30 * 24 * 3600)
  })

  it('acceptJob removes the record again when the queue refuses the job, and rejects 503', async () => {
    const refused: unknown[] = []
    const log = quietLog()
    await expect(
      acceptJob(records, queuesKeeping(refused, true), REQUEST, log),
    ).rejects.toMatchObject({
      statusCode: 503,
      code: 'STORAGE_UNAVAILABLE',
    })
    expect(refused).toEqual([{ queue: 'jobs', message: { jobId: expect.any(String) } }])
    const { jobId } = (refused[0] as { message: { jobId: string } }).message
    const { Item } = await records.doc.send(
      new GetCommand({ TableName: records.table, Key: jobRecordKey(jobId) }),
    )
    expect(Item).toBeUndefined()
    expect(log.error).not.toHaveBeenCalled()
  })

  it('readJob answers JOB_NOT_FOUND for a missing record and for an id it never issues', async () => {
    for (const jobId of [newJobId(), '../jobs', `${ID}#job`]) {
      await expect(readJob(records, jobId)).rejects.toMatchObject({
        statusCode: 404,
        code: 'JOB_NOT_FOUND',
      })
    }
  })

  it('readJob refuses a record whose image is not its own', async () => {
    const jobId = await accepted()
    const other = newJobId()
    await records.put(jobRecordKey(jobId), {
      ...queuedJob(REQUEST, CREATED, jobId),
      status: 'done',
      result: {
        key: `renders/${other}.png`,
        meme_type: 'image/png',
        bytes: 10,
        width: 1,
        height: 1,
      },
    })
    await expect(readJob(records, jobId)).rejects.toThrow('is damaged')
  })

  it('the worker renders, stores the image, then records the job done', async () => {
    const jobId = await accepted()
    const meme = await rendered()
    const render = vi.fn(async () => meme)
    const log = quietLog()
    await worker(render, { log })(delivery(jobId))

    expect(render).toHaveBeenCalledWith(REQUEST)
    expect(await readRecord(jobId)).toEqual({
      version: 1,
      jobId,
      status: 'done',
      request: REQUEST,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      result: {
        key: `renders/${jobId}.png`,
        meme_type: 'image/png',
        bytes: meme.bytes.length,
        width: 40,
        height: 30,
      },
    })
    const image = await storage.send(
      new GetObjectCommand({ Bucket: config.uploadBucket, Key: `renders/${jobId}.png` }),
    )
    expect(image.ContentType).toBe('image/png')
    expect(Buffer.from(await image.Body!.transformToByteArray()).equals(meme.bytes)).toBe(true)
    expect(log.error).not.toHaveBeenCalled()
  })

  it('renders a job once, however often its message comes', async () => {
    const jobId = await accepted()
    const render = vi.fn(rendered)
    const work = worker(render)
    await work(delivery(jobId, 1))
    await work(delivery(jobId, 2))
    await Promise.all([work(delivery(jobId, 3)), work(delivery(jobId, 3))])
    expect(render).toHaveBeenCalledTimes(1)
    expect(await readRecord(jobId)).toMatchObject({ status: 'done' })
  })

  it('of two workers given the same job at once, one renders it and the other leaves it', async () => {
    const jobId = await accepted()
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const render = vi.fn(async () => {
      await held
      return rendered()
    })
    const work = worker(render)
    const first = work(delivery(jobId))
    // The first has the lease once the record says running.
    while ((await readRecord(jobId))?.status !== 'running') await sleep(5)
    await expect(work(delivery(jobId, 2))).rejects.toThrow("under another worker's lease")
    release()
    await first
    expect(render).toHaveBeenCalledTimes(1)
    expect(await readRecord(jobId)).toMatchObject({ status: 'done' })
  })

  it('takes over a job whose worker died once its lease has run out', async () => {
    const jobId = await accepted()
    const job = (await readRecord(jobId)) as JobRecord
    const past = new Date(Date.now() - 1000).toISOString()
    await records.put(jobRecordKey(jobId), {
      ...job,
      status: 'running',
      leaseOwner: 'a worker that died',
      leaseUntil: past,
    })
    const render = vi.fn(rendered)
    await worker(render)(delivery(jobId, 2))
    expect(render).toHaveBeenCalledTimes(1)
    expect(await readRecord(jobId)).toMatchObject({ status: 'done' })
    expect(await readRecord(jobId)).not.toHaveProperty('leaseOwner')
  })

  it('records a refused render as failed with its code, and stores no image', async () => {
    const jobId = await accepted()
    const log = quietLog()
    await worker(
      async () => {
        throw new AppError(422, 'TEXT_DOES_NOT_FIT', 'The captions do not fit the picture')
      },
      { log },
    )(delivery(jobId))
    const error = { code: 'TEXT_DOES_NOT_FIT', message: 'The captions do not fit the picture' }
    expect(await readRecord(jobId)).toMatchObject({ status: 'failed', error })
    expect(await keysUnder(`renders/${jobId}`)).toEqual([])
    // A client's mistake is not the server's: nothing to log.
    expect(log.error).not.toHaveBeenCalled()
    expect(log.warn).not.toHaveBeenCalled()
  })

  it('records an unexpected error as INTERNAL, logged but not told', async () => {
    const jobId = await accepted()
    const log = quietLog()
    const bug = new Error('cannot read secret /etc/app/credentials')
    await worker(
      async () => {
        throw bug
      },
      { log },
    )(delivery(jobId))
    const record = await readRecord(jobId)
    expect(record).toMatchObject({
      status: 'failed',
      error: { code: 'INTERNAL', message: 'Something went wrong on our side' },
    })
    expect(JSON.stringify(record)).not.toContain('secret')
    expect(log.error).toHaveBeenCalledWith({ err: bug, jobId }, 'job failed')
  })

  it('throws a transient failure back to the queue, and records it on the last try', async () => {
    const jobId = await accepted()
    const render = vi.fn(async (): Promise<RenderedMeme> => {
      throw new BusyError(2)
    })
    const work = worker(render)
    await expect(work(delivery(jobId, 1))).rejects.toMatchObject({ code: 'BUSY' })
    // Released: the next receive takes it at once, not after the lease.
    expect(await readRecord(jobId)).toMatchObject({ status: 'running' })
    await expect(work(delivery(jobId, 2))).rejects.toMatchObject({ code: 'BUSY' })
    await work(delivery(jobId, 3))
    expect(render).toHaveBeenCalledTimes(3)
    expect(await readRecord(jobId)).toMatchObject({ status: 'failed', error: { code: 'BUSY' } })
  })

  it('fails a job found long after its last step as JOB_LOST, without rendering it', async () => {
    const jobId = await accepted()
    const render = vi.fn(rendered)
    const afterLost = () => new Date(Date.now() + (JOB_LOST_AFTER_SECONDS + 5) * 1000)
    await worker(render, { now: afterLost })(delivery(jobId))
    expect(render).not.toHaveBeenCalled()
    expect(await readRecord(jobId)).toMatchObject({
      status: 'failed',
      error: { code: 'JOB_LOST' },
    })
  })

  it.each([
    ['not an object', 'AbC_-09xYzAbC_-09xYzAb'],
    ['null', null],
    ['an array', [ID]],
    ['no jobId', {}],
    ['a jobId that is no id', { jobId: '../../etc/passwd' }],
    ['a number', { jobId: 42 }],
    ['another property', { jobId: ID, bucket: 'elsewhere' }],
  ])('drops a message with %s, logged, without touching the table', async (_case, message) => {
    const log = quietLog()
    const render = vi.fn(rendered)
    await worker(render, { log })({ messageId: 'hostile', message, receiveCount: 1 })
    expect(render).not.toHaveBeenCalled()
    expect(log.error).toHaveBeenCalledWith(
      { messageId: 'hostile', receiveCount: 1 },
      'jobs queue: a message that names no job; dropped',
    )
    expect(jobIdOfMessage(message)).toBeUndefined()
  })

  it('drops a message for a job that is not there (expired, or never sent)', async () => {
    const log = quietLog()
    const render = vi.fn(rendered)
    await worker(render, { log })(delivery(newJobId()))
    expect(render).not.toHaveBeenCalled()
    expect(log.warn).toHaveBeenCalled()
  })

  describe('migrateJobsFromS3', () => {
    async function putS3Job(key: string, body: unknown) {
      await storage.send(
        new PutObjectCommand({
          Bucket: config.uploadBucket,
          Key: key,
          Body: typeof body === 'string' ? body : JSON.stringify(body),
          ContentType: 'application/json',
        }),
      )
    }

    it('copies done and failed jobs, fails unfinished ones as JOB_LOST, overwrites nothing', async () => {
      const now = new Date()
      const recent = new Date(now.getTime() - 3600_000)
      const ids = Array.from({ length: 6 }, newJobId)
      const [doneId, failedId, queuedId, runningId, newerId, oldId] = ids as [
        string,
        string,
        string,
        string,
        string,
        string,
      ]
      const base = (jobId: string, at = recent) => queuedJob(REQUEST, at, jobId)
      const done: JobRecord = {
        ...base(doneId),
        status: 'done',
        result: {
          key: `renders/${doneId}.jpg`,
          meme_type: 'image/jpeg',
          bytes: 9,
          width: 3,
          height: 3,
        },
      }
      const failed: JobRecord = {
        ...base(failedId),
        status: 'failed',
        error: { code: 'IMAGE_NOT_FOUND', message: 'gone' },
      }
      await putS3Job(`jobs/${doneId}.json`, done)
      await putS3Job(`jobs/${failedId}.json`, failed)
      await putS3Job(`jobs/${queuedId}.json`, base(queuedId))
      await putS3Job(`jobs/${runningId}.json`, { ...base(runningId), status: 'running' })
      // Already in the table, newer than S3's copy: kept as it is.
      await putS3Job(`jobs/${newerId}.json`, base(newerId))
      const newer = {
        ...done,
        jobId: newerId,
        result: { ...done.result, key: `renders/${newerId}.jpg` },
      }
      await records.create(jobRecordKey(newerId), newer)
      // Past the 30 days jobs are kept.
      await putS3Job(`jobs/${oldId}.json`, base(oldId, new Date(now.getTime() - 31 * 86_400_000)))
      // Not job records.
      await putS3Job(`jobs/${newJobId()}.json`, '{"torn":')
      await putS3Job(`jobs/${newJobId()}.json`, { ...base(ID), jobId: ID })
      await putS3Job('jobs/notes.txt', 'hello')
      const log = quietLog()

      expect(await migrateJobsFromS3(storage, config.uploadBucket, records, log, now)).toBe(4)

      expect(await readRecord(doneId)).toEqual(done)
      expect(await readRecord(failedId)).toEqual(failed)
      for (const jobId of [queuedId, runningId]) {
        expect(await readRecord(jobId)).toEqual({
          ...base(jobId),
          status: 'failed',
          updatedAt: now.toISOString(),
          error: {
            code: 'JOB_LOST',
            message: 'The job stopped before it finished; submit it again',
          },
        })
      }
      expect(await readRecord(newerId)).toEqual(newer)
      expect(await readRecord(oldId)).toBeUndefined()
      expect(log.warn).toHaveBeenCalledTimes(3)
      // A second run finds them all there.
      expect(await migrateJobsFromS3(storage, config.uploadBucket, records, quietLog(), now)).toBe(
        0,
      )
    })
  })
})
