import { createHash, randomUUID } from 'node:crypto'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildAppWith } from '../../../src/app-base.ts'
import type { AppConfig } from '../../../src/config.ts'
import { TEST_STORE_CREDENTIALS } from '../../support/test-app.ts'
import { jobRecordKey, newJobId, queuedJob } from '../../../src/services/jobs/job-store.ts'
import type { QueueRecord, QueueWorker } from '../../../src/services/queue/types.ts'
import { makePicture } from '../../support/pictures.ts'
import { startStalledServer } from '../../support/stalled-server.ts'
import {
  buildApp,
  closedPort,
  ensureTestTable,
  putUpload,
  startTestS3,
  testConfig,
} from '../../support/test-app.ts'

const API_KEY = 'queues-test-key-0123456789abcdef'
const JOBS_QUEUE_NAME = 'meme-studio-jobs'
const CAPTIONS = [{ text: 'Top text', x: 0.5, y: 0.15 }]
const JOBS_QUEUE_ARN = `arn:aws:sqs:us-east-1:123456789012:${JOBS_QUEUE_NAME}`
const JOBS_QUEUE_URL = `https://sqs.us-east-1.amazonaws.com/123456789012/${JOBS_QUEUE_NAME}`

const apps: FastifyInstance[] = []
afterAll(async () => {
  for (const app of apps.splice(0)) await app.close()
})

/** The app's shared plugins (records, queues, …) and a worker for `queue`, if given. */
async function appWithWorker(
  config: AppConfig,
  worker?: QueueWorker,
  queue: 'jobs' | 'archives' = 'jobs',
): Promise<FastifyInstance> {
  await ensureTestTable(config)
  const plugin = fp(async (app) => {
    if (worker) app.queues.work(queue, worker)
  })
  const app = await buildAppWith(config, [plugin])
  apps.push(app)
  await app.ready()
  return app
}

/** Every worker call's trace on `meme-studio.queue.worker`, while `during` runs. */
async function tracedQueues(during: () => Promise<void>): Promise<string[]> {
  const seen: string[] = []
  const onStart = (context: unknown) => seen.push((context as { queue: string }).queue)
  subscribe('tracing:meme-studio.queue.worker:start', onStart)
  try {
    await during()
  } finally {
    unsubscribe('tracing:meme-studio.queue.worker:start', onStart)
  }
  return seen
}

interface SqsRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: Record<string, unknown>
}

/**
 * A loopback stand-in for SQS speaking its JSON protocol (AWS JSON 1.0, the action in
 * `x-amz-target`, as SDK v3 sends it): it keeps what arrives and answers SendMessage as SQS
 * does, with the body's MD5, which the SDK checks. `fail` answers SQS's error instead.
 */
