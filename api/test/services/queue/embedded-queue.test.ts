import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AppConfig } from '../../../src/config.ts'
import { createRecordStore } from '../../../src/plugins/app/records.ts'
import {
  deadLetterPartition,
  EmbeddedQueue,
  queuePartition,
  type EmbeddedQueueOptions,
} from '../../../src/services/queue/embedded-queue.ts'
import { QueuePoller } from '../../../src/services/queue/queue-poller.ts'
import type { QueueRecord } from '../../../src/services/queue/types.ts'
import type { RecordStore } from '../../../src/services/records/record-store.ts'
import { closedPort, ensureTestTable, testConfig } from '../../support/test-app.ts'

/**
 * The embedded queue against dynalite, as two processes sharing one table use it: each test
 * has a table of its own, and "two processes" are two record stores with clients of their own.
 */

function quietLog() {
  return { warn: vi.fn(), error: vi.fn() }
}

const stores: RecordStore[] = []
afterAll(() => {
  for (const store of stores) store.doc.destroy()
})

async function freshTable(): Promise<AppConfig> {
  const config = testConfig(await closedPort())
  await ensureTestTable(config)
  return config
}

function storeOf(config: AppConfig): RecordStore {
  const store = createRecordStore(config.dynamodb, config.recordsTable)
  stores.push(store)
  return store
}

function queueOn(config: AppConfig, options: Partial<EmbeddedQueueOptions> = {}) {
  return new EmbeddedQueue(storeOf(config), 'jobs', {
    visibilityMs: 60_000,
    maxReceives: 3,
    log: quietLog(),
    ...options,
  })
}

function pollerOf(queue: EmbeddedQueue, run: (record: QueueRecord) => Promise<void>) {
  return new QueuePoller(queue, run, {
    concurrency: 3,
    idlePollMs: 20,
    errorPollMs: 50,
    log: quietLog(),
  })
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await sleep(20)
  }
}

describe('the embedded queue', () => {
  let config: AppConfig
  beforeAll(async () => {
    config = await freshTable()
  })

  it('hands a message to one of two readers that try at once, never both', async () => {
    const first = queueOn(config)
    const second = queueOn(config)
    for (let round = 0; round < 10; round += 1) {
      await first.send(JSON.stringify({ round }))
      const got = await Promise.all([first.receive(1), second.receive(1), first.receive(1)])
      expect(got.flat().map((m) => JSON.parse(m.body))).toEqual([{ round }])
      await first.delete(got.flat()[0]!)
    }
  })

  it('hides a received message for the visibility timeout, then hands it out again, counted', async () => {
    const queue = queueOn(await freshTable(), { visibilityMs: 300 })
    await queue.send('"again"')
    const [first] = await queue.receive(5)
    expect(first).toMatchObject({ body: '"again"', receiveCount: 1 })
    expect(await queue.receive(5)).toEqual([])
    expect(await queue.hasVisible()).toBe(false)
    await sleep(350)
    expect(await queue.hasVisible()).toBe(true)
    const [second] = await queue.receive(5)
    expect(second).toMatchObject({ messageId: first!.messageId, receiveCount: 2 })
    expect(second!.receipt).not.toBe(first!.receipt)
    // The first worker outran its visibility timeout: its delete must not remove the second's.
    expect(await queue.delete(first!)).toBe(false)
    expect(await queue.delete(second!)).toBe(true)
    await sleep(350)
    expect(await queue.receive(5)).toEqual([])
  })

  it('hands out the oldest message first', async () => {
    const queue = queueOn(await freshTable())
    for (const n of [1, 2, 3]) {
      await queue.send(String(n))
      await sleep(2)
    }
    expect((await queue.receive(3)).map((m) => m.body)).toEqual(['1', '2', '3'])
  })

  it('moves a message whose last receive was not deleted to the dead-letter queue', async () => {
    const table = await freshTable()
    const log = quietLog()
    const queue = queueOn(table, { visibilityMs: 50, maxReceives: 2, log })
    await queue.send('"doomed"')
    expect(await queue.receive(1)).toHaveLength(1)
    await sleep(60)
    expect(await queue.receive(1)).toHaveLength(1)
    await sleep(60)
    // Its second worker died too: the next receive moves it rather than hand it out.
    expect(await queue.receive(1)).toEqual([])
    const store = storeOf(table)
    expect(await store.query(queuePartition('jobs'))).toEqual([])
    expect(await store.query(deadLetterPartition('jobs'))).toEqual([
      expect.objectContaining({ body: '"doomed"', receiveCount: 2 }),
    ])
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ queue: 'jobs', receiveCount: 2 }),
      'queue message moved to the dead-letter queue after 2 receives',
    )
  })

  it('refuses with 503 STORAGE_UNAVAILABLE when the table cannot be reached', async () => {
    const unreachable = testConfig(await closedPort(), { DYNAMODB_ENDPOINT: await closedPort() })
    const queue = queueOn(unreachable)
    await expect(queue.send('"x"')).rejects.toMatchObject({
      statusCode: 503,
      code: 'STORAGE_UNAVAILABLE',
    })
    await expect(queue.receive(1)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
  })
})

