import { tracingChannel } from 'node:diagnostics_channel'
import type { SQSClient } from '@aws-sdk/client-sqs'
import type * as SqsSend from './sqs-send.ts'
import type { QueueSettings } from '../../config.ts'
import type { InvocationKind } from '../../plugins/app/invocations.ts'
import type { RecordStore } from '../records/record-store.ts'
import { EmbeddedQueue, type QueueLog } from './embedded-queue.ts'
import { QueuePoller } from './queue-poller.ts'
import {
  isSqsEvent,
  queueNameOfArn,
  queueNameOfUrl,
  receiveCountOf,
  type SQSBatchResponse,
  type SQSRecord,
} from './sqs-queue.ts'
import type { QueueName, QueueRecord, Queues, QueueWorker } from './types.ts'

/** SQS's limit on a message. */
const MAX_MESSAGE_BYTES = 256 * 1024
/** Workers at once per queue, locally and per Lambda batch: two cores, renders memory-bound. */
const WORKERS_AT_ONCE = 2
/** An idle embedded queue is looked at this often: a job waits at most this long to start. */
const IDLE_POLL_MS = 250
const ERROR_POLL_MS = 2000

/**
 * Each worker call runs inside this channel's trace, its context `{ queue }`, so that what it
 * does (its AWS calls, its logs) can be told apart from a request's: the tests' AWS call
 * recorder attributes jobs' calls to the render function and archives' to control's.
 */
export const queueWorkerChannel = tracingChannel<unknown, { queue: QueueName }>(
  'meme-studio.queue.worker',
)

export interface AppQueuesOptions {
  settings: QueueSettings
  records: RecordStore
  log: QueueLog
}

/**
 * The app's queues (`app.queues`): each queue goes to SQS when its URL is set, else to the
 * embedded queue in the records table, which this process then consumes if it has a worker
 * for it. On Lambda, SQS invokes the function with batches (`invocation()`).
 */
export class AppQueues implements Queues {
  readonly #workers = new Map<QueueName, QueueWorker>()
  readonly #embedded = new Map<QueueName, EmbeddedQueue>()
  readonly #pollers = new Map<QueueName, QueuePoller>()
  #sqs?: SQSClient
  // The SQS client loads with the first send (see sqs-send.ts).
  #sqsSend?: Promise<typeof SqsSend>
  #started = false
  #stopped = false

  constructor(private readonly options: AppQueuesOptions) {}

