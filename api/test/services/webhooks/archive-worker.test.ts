import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyBaseLogger } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AppConfig } from '../../../src/config.ts'
import { createRecordStore } from '../../../src/plugins/app/records.ts'
import { createS3Client } from '../../../src/plugins/app/storage.ts'
import type { DeliveryRecord } from '../../../src/schemas/records.ts'
import type { RecordStore } from '../../../src/services/records/record-store.ts'
import {
  archiveWorker,
  DeliveryLeasedError,
  type ArchiveMessage,
} from '../../../src/services/webhooks/archive-worker.ts'
import {
  deliveryDetail,
  deliveryKey,
  findDelivery,
  putDelivery,
} from '../../../src/services/webhooks/deliveries.ts'
import { startS3Proxy } from '../../support/s3-proxy.ts'
import { githubZip, startGithubStandIn } from '../../support/stand-ins.ts'
import { ensureTestTable, startTestS3, testConfig } from '../../support/test-app.ts'

/**
 * The archives queue's worker driven directly, as a queue that delivers a message twice (SQS
 * is at least once) or hands it over again after a try died would: on real s3rver (behind a
 * proxy that counts what reaches the archive key), dynalite and a loopback GitHub.
 */

const SHA = 'c0ffee0000000000000000000000000000000042'
const HOOK = '00000000000000ab'
const LEASE_SECONDS = 60

let s3: Awaited<ReturnType<typeof startTestS3>>
let proxy: Awaited<ReturnType<typeof startS3Proxy>>
let github: Awaited<ReturnType<typeof startGithubStandIn>>
let config: AppConfig
let records: RecordStore
let storage: S3Client

beforeAll(async () => {
  s3 = await startTestS3()
  proxy = await startS3Proxy(s3.endpoint)
  // Slow enough that a second call for the message arrives while the first still downloads.
  github = await startGithubStandIn({ delayMs: 300 })
  config = testConfig(proxy.endpoint, { GITHUB_BASE_URL: github.url })
  await ensureTestTable(config)
  records = createRecordStore(config.dynamodb, config.recordsTable)
  storage = createS3Client(config.s3)
})
afterAll(async () => {
  storage.destroy()
  records.doc.destroy()
  await github.close()
  await proxy.close()
  await s3.close()
})
beforeEach(() => {
  github.downloads.length = 0
  proxy.requests.length = 0
})

function quietLog() {
  return { info: vi.fn(), warn: vi.fn(), error: vi.fn() } as unknown as FastifyBaseLogger
}

function worker(now: () => number = Date.now) {
  const notify = vi.fn(async () => {})
  const run = archiveWorker({
    s3: storage,
    records,
    config,
    notify,
    log: quietLog(),
    now,
    leaseSeconds: LEASE_SECONDS,
    settings: { backoffMs: 0 },
  })
  return Object.assign(run, { notify })
}

/** A queued push's delivery record, as the receiver writes it, and its queue message. */
async function queuedPush(
  prefix: string,
  change: Partial<DeliveryRecord> = {},
): Promise<{ message: ArchiveMessage; key: string }> {
  const deliveryId = randomUUID()
  const receivedAt = new Date().toISOString()
  const key = `${prefix}/octo/site/main.zip`
  await putDelivery(records, {
    version: 1,
    hookId: HOOK,
    deliveryId,
    receivedAt,
    event: 'push',
    repo: 'octo/site',
    branch: 'main',
    commit: SHA,
    verified: true,
    status: 202,
    outcome: 'queued',
    durationMs: 4,
    requestHeaders: { 'x-github-event': 'push' },
    payload: '{}',
    truncated: false,
    response: { ok: true, queued: true, deliveryId },
    ...change,
  })
  const message: ArchiveMessage = {
    hookId: HOOK,
    deliveryId,
    receivedAt,
    owner: 'octo',
    repo: 'site',
    branch: 'main',
    sha: SHA,
    key,
    stripRoot: true,
    pusher: 'mona',
  }
  return { message, key }
}

function receive(message: ArchiveMessage, receiveCount = 1) {
  return { messageId: randomUUID(), message, receiveCount }
}

/** What reached the archive key through the proxy: `METHOD /bucket/key`. */
function callsTo(key: string): string[] {
  return proxy.requests
    .filter((r) => r.path === `/${config.archiveBucket}/${key}`)
    .map((r) => `${r.method} ${r.path}`)
}

