import { setTimeout as sleep } from 'node:timers/promises'
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { imageSize } from 'image-size'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startS3Proxy } from '../support/s3-proxy.ts'
import { uploadPicture } from '../support/signed-upload.ts'
import type { JobRecord } from '../../src/schemas/records.ts'
import { jobRecordKey } from '../../src/services/jobs/job-store.ts'
import {
  buildApp,
  closedPort,
  startFakeS3,
  startTestS3,
  testConfig,
  testS3Client,
} from '../support/test-app.ts'

const BUCKET = 'meme-studio-uploads'
const API_KEY = 'jobs-test-key-0123456789abcdef'
/** Every request carries the key; the usage plan is set wide so polling is never throttled. */
const ENV = { ADMIN_API_KEYS: API_KEY, USAGE_RATE: '10000', USAGE_BURST: '10000' }
const ID = /^[A-Za-z0-9_-]{22}$/
const WELL_FORMED_ID = 'AbC_-09xYzAbC_-09xYzAb'
const MISSING_UPLOAD = 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png'
const CAPTIONS = [
  { text: 'Top text', x: 0.5, y: 0.15 },
  { text: 'Bottom text', x: 0.5, y: 0.85 },
]

let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance
let storage: ReturnType<typeof testS3Client>

beforeAll(async () => {
  s3 = await startTestS3()
  app = await buildApp(testConfig(s3.endpoint, ENV))
  storage = testS3Client(testConfig(s3.endpoint))
})
afterAll(async () => {
  storage.destroy()
  await app.close()
  await s3.close()
})

function call(target: FastifyInstance, options: InjectOptions) {
  return target.inject({ ...options, headers: { 'x-api-key': API_KEY, ...options.headers } })
}

function startJob(target: FastifyInstance, payload: unknown) {
  return call(target, { method: 'POST', url: '/api/jobs', payload: payload as object })
}

function getJob(target: FastifyInstance, jobId: string) {
  return call(target, { method: 'GET', url: `/api/jobs/${jobId}` })
}

/** The job as GET shows it once the embedded queue has nothing left to do. */
async function finished(target: FastifyInstance, jobId: string) {
  await target.queues.idle()
  const response = await getJob(target, jobId)
  expect(response.statusCode).toBe(200)
  return response.json()
}

const upload = (format?: 'jpeg' | 'png' | 'webp', width?: number, height?: number) =>
  uploadPicture(app, format, width, height)

async function readObject(key: string) {
  const object = await storage.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
  return { object, bytes: Buffer.from(await object.Body!.transformToByteArray()) }
}

async function readRecord(jobId: string, target = app): Promise<JobRecord | undefined> {
  return (await target.records.get(jobRecordKey(jobId))) as JobRecord | undefined
}

/** Every job record in an app's table. */
async function jobRecords(target: FastifyInstance) {
  const { Items } = await target.records.doc.send(
    new ScanCommand({
      TableName: target.records.table,
      FilterExpression: 'begins_with(pk, :job)',
      ExpressionAttributeValues: { ':job': 'job#' },
    }),
  )
  return Items ?? []
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await storage.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }))
  return (listed.Contents ?? []).map((object) => object.Key ?? '').sort()
}