  #url(queue: QueueName): string | undefined {
    return queue === 'jobs' ? this.options.settings.jobsUrl : this.options.settings.archivesUrl
  }

  #embeddedQueue(queue: QueueName): EmbeddedQueue {
    let found = this.#embedded.get(queue)
    if (!found) {
      const { settings, records, log } = this.options
      found = new EmbeddedQueue(records, queue, {
        visibilityMs: settings.visibilitySeconds * 1000,
        maxReceives: settings.maxReceives,
        log,
      })
      this.#embedded.set(queue, found)
    }
    return found
  }

  async send(queue: QueueName, message: unknown): Promise<void> {
    const body = JSON.stringify(message)
    if (body === undefined) throw new TypeError(`a ${queue} message must be JSON`)
    if (Buffer.byteLength(body) > MAX_MESSAGE_BYTES) {
      throw new RangeError(`a ${queue} message is over SQS's 256 KiB`)
    }
    const url = this.#url(queue)
    if (url) {
      const { createSqsClient, sendToSqs } = await (this.#sqsSend ??= import('./sqs-send.ts'))
      this.#sqs ??= createSqsClient(this.options.settings)
      await sendToSqs(this.#sqs, url, body)
      return
    }
    await this.#embeddedQueue(queue).send(body)
    this.#pollers.get(queue)?.wake()
  }

  work(queue: QueueName, worker: QueueWorker): void {
    if (this.#workers.has(queue)) throw new Error(`the ${queue} queue has a worker already`)
    this.#workers.set(queue, worker)
    if (this.#started) this.#poll(queue)
  }

  /** The worker's call, traced (see `queueWorkerChannel`). */
  #run(queue: QueueName, record: QueueRecord): Promise<void> {
    const worker = this.#workers.get(queue)
    if (!worker) return Promise.reject(new Error(`no worker for the ${queue} queue`))
    return queueWorkerChannel.tracePromise(() => worker(record), { queue })
  }

  #poll(queue: QueueName): void {
    if (this.#stopped || this.#url(queue) || this.#pollers.has(queue)) return
    const poller = new QueuePoller(
      this.#embeddedQueue(queue),
      (record) => this.#run(queue, record),
      {
        concurrency: WORKERS_AT_ONCE,
        idlePollMs: IDLE_POLL_MS,
        errorPollMs: ERROR_POLL_MS,
        log: this.options.log,
      },
    )
    this.#pollers.set(queue, poller)
    poller.start()
  }

  /** Starts polling the embedded queues this process has workers for (the app's onReady). */
  start(): void {
    this.#started = true
    for (const queue of this.#workers.keys()) this.#poll(queue)
  }

  /** Takes no more messages and waits for the workers running (the app's close). */
  async stop(): Promise<void> {
    this.#stopped = true
    await Promise.all([...this.#pollers.values()].map((poller) => poller.stop()))
    this.#sqs?.destroy()
  }

  async idle(): Promise<void> {
    const pollers = [...this.#pollers.entries()]
    for (;;) {
      const busy = pollers.find(([, poller]) => poller.busy)
      if (busy) {
        await busy[1].settled()
        // A receive under way has no worker to wait for yet.
        await new Promise((resolve) => setTimeout(resolve, 10))
        continue
      }
      const received = pollers.map(([, poller]) => poller.received)
      const visible = await Promise.all(
        pollers.map(([queue]) => this.#embeddedQueue(queue).hasVisible()),
      )
      const quiet =
        !visible.some(Boolean) &&
        pollers.every(([, poller], i) => !poller.busy && poller.received === received[i])
      if (quiet || this.#stopped) return
      // Visible, and the poller will take it within its idle wait; wake it rather than wait.
      for (const [, poller] of pollers) poller.wake()
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  /** The queue of an SQS event's records, when this function works it. */
  #queueOfArn(arn: string): QueueName | undefined {
    const name = queueNameOfArn(arn)
    for (const queue of this.#workers.keys()) {
      const url = this.#url(queue)
      if (url && queueNameOfUrl(url) === name) return queue
    }
    return undefined
  }

  /**
   * SQS batches for the queues this function works, from their event source mappings with
   * `ReportBatchItemFailures`: each record's worker runs, and the ids of those that threw are
   * answered, so that SQS retries those alone (and after the last receive, moves them to the
   * dead-letter queue).
   */
  invocation(): InvocationKind {
    return {
      name: 'sqs',
      claims: (event) =>
        isSqsEvent(event) &&
        event.Records.every((record) => this.#queueOfArn(record.eventSourceARN) !== undefined),
      handle: async (event) => {
        const records = (event as { Records: SQSRecord[] }).Records
        const failed: string[] = []
        let next = 0
        const lane = async () => {
          while (next < records.length) {
            const record = records[next++]!
            if (!(await this.#runSqsRecord(record))) failed.push(record.messageId)
          }
        }
        await Promise.all(Array.from({ length: WORKERS_AT_ONCE }, lane))
        const answer: SQSBatchResponse = {
          batchItemFailures: records
            .filter((record) => failed.includes(record.messageId))
            .map((record) => ({ itemIdentifier: record.messageId })),
        }
        return answer
      },
    }
  }

  /** Runs one record of a batch: false when it should come back. */
  async #runSqsRecord(record: SQSRecord): Promise<boolean> {
    const queue = this.#queueOfArn(record.eventSourceARN)!
    const receiveCount = receiveCountOf(record)
    const where = { queue, messageId: record.messageId, receiveCount }
    let message: unknown
    try {
      message = JSON.parse(record.body)
    } catch {
      // The app sends JSON; whatever else is in the queue no retry will make readable.
      this.options.log.error(where, 'queue message is not JSON; dropped')
      return true
    }
    try {
      await this.#run(queue, { messageId: record.messageId, message, receiveCount })
      return true
    } catch (error) {
      this.options.log.warn(
        { ...where, err: error },
        'queue worker failed; the message will come back',
      )
      return false
    }
  }
}