async function stored(key: string) {
  const object = await storage.send(
    new GetObjectCommand({ Bucket: config.archiveBucket, Key: key }),
  )
  await object.Body?.transformToByteArray()
  return object.Metadata
}

/** An archive already at the key, as an earlier try of `deliveryId` stored it. */
async function storeArchive(key: string, deliveryId: string) {
  await storage.send(
    new PutObjectCommand({
      Bucket: config.archiveBucket,
      Key: key,
      Body: await githubZip('site', SHA),
      ContentType: 'application/zip',
      Metadata: { commit: SHA, delivery: deliveryId, pusher: 'mona' },
    }),
  )
  proxy.requests.length = 0
}

describe('a message delivered twice', () => {
  it('is archived once by two concurrent workers: one downloads and stores, the other throws', async () => {
    const { message, key } = await queuedPush('twice')
    const first = worker()
    const second = worker()
    const results = await Promise.allSettled([first(receive(message)), second(receive(message))])

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    const refused = results.filter((r) => r.status === 'rejected')
    expect(refused).toHaveLength(1)
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(DeliveryLeasedError)
    expect(github.downloads).toEqual([`/octo/site/archive/${SHA}.zip`])
    expect(callsTo(key).filter((c) => !c.startsWith('GET') && !c.startsWith('HEAD'))).toEqual([
      `PUT /${config.archiveBucket}/${key}`,
    ])
    expect(first.notify.mock.calls.length + second.notify.mock.calls.length).toBe(1)

    const delivery = await findDelivery(records, HOOK, message.deliveryId)
    expect(delivery).toMatchObject({ outcome: 'archived', archiveKey: key })
    // The lease ends with the try: an archived record carries none.
    expect(delivery).not.toHaveProperty('leaseOwner')
    expect(delivery).not.toHaveProperty('leaseUntil')
    expect(await stored(key)).toEqual({ commit: SHA, delivery: message.deliveryId, pusher: 'mona' })

    // The message thrown back comes again later: the delivery is archived, nothing is done.
    await second(receive(message, 2))
    expect(github.downloads).toHaveLength(1)
  })

  it('leaves a delivery under an unexpired lease, and takes it over once the lease has run out', async () => {
    const taken = Date.now()
    const leaseUntil = new Date(taken + LEASE_SECONDS * 1000).toISOString()
    const { message, key } = await queuedPush('lease', {
      outcome: 'archiving',
      leaseOwner: 'a worker that died',
      leaseUntil,
    })

    // Within the lease: the message goes back to the queue, the record is left as it was.
    await expect(worker(() => taken + 1000)(receive(message))).rejects.toThrow(DeliveryLeasedError)
    expect(github.downloads).toEqual([])
    expect(await findDelivery(records, HOOK, message.deliveryId)).toMatchObject({
      outcome: 'archiving',
      leaseOwner: 'a worker that died',
      leaseUntil,
    })

    // Past it: taken over. Nothing was stored at the key, so the archive is made.
    const late = worker(() => taken + (LEASE_SECONDS + 1) * 1000)
    await late(receive(message, 2))
    expect(github.downloads).toEqual([`/octo/site/archive/${SHA}.zip`])
    expect(callsTo(key)).toEqual([
      `HEAD /${config.archiveBucket}/${key}`,
      `PUT /${config.archiveBucket}/${key}`,
    ])
    expect(late.notify).toHaveBeenCalledTimes(1)
    const delivery = await findDelivery(records, HOOK, message.deliveryId)
    expect(delivery).toMatchObject({ outcome: 'archived', archiveKey: key })
    expect(delivery).not.toHaveProperty('leaseUntil')
  })
})