describe('POST /api/jobs, then GET /api/jobs/{jobId}', () => {
  it("answers 201 at once, records the job, and the queue's worker ends it done with a working image URL", async () => {
    const image = await upload('jpeg', 640, 480)
    const before = Date.now()
    const response = await startJob(app, { image, captions: CAPTIONS })

    expect(response.statusCode).toBe(201)
    expect(response.headers['cache-control']).toBe('no-store')
    const created = response.json()
    expect(created).toEqual({ jobId: expect.stringMatching(ID), status: 'queued' })
    const { jobId } = created
    expect(response.headers.location).toBe(`/api/jobs/${jobId}`)

    const body = await finished(app, jobId)
    expect(body).toEqual({
      jobId,
      status: 'done',
      result: { url: expect.any(String), meme_type: 'image/jpeg', bytes: expect.any(Number) },
    })
    expect(body.result.url.startsWith(`${s3.endpoint}/${BUCKET}/renders/${jobId}.jpg?`)).toBe(true)

    const fetched = await fetch(body.result.url)
    expect(fetched.status).toBe(200)
    expect(fetched.headers.get('content-type')).toBe(body.result.meme_type)
    const bytes = Buffer.from(await fetched.arrayBuffer())
    expect(bytes.length).toBe(body.result.bytes)
    expect(imageSize(bytes)).toMatchObject({ type: 'jpg', width: 640, height: 480 })

    const stored = await readObject(`renders/${jobId}.jpg`)
    expect(stored.object.ContentType).toBe('image/jpeg')
    expect(stored.bytes.equals(bytes)).toBe(true)

    const record = await readRecord(jobId)
    expect(record).toEqual({
      version: 1,
      jobId,
      status: 'done',
      // With the defaults filled in: what was rendered, whatever the defaults become.
      request: { image, captions: CAPTIONS.map((caption) => expect.objectContaining(caption)) },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      result: {
        key: `renders/${jobId}.jpg`,
        meme_type: 'image/jpeg',
        bytes: bytes.length,
        width: 640,
        height: 480,
      },
    })
    expect(Date.parse(record!.createdAt)).toBeGreaterThanOrEqual(before - 1000)
    expect(Date.parse(record!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(record!.createdAt))
  })

  it.each([
    ['png', 'png', 'image/png'],
    ['webp', 'webp', 'image/webp'],
  ] as const)('renders format %s to renders/<jobId>.%s', async (format, extension, type) => {
    const image = await upload('jpeg')
    const { jobId } = (await startJob(app, { image, captions: CAPTIONS, format })).json()
    const body = await finished(app, jobId)
    expect(body.status).toBe('done')
    expect(body.result.meme_type).toBe(type)
    expect(await keysUnder(`renders/${jobId}`)).toEqual([`renders/${jobId}.${extension}`])
    const fetched = await fetch(body.result.url)
    expect(fetched.headers.get('content-type')).toBe(type)
    expect((await fetched.arrayBuffer()).byteLength).toBe(body.result.bytes)
  })

  it('ends failed with IMAGE_NOT_FOUND when the upload is not there, and stores no image', async () => {
    const response = await startJob(app, { image: MISSING_UPLOAD, captions: CAPTIONS })
    expect(response.statusCode).toBe(201)
    const { jobId } = response.json()

    const body = await finished(app, jobId)
    expect(body).toEqual({
      jobId,
      status: 'failed',
      error: { code: 'IMAGE_NOT_FOUND', message: 'That upload does not exist or has expired' },
    })
    expect(await keysUnder(`renders/${jobId}`)).toEqual([])
    expect(await readRecord(jobId)).toMatchObject({ status: 'failed', error: body.error })
  })

  it('writes one object to S3, the image, encrypted; the record is in the table', async () => {
    const proxy = await startS3Proxy(s3.endpoint)
    const proxied = await buildApp(testConfig(proxy.endpoint, ENV))
    const image = await upload()
    const { jobId } = (await startJob(proxied, { image, captions: CAPTIONS })).json()
    const body = await finished(proxied, jobId)
    const record = await readRecord(jobId, proxied)
    await proxied.close()
    await proxy.close()

    expect(body.status).toBe('done')
    expect(record).toMatchObject({ status: 'done', result: { key: `renders/${jobId}.jpg` } })
    const puts = proxy.requests.filter((r) => r.method === 'PUT')
    expect(puts.map((r) => r.path)).toEqual([`/${BUCKET}/renders/${jobId}.jpg`])
    for (const put of puts) expect(put.headers['x-amz-server-side-encryption']).toBe('AES256')
  })

  it('renders a job once when its message is delivered again', async () => {
    const proxy = await startS3Proxy(s3.endpoint)
    const proxied = await buildApp(testConfig(proxy.endpoint, ENV))
    const image = await upload()
    const { jobId } = (await startJob(proxied, { image, captions: CAPTIONS })).json()
    // SQS delivers at least once: the same message twice more, one while the first runs.
    await proxied.queues.send('jobs', { jobId })
    await proxied.queues.idle()
    await proxied.queues.send('jobs', { jobId })
    const body = await finished(proxied, jobId)
    await proxied.close()
    await proxy.close()

    expect(body.status).toBe('done')
    const renders = proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes('/renders/'))
    expect(renders.map((r) => r.path)).toEqual([`/${BUCKET}/renders/${jobId}.jpg`])
    // And the upload was read for one render only.
    const reads = proxy.requests.filter((r) => r.method === 'GET' && r.path.includes(image))
    expect(reads.length).toBe(1)
  })

  it('answers 503 STORAGE_UNAVAILABLE when the queue cannot take the job, and keeps no record of it', async () => {
    const unreachable = await closedPort()
    const queueless = await buildApp(
      testConfig(s3.endpoint, {
        ...ENV,
        JOBS_QUEUE_URL: `${unreachable}/000000000000/meme-studio-jobs`,
        SQS_ENDPOINT: unreachable,
      }),
    )
    const image = await upload()
    const started = Date.now()
    const response = await startJob(queueless, { image, captions: CAPTIONS })
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(response.statusCode).toBe(503)
    expect(response.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'The storage service is not reachable',
      code: 'STORAGE_UNAVAILABLE',
    })
    expect(response.headers.location).toBeUndefined()
    expect(await jobRecords(queueless)).toEqual([])
    await queueless.close()
  })

  it('shows a job in progress by its status alone, and app.close() waits for its worker', async () => {
    // Holding back the image's upload keeps the job running while the test looks at it.
    const proxy = await startS3Proxy(s3.endpoint, (method, path) =>
      method === 'PUT' && path.includes('/renders/') ? { delayMs: 500 } : 'pass',
    )
    const proxied = await buildApp(testConfig(proxy.endpoint, ENV))
    const image = await upload()
    const { jobId } = (await startJob(proxied, { image, captions: CAPTIONS })).json()

    let seen
    const deadline = Date.now() + 5000
    do {
      seen = await getJob(proxied, jobId)
      if (seen.json().status !== 'running') await sleep(10)
    } while (seen.json().status !== 'running' && Date.now() < deadline)
    expect(seen.statusCode).toBe(200)
    expect(seen.headers['cache-control']).toBe('no-store')
    expect(seen.json()).toEqual({ jobId, status: 'running' })

    const recordsOfProxied = proxied.records
    await proxied.close()
    await proxy.close()

    // Read with the closed app's table name, through the suite's app's client.
    const record = await app.records.doc.send(
      new GetCommand({ TableName: recordsOfProxied.table, Key: jobRecordKey(jobId) }),
    )
    expect(record.Item).toMatchObject({ status: 'done' })
    expect(await keysUnder(`renders/${jobId}`)).toEqual([`renders/${jobId}.jpg`])
  })

  it('answers 404 JOB_NOT_FOUND for a well-formed id that is no job', async () => {
    const response = await getJob(app, WELL_FORMED_ID)
    expect(response.statusCode).toBe(404)
    expect(response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'There is no job with that id',
      code: 'JOB_NOT_FOUND',
    })
  })
})