async function startFakeSqs(fail?: { status: number; type: string }) {
  const requests: SqsRequest[] = []
  const server = createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => (raw += chunk))
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body })
      res.setHeader('content-type', 'application/x-amz-json-1.0')
      if (fail) {
        res.statusCode = fail.status
        res.end(JSON.stringify({ __type: fail.type, message: 'refused by the stand-in' }))
        return
      }
      const md5 = createHash('md5')
        .update(String(body.MessageBody ?? ''))
        .digest('hex')
      res.end(JSON.stringify({ MessageId: randomUUID(), MD5OfMessageBody: md5 }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const endpoint = `http://127.0.0.1:${port}`
  return {
    endpoint,
    queueUrl: `${endpoint}/000000000000/${JOBS_QUEUE_NAME}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function sqsConfig(s3Endpoint: string, sqsEndpoint: string, queueUrl: string, env = {}) {
  const config = testConfig(s3Endpoint, {
    JOBS_QUEUE_URL: queueUrl,
    SQS_ENDPOINT: sqsEndpoint,
    ADMIN_API_KEYS: API_KEY,
    ...env,
  })
  config.queues.credentials = TEST_STORE_CREDENTIALS
  return config
}

describe('the embedded queue, through app.queues', () => {
  it('keeps a message sent before the app closed for the app built after on the same table', async () => {
    const config = testConfig(await closedPort())
    const before = await appWithWorker(config)
    await before.queues.send('jobs', { jobId: 'kept' })
    await before.close()

    const got: QueueRecord[] = []
    let after!: FastifyInstance
    const traced = await tracedQueues(async () => {
      after = await appWithWorker(config, async (record) => {
        got.push(record)
      })
      await after.queues.idle()
    })
    expect(got).toEqual([
      { messageId: expect.any(String), message: { jobId: 'kept' }, receiveCount: 1 },
    ])
    // The worker ran inside the queue's trace, so its AWS calls are told from a request's.
    expect(traced).toEqual(['jobs'])
    // Done: the next app on the table finds nothing.
    await after.close()
    const again = vi.fn(async () => {})
    const third = await appWithWorker(config, again)
    await third.queues.idle()
    expect(again).not.toHaveBeenCalled()
  })

  it('polls no queue it has no worker for: the message waits for the process that has one', async () => {
    const config = testConfig(await closedPort())
    const archives = vi.fn(async () => {})
    const app = await appWithWorker(config, archives, 'archives')
    await app.queues.send('jobs', { jobId: 'not for this process' })
    await app.queues.idle()
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(archives).not.toHaveBeenCalled()
    const [message] = await app.records.query('queue#jobs')
    expect(message).toMatchObject({ body: '{"jobId":"not for this process"}', receiveCount: 0 })
  })

  it('refuses a message SQS would not take (over 256 KiB, or not JSON)', async () => {
    const app = await appWithWorker(testConfig(await closedPort()))
    await expect(app.queues.send('jobs', { pad: 'x'.repeat(256 * 1024) })).rejects.toThrow(
      'over SQS',
    )
    await expect(app.queues.send('jobs', undefined)).rejects.toThrow('must be JSON')
    expect(await app.records.query('queue#jobs')).toEqual([])
  })
})

describe('SQS, where the queue URL is set', () => {
  let s3: Awaited<ReturnType<typeof startTestS3>>
  beforeAll(async () => {
    s3 = await startTestS3()
  })
  afterAll(async () => {
    await s3.close()
  })

  it("sends POST /api/jobs's job as SendMessage in JSON 1.0, signed, and polls nothing", async () => {
    const sqs = await startFakeSqs()
    const app = await buildApp(sqsConfig(s3.endpoint, sqs.endpoint, sqs.queueUrl))
    apps.push(app)
    const response = await app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers: { 'x-api-key': API_KEY },
      payload: { image: 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png', captions: CAPTIONS },
    })
    expect(response.statusCode).toBe(201)
    const { jobId } = response.json()
    await sqs.close()

    expect(sqs.requests).toHaveLength(1)
    const [sent] = sqs.requests
    expect(sent).toMatchObject({
      method: 'POST',
      path: '/',
      headers: {
        'x-amz-target': 'AmazonSQS.SendMessage',
        'content-type': 'application/x-amz-json-1.0',
        authorization: expect.stringMatching(
          /^AWS4-HMAC-SHA256 Credential=S3RVER\/\d{8}\/us-east-1\/sqs\/aws4_request,/,
        ),
      },
      body: { QueueUrl: sqs.queueUrl, MessageBody: JSON.stringify({ jobId }) },
    })
    // Nothing went to the embedded queue, and nothing polls it.
    expect(await app.records.query('queue#jobs')).toEqual([])
    expect(await app.records.get(jobRecordKey(jobId))).toMatchObject({ status: 'queued' })
  })

  it.each([
    [500, 'InternalError'],
    [400, 'com.amazonaws.sqs#QueueDoesNotExist'],
  ])('answers %s from SQS (%s) with 503 STORAGE_UNAVAILABLE, no job kept', async (status, type) => {
    const sqs = await startFakeSqs({ status, type })
    const app = await buildApp(sqsConfig(s3.endpoint, sqs.endpoint, sqs.queueUrl))
    apps.push(app)
    const response = await app.inject({
      method: 'POST',
      url: '/api/jobs',
      headers: { 'x-api-key': API_KEY },
      payload: { image: 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png', captions: CAPTIONS },
    })
    await sqs.close()
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
    expect(sqs.requests.length).toBeGreaterThanOrEqual(1)
    const jobId = JSON.parse(String(sqs.requests[0]!.body.MessageBody)).jobId
    expect(await app.records.get(jobRecordKey(jobId))).toBeUndefined()
  })

  it('gives up on an SQS that never answers within the bound: 503, well inside 10 s', async () => {
    const stalled = await startStalledServer()
    const app = await appWithWorker(
      sqsConfig(s3.endpoint, stalled.endpoint, `${stalled.endpoint}/000000000000/jobs`),
    )
    const started = performance.now()
    await expect(app.queues.send('jobs', { jobId: 'x' })).rejects.toMatchObject({
      statusCode: 503,
      code: 'STORAGE_UNAVAILABLE',
    })
    const elapsed = performance.now() - started
    await stalled.close()
    // Two attempts of 2 s and the retry's backoff.
    expect(elapsed).toBeGreaterThan(3500)
    expect(elapsed).toBeLessThan(6000)
  }, 20_000)
})

/** An SQS event as Lambda's event source mapping hands it over. */
function sqsEvent(
  records: { messageId: string; body: string; receiveCount?: number; arn?: string }[],
) {
  return {
    Records: records.map(({ messageId, body, receiveCount = 1, arn = JOBS_QUEUE_ARN }) => ({
      messageId,
      receiptHandle: `receipt-${messageId}`,
      body,
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: '1700000000000',
        SenderId: 'AROAEXAMPLE',
        ApproximateFirstReceiveTimestamp: '1700000000001',
      },
      messageAttributes: {},
      md5OfBody: createHash('md5').update(body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: arn,
      awsRegion: 'us-east-1',
    })),
  }
}

describe('on Lambda: SQS batches', () => {
  it('claims batches of the queues it works only', async () => {
    const app = await appWithWorker(
      testConfig(await closedPort(), { JOBS_QUEUE_URL }),
      async () => {},
    )
    const claims = (event: unknown) => app.invocations.some((kind) => kind.claims(event))
    expect(claims(sqsEvent([{ messageId: 'a', body: '{}' }]))).toBe(true)
    expect(claims(sqsEvent([{ messageId: 'a', body: '{}', arn: `${JOBS_QUEUE_ARN}-dlq` }]))).toBe(
      false,
    )
    expect(
      claims(
        sqsEvent([
          { messageId: 'a', body: '{}' },
          {
            messageId: 'b',
            body: '{}',
            arn: 'arn:aws:sqs:us-east-1:123456789012:meme-studio-archives',
          },
        ]),
      ),
    ).toBe(false)
    expect(claims({ Records: [] })).toBe(false)
    expect(claims({ Records: [{ eventSource: 'aws:s3', eventSourceARN: JOBS_QUEUE_ARN }] })).toBe(
      false,
    )
    expect(claims({ httpMethod: 'GET', path: '/api/health', Records: 'x' })).toBe(false)
    expect(claims(null)).toBe(false)

    // The control function, which only sends jobs, does not claim them.
    const sender = await appWithWorker(testConfig(await closedPort(), { JOBS_QUEUE_URL }))
    expect(
      sender.invocations.some((kind) => kind.claims(sqsEvent([{ messageId: 'a', body: '{}' }]))),
    ).toBe(false)
  })

  it("answers a failed record's messageId in batchItemFailures, and the others' not", async () => {
    const got: QueueRecord[] = []
    const app = await appWithWorker(
      testConfig(await closedPort(), { JOBS_QUEUE_URL }),
      async (record) => {
        got.push(record)
        if ((record.message as { fail?: boolean }).fail) throw new Error('this one failed')
      },
    )
    const event = sqsEvent([
      { messageId: 'm-1', body: '{"jobId":"one"}', receiveCount: 1 },
      { messageId: 'm-2', body: '{"fail":true}', receiveCount: 2 },
      // Not JSON: no retry will mend it, so it is not reported, and SQS deletes it.
      { messageId: 'm-3', body: 'jobId=three' },
    ])
    const kind = app.invocations.find((candidate) => candidate.claims(event))!
    let answer: unknown
    const traced = await tracedQueues(async () => {
      answer = await kind.handle(event)
    })
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: 'm-2' }] })
    expect(got).toEqual(
      expect.arrayContaining([
        { messageId: 'm-1', message: { jobId: 'one' }, receiveCount: 1 },
        { messageId: 'm-2', message: { fail: true }, receiveCount: 2 },
      ]),
    )
    expect(got).toHaveLength(2)
    expect(traced).toEqual(['jobs', 'jobs'])
  })

  it('renders a job from a batch on the render function, once; a job under lease comes back', async () => {
    const s3 = await startTestS3()
    try {
      const config = testConfig(s3.endpoint, { JOBS_QUEUE_URL })
      const upload = 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png'
      await putUpload(config, upload, await makePicture('png', 64, 48), 'image/png')
      const app = await buildApp(config, { routes: 'render' })
      apps.push(app)
      await app.ready()
      const ready = queuedJob({ image: upload, captions: [{ text: 'Hi', x: 0.5, y: 0.5 }] })
      await app.records.create(jobRecordKey(ready.jobId), ready)
      const leased = {
        ...queuedJob({ image: upload, captions: [] }, new Date(), newJobId()),
        status: 'running' as const,
        leaseOwner: 'another instance',
        leaseUntil: new Date(Date.now() + 60_000).toISOString(),
      }
      await app.records.create(jobRecordKey(leased.jobId), leased)
      const event = sqsEvent([
        { messageId: 'ready', body: JSON.stringify({ jobId: ready.jobId }) },
        { messageId: 'leased', body: JSON.stringify({ jobId: leased.jobId }) },
        { messageId: 'hostile', body: JSON.stringify({ jobId: '../../etc/passwd' }) },
      ])
      const kind = app.invocations.find((candidate) => candidate.claims(event))!
      expect(await kind.handle(event)).toEqual({
        batchItemFailures: [{ itemIdentifier: 'leased' }],
      })
      expect(await app.records.get(jobRecordKey(ready.jobId))).toMatchObject({
        status: 'done',
        result: { key: `renders/${ready.jobId}.png`, width: 64, height: 48 },
      })
      const doneAt = (await app.records.get(jobRecordKey(ready.jobId)))!.updatedAt
      // The same message again (SQS delivers at least once): nothing more happens.
      expect(
        await kind.handle(
          sqsEvent([
            { messageId: 'ready', body: JSON.stringify({ jobId: ready.jobId }), receiveCount: 2 },
          ]),
        ),
      ).toEqual({ batchItemFailures: [] })
      expect((await app.records.get(jobRecordKey(ready.jobId)))!.updatedAt).toBe(doneAt)
      expect(await app.records.get(jobRecordKey(leased.jobId))).toMatchObject({
        status: 'running',
        leaseOwner: 'another instance',
      })
    } finally {
      await s3.close()
    }
  })
})