describe('a poller', () => {
  it('of two on one table, each message is worked on by one of them, once', async () => {
    const table = await freshTable()
    const sender = queueOn(table)
    const handled: { poller: string; n: number }[] = []
    const worker = (poller: string) => async (record: QueueRecord) => {
      await sleep(Math.random() * 15)
      handled.push({ poller, n: (record.message as { n: number }).n })
    }
    const pollers = [pollerOf(queueOn(table), worker('a')), pollerOf(queueOn(table), worker('b'))]
    for (const poller of pollers) poller.start()
    const count = 40
    await Promise.all(Array.from({ length: count }, (_, n) => sender.send(JSON.stringify({ n }))))
    await until(() => handled.length >= count)
    await sleep(100) // anything handled twice would show up by now
    await Promise.all(pollers.map((poller) => poller.stop()))

    expect(handled.map((h) => h.n).sort((x, y) => x - y)).toEqual(
      Array.from({ length: count }, (_, n) => n),
    )
    expect(new Set(handled.map((h) => h.poller))).toEqual(new Set(['a', 'b']))
    expect(await sender.hasVisible()).toBe(false)
    expect(await storeOf(table).query(queuePartition('jobs'))).toEqual([])
  })

  it("brings a failing worker's message back after the visibility timeout, then to the DLQ", async () => {
    const table = await freshTable()
    const log = quietLog()
    const queue = queueOn(table, { visibilityMs: 200, maxReceives: 3, log })
    const tries: { receiveCount: number; at: number }[] = []
    const poller = pollerOf(queue, async (record) => {
      tries.push({ receiveCount: record.receiveCount, at: Date.now() })
      throw new Error('the render failed')
    })
    await queue.send(JSON.stringify({ jobId: 'x' }))
    poller.start()
    const store = storeOf(table)
    await until(async () => (await store.query(deadLetterPartition('jobs'))).length > 0)
    await poller.stop()

    expect(tries.map((t) => t.receiveCount)).toEqual([1, 2, 3])
    // Each try came after the previous one's visibility timeout.
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(190)
    expect(tries[2]!.at - tries[1]!.at).toBeGreaterThanOrEqual(190)
    expect(await store.query(queuePartition('jobs'))).toEqual([])
    expect(await store.query(deadLetterPartition('jobs'))).toEqual([
      expect.objectContaining({ body: '{"jobId":"x"}', receiveCount: 3 }),
    ])
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ receiveCount: 3 }),
      'queue message moved to the dead-letter queue after 3 receives',
    )
  })

  it('drops a message that is not JSON, logged, rather than retry it for ever', async () => {
    const table = await freshTable()
    const queue = queueOn(table)
    const run = vi.fn(async () => {})
    const log = quietLog()
    const poller = new QueuePoller(queue, run, {
      concurrency: 1,
      idlePollMs: 20,
      errorPollMs: 50,
      log,
    })
    await queue.send('{"jobId":')
    poller.start()
    await until(() => log.error.mock.calls.length > 0)
    await poller.stop()
    expect(run).not.toHaveBeenCalled()
    expect(log.error).toHaveBeenCalledWith(
      expect.objectContaining({ queue: 'jobs' }),
      'queue message is not JSON; dropped',
    )
    expect(await storeOf(table).query(queuePartition('jobs'))).toEqual([])
  })

  it('stops taking messages on stop() and waits for the workers running', async () => {
    const table = await freshTable()
    const queue = queueOn(table)
    let finished = 0
    const poller = pollerOf(queue, async () => {
      await sleep(200)
      finished += 1
    })
    await queue.send('1')
    poller.start()
    await until(() => poller.received === 1)
    await poller.stop()
    expect(finished).toBe(1)
    await queue.send('2')
    await sleep(100)
    expect(await queue.hasVisible()).toBe(true)
  })
})