describe('a try that outlives its lease', () => {
  it('stores nothing once another worker has taken the delivery over: one upload in all', async () => {
    // The first try's download is held until the second has taken over: as when the
    // visibility timeout ran out mid-try and the queue handed the message to another worker.
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const requests: string[] = []
    const holding = createServer((req, res) => {
      requests.push(req.url ?? '')
      void held
        .then(() => githubZip('site', SHA))
        .then((zip) => res.writeHead(200, { 'content-type': 'application/zip' }).end(zip))
    })
    await new Promise<void>((resolve) => holding.listen(0, '127.0.0.1', resolve))
    try {
      const { message, key } = await queuedPush('outlived')
      const taken = Date.now()
      const first = archiveWorker({
        s3: storage,
        records,
        config,
        notify: async () => {},
        log: quietLog(),
        leaseSeconds: LEASE_SECONDS,
        settings: { baseUrl: `http://127.0.0.1:${(holding.address() as AddressInfo).port}` },
      })
      const firstTry = first(receive(message))
      const outcome = firstTry.then(
        () => 'resolved',
        (error: unknown) => error,
      )
      await vi.waitFor(() => expect(requests).toHaveLength(1))

      const second = worker(() => taken + (LEASE_SECONDS + 1) * 1000)
      await second(receive(message, 2))
      expect(github.downloads).toHaveLength(1)
      release()
      expect(await outcome).toBeInstanceOf(DeliveryLeasedError)

      expect(callsTo(key).filter((c) => c.startsWith('PUT') || c.startsWith('POST'))).toEqual([
        `PUT /${config.archiveBucket}/${key}`,
      ])
      expect(second.notify).toHaveBeenCalledTimes(1)
      expect(await findDelivery(records, HOOK, message.deliveryId)).toMatchObject({
        outcome: 'archived',
        archiveKey: key,
      })
    } finally {
      release()
      await new Promise<void>((resolve) => {
        holding.close(() => resolve())
        holding.closeAllConnections()
      })
    }
  })
})

describe('a try that died after storing the archive', () => {
  it('is recorded archived from the object it stored, with no download and no upload', async () => {
    const { message, key } = await queuedPush('died', {
      outcome: 'archiving',
      leaseOwner: 'a worker that died',
      leaseUntil: new Date(Date.now() - 1000).toISOString(),
    })
    await storeArchive(key, message.deliveryId)

    const retry = worker()
    await retry(receive(message, 2))
    expect(github.downloads).toEqual([])
    expect(callsTo(key)).toEqual([`HEAD /${config.archiveBucket}/${key}`])
    expect(await findDelivery(records, HOOK, message.deliveryId)).toMatchObject({
      outcome: 'archived',
      archiveKey: key,
    })
    // s3rver keeps no versions, so there is no VersionId to record here (S3 with versioning
    // answers HeadObject with one, and the record keeps it).
    expect(retry.notify).toHaveBeenCalledTimes(1)
  })

  it('a delivery left archiving by records before leases counts as over, and is checked the same way', async () => {
    const { message, key } = await queuedPush('legacy', { outcome: 'archiving' })
    await storeArchive(key, message.deliveryId)
    await worker()(receive(message, 2))
    expect(github.downloads).toEqual([])
    expect(await findDelivery(records, HOOK, message.deliveryId)).toMatchObject({
      outcome: 'archived',
      archiveKey: key,
    })
  })

  it("archives again when the object at the key is another delivery's", async () => {
    const { message, key } = await queuedPush('other', {
      outcome: 'archiving',
      leaseOwner: 'a worker that died',
      leaseUntil: new Date(Date.now() - 1000).toISOString(),
    })
    await storeArchive(key, randomUUID())

    await worker()(receive(message, 2))
    expect(github.downloads).toEqual([`/octo/site/archive/${SHA}.zip`])
    expect(callsTo(key)).toEqual([
      `HEAD /${config.archiveBucket}/${key}`,
      `PUT /${config.archiveBucket}/${key}`,
    ])
    expect(await stored(key)).toEqual({ commit: SHA, delivery: message.deliveryId, pusher: 'mona' })
    expect(await findDelivery(records, HOOK, message.deliveryId)).toMatchObject({
      outcome: 'archived',
      archiveKey: key,
    })
  })

  it('asks S3 nothing for a delivery no try has had: a queued one is downloaded at once', async () => {
    const { message, key } = await queuedPush('fresh')
    await worker()(receive(message))
    expect(callsTo(key)).toEqual([`PUT /${config.archiveBucket}/${key}`])
  })
})

describe('the lease in the record', () => {
  it('is not shown by the admin API', async () => {
    const { message } = await queuedPush('hidden', {
      outcome: 'archiving',
      leaseOwner: 'someone',
      leaseUntil: new Date().toISOString(),
    })
    const record = await records.get(deliveryKey(HOOK, message.receivedAt, message.deliveryId))
    expect(record).toMatchObject({ leaseOwner: 'someone' })
    const detail = deliveryDetail(await findDelivery(records, HOOK, message.deliveryId))
    expect(detail).not.toHaveProperty('leaseOwner')
    expect(detail).not.toHaveProperty('leaseUntil')
  })
})
