import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb'
import type { Job, JobCreated } from '@meme-studio/meme-core/schema'
import { imageSize } from 'image-size'
import { afterEach, describe, expect, it } from 'vitest'
import { createDynamoDbClient } from '../src/plugins/app/records.ts'
import { createS3Client } from '../src/plugins/app/storage.ts'
import { makePicture } from './support/pictures.ts'
import { runServer, type ServerProcess } from './support/server-process.ts'

/**
 * Issue 12's "done when": a job accepted, then the server killed with SIGKILL, finishes after
 * a restart with the same DATA_DIR. The server is `pnpm start`'s, with its embedded S3,
 * DynamoDB and queue; whether the first process had taken the job's message when it died
 * (the message then comes back after the visibility timeout, and the job's lease has run out)
 * or not (the message is waiting), the second one renders it.
 */

const API_KEY = 'job-recovery-test-key-0123456789ab'
const VISIBILITY_SECONDS = 2
const CAPTIONS = [{ text: 'Survived', x: 0.5, y: 0.85 }]

const dirs: string[] = []
const servers: ServerProcess[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL')
      await server.exited
    }
  }
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function start(dataDir: string) {
  const server = runServer({
    PORT: '0',
    DATA_DIR: dataDir,
    ADMIN_API_KEYS: API_KEY,
    QUEUE_VISIBILITY_SECONDS: String(VISIBILITY_SECONDS),
    USAGE_RATE: '10000',
    USAGE_BURST: '10000',
  })
  servers.push(server)
  await server.printed('Press Ctrl-C to stop.', 30_000)
  const shared = server.sharedSettings()
  const credentials = {
    accessKeyId: shared.AWS_ACCESS_KEY_ID!,
    secretAccessKey: shared.AWS_SECRET_ACCESS_KEY!,
  }
  return {
    server,
    origin: server.origin(),
    shared,
    s3: () =>
      createS3Client({
        endpoint: shared.S3_ENDPOINT!,
        region: shared.S3_REGION!,
        forcePathStyle: true,
        credentials,
      }),
    table: () =>
      DynamoDBDocumentClient.from(
        createDynamoDbClient({
          endpoint: shared.DYNAMODB_ENDPOINT!,
          region: shared.S3_REGION!,
          credentials,
        }),
      ),
  }
}

type Running = Awaited<ReturnType<typeof start>>

/** Puts a picture where an upload through the signed policy would have put it. */
async function upload(running: Running, width: number, height: number): Promise<string> {
  const key = `uploads/${randomUUID()}.jpg`
  const s3 = running.s3()
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: running.shared.S3_BUCKET,
        Key: key,
        Body: await makePicture('jpeg', width, height),
        ContentType: 'image/jpeg',
      }),
    )
  } finally {
    s3.destroy()
  }
  return key
}

function api(running: Running, path: string, init: RequestInit = {}) {
  return fetch(`${running.origin}${path}`, {
    ...init,
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json', ...init.headers },
  })
}

/** The jobs queue's messages as the table holds them: how often each has been received. */
async function queuedMessages(running: Running) {
  const table = running.table()
  try {
    const { Items } = await table.send(
      new QueryCommand({
        TableName: running.shared.RECORDS_TABLE,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'queue#jobs' },
        ConsistentRead: true,
      }),
    )
    return (Items ?? []).map((item) => ({ receiveCount: item.receiveCount as number }))
  } finally {
    table.destroy()
  }
}

async function kill(running: Running) {
  running.server.child.kill('SIGKILL')
  expect(await running.server.exited).toBe(null)
  expect(running.server.child.signalCode).toBe('SIGKILL')
}

/** Polls the job until it is done or failed (the restart, the visibility timeout, a render). */
async function finished(running: Running, jobId: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const response = await api(running, `/api/jobs/${jobId}`)
    expect(response.status).toBe(200)
    const body = (await response.json()) as Job
    if (body.status === 'done' || body.status === 'failed') return body
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${body.status}`)
    await sleep(100)
  }
}

async function expectRendered(running: Running, jobId: string, width: number, height: number) {
  const body = await finished(running, jobId)
  expect(body).toEqual({
    jobId,
    status: 'done',
    result: { url: expect.any(String), meme_type: 'image/jpeg', bytes: expect.any(Number) },
  })
  const image = await fetch(body.result!.url)
  expect(image.status).toBe(200)
  expect(image.headers.get('content-type')).toBe('image/jpeg')
  const bytes = Buffer.from(await image.arrayBuffer())
  expect(bytes.length).toBe(body.result!.bytes)
  expect(imageSize(bytes)).toMatchObject({ type: 'jpg', width, height })
  // Nothing is left in the queue, nor in its dead-letter queue.
  expect(await queuedMessages(running)).toEqual([])
}

describe('a job accepted before the server is killed with SIGKILL', () => {
  it('finishes after a restart with the same DATA_DIR, killed right after its 201', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-recovery-'))
    dirs.push(dataDir)
    const first = await start(dataDir)
    const image = await upload(first, 640, 480)

    const response = await api(first, '/api/jobs', {
      method: 'POST',
      body: JSON.stringify({ image, captions: CAPTIONS }),
    })
    // Killed the moment the answer is in, whether or not its poller has the message yet.
    await kill(first)
    expect(response.status).toBe(201)
    const { jobId } = (await response.json()) as JobCreated

    const second = await start(dataDir)
    await expectRendered(second, jobId, 640, 480)
  }, 90_000)

  it('finishes after a restart when the first process had taken the message and died rendering', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-recovery-'))
    dirs.push(dataDir)
    const first = await start(dataDir)
    // Large enough that its render is still under way when the process dies.
    const [width, height] = [2048, 1536]
    const image = await upload(first, width, height)

    const response = await api(first, '/api/jobs', {
      method: 'POST',
      body: JSON.stringify({ image, captions: CAPTIONS }),
    })
    expect(response.status).toBe(201)
    const { jobId } = (await response.json()) as JobCreated
    // Killed once the message is received (hidden, counted) and before it is deleted.
    let taken = false
    const deadline = Date.now() + 10_000
    while (!taken && Date.now() < deadline) {
      const messages = await queuedMessages(first)
      taken = messages.some((message) => message.receiveCount >= 1)
      if (messages.length === 0) break // rendered already: the case degenerates to a plain restart
    }
    await kill(first)
    expect(taken).toBe(true)

    const second = await start(dataDir)
    await expectRendered(second, jobId, width, height)
  }, 90_000)
})