describe('requests refused before S3 is called', () => {
  let fake: Awaited<ReturnType<typeof startFakeS3>>
  let guarded: FastifyInstance

  beforeAll(async () => {
    fake = await startFakeS3(() => ({ status: 500 }))
    guarded = await buildApp(testConfig(fake.endpoint, ENV))
  })
  afterAll(async () => {
    await guarded.close()
    await fake.close()
  })

  it.each([
    ['a URL', { image: 'https://evil.example/cat.png', captions: CAPTIONS }],
    ['a render key', { image: `renders/${WELL_FORMED_ID}.png`, captions: CAPTIONS }],
    ['no captions', { image: MISSING_UPLOAD }],
    ['an unknown property', { image: MISSING_UPLOAD, captions: CAPTIONS, bucket: 'other' }],
    ['an unknown format', { image: MISSING_UPLOAD, captions: CAPTIONS, format: 'gif' }],
  ])('a body with %s: 400 VALIDATION, no job recorded', async (_case, payload) => {
    const response = await startJob(guarded, payload)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION' })
    expect(fake.requests).toEqual([])
  })

  it('a body over 64 KiB: 413 BODY_TOO_LARGE', async () => {
    const response = await call(guarded, {
      method: 'POST',
      url: '/api/jobs',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({
        image: MISSING_UPLOAD,
        captions: CAPTIONS,
        pad: 'x'.repeat(70_000),
      }),
    })
    expect(response.statusCode).toBe(413)
    expect(response.json()).toMatchObject({ code: 'BODY_TOO_LARGE' })
    expect(fake.requests).toEqual([])
  })

  it.each([
    ['a traversal', '..%2Fx'],
    ['a deeper traversal', '..%2F..%2Fuploads%2Fsecret'],
    ['one character too many', 'a'.repeat(23)],
    ['one too few', 'a'.repeat(21)],
    ['a dot', `${'a'.repeat(21)}.`],
    ['a NUL', `${'a'.repeat(21)}%00`],
    ['a record name', `${WELL_FORMED_ID}.json`],
  ])('a job id with %s: 404 JOB_NOT_FOUND', async (_case, jobId) => {
    const response = await getJob(guarded, jobId)
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ statusCode: 404, code: 'JOB_NOT_FOUND' })
    expect(fake.requests).toEqual([])
  })

  it.each([
    ['DELETE', `/api/jobs/${WELL_FORMED_ID}`],
    ['PUT', `/api/jobs/${WELL_FORMED_ID}`],
    ['PATCH', `/api/jobs/${WELL_FORMED_ID}`],
    ['POST', `/api/jobs/${WELL_FORMED_ID}`],
    ['PUT', '/api/jobs'],
    ['DELETE', '/api/jobs'],
    ['GET', '/api/jobs'],
    ['GET', '/api/jobs/'],
    ['POST', '/api/jobs/'],
    ['GET', '/api/jobs/x/y'],
    ['GET', `/api/jobs/${WELL_FORMED_ID}/result`],
    ['POST', '/api/jobs/x/y'],
  ] as const)('%s %s: 404 NOT_FOUND', async (method, url) => {
    const response = await call(guarded, { method, url })
    expect(response.statusCode).toBe(404)
    expect(response.headers['content-type']).toMatch(/^application\/json/)
    expect(response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: `Route ${method} ${url} not found`,
      code: 'NOT_FOUND',
    })
    expect(fake.requests).toEqual([])
  })

  it('counts a request to an unknown path once against the usage plan', async () => {
    // A burst of 3 and a refill of one a second: the fourth request in a row is one too many.
    const limited = await buildApp(
      testConfig(fake.endpoint, { ...ENV, USAGE_RATE: '1', USAGE_BURST: '3' }),
    )
    const statuses = []
    for (let i = 0; i < 4; i += 1) {
      statuses.push((await call(limited, { method: 'DELETE', url: '/api/jobs/x' })).statusCode)
    }
    await limited.close()
    expect(statuses).toEqual([404, 404, 404, 429])
  })

  it('refuses every request without an API key with 403 {"message":"Forbidden"}', async () => {
    const requests: InjectOptions[] = [
      { method: 'POST', url: '/api/jobs', payload: { image: MISSING_UPLOAD, captions: CAPTIONS } },
      { method: 'POST', url: '/api/jobs', payload: { image: 'bad' } },
      { method: 'GET', url: `/api/jobs/${WELL_FORMED_ID}` },
      { method: 'GET', url: '/api/jobs/not-an-id' },
      { method: 'DELETE', url: `/api/jobs/${WELL_FORMED_ID}` },
      { method: 'GET', url: '/api/jobs/x/y' },
    ]
    for (const request of requests) {
      for (const headers of [{}, { 'x-api-key': 'not-the-key' }]) {
        const response = await guarded.inject({ ...request, headers })
        expect(
          { status: response.statusCode, body: response.body },
          `${request.method} ${request.url}`,
        ).toEqual({ status: 403, body: '{"message":"Forbidden"}' })
      }
    }
    expect(fake.requests).toEqual([])
  })
})
