import { randomUUID } from 'node:crypto'
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb'
import { isConditionFailed, type RecordStore } from '../records/record-store.ts'
import { RECORDS_TTL_ATTRIBUTE } from '../records/records-table.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'
import type { QueueName } from './types.ts'

/**
 * The embedded queue: SQS's standard-queue semantics kept in the records table, so that the
 * local server's background work survives a restart (dynalite keeps the table under DATA_DIR)
 * and two processes sharing one table share the queue as two Lambda instances share SQS.
 *
 * A message is an item `queue#<name>` / `<sent at, ms>#<messageId>`. Receiving it is a
 * conditional update (still visible, and received no more times than this reader saw) that
 * hides it for the visibility timeout, counts the receive and gives it a new receipt: of two
 * readers that try at once, one wins. Deleting it after its work is conditional on that
 * receipt, so a worker that outran the visibility timeout cannot delete a newer receive. A
 * message received `maxReceives` times moves to `queue#<name>-dlq`, as SQS's redrive policy
 * moves it to the dead-letter queue.
 *
 * Where it differs from SQS: it hands out the oldest message first (a standard queue does not
 * promise order), it is polled (no long polling), and it has no delays or message attributes,
 * which the app does not use. Expired messages are skipped by reads, not deleted: dynalite has
 * no TTL, and DynamoDB's deletes lazily.
 */

/** SQS keeps a message 4 days by default; the dead-letter queue keeps them its maximum, 14. */
const RETENTION_MS = 4 * 24 * 3600 * 1000
const DEAD_LETTER_RETENTION_MS = 14 * 24 * 3600 * 1000

/** Attribute names, all through placeholders: some may be DynamoDB reserved words. */
const MESSAGE_NAMES = {
  '#visibleAt': 'visibleAt',
  '#receiveCount': 'receiveCount',
  '#receipt': 'receipt',
}

/** A message as a receive hands it over. */
export interface ReceivedMessage {
  messageId: string
  /** The message, as sent: JSON. */
  body: string
  /** This receive included. */
  receiveCount: number
  /** What the receive wrote; deleting the message takes it. */
  receipt: string
  sk: string
}

/** Pino's shape, which Fastify's loggers have. */
export interface QueueLog {
  warn(details: object, message: string): void
  error(details: object, message: string): void
}

export interface EmbeddedQueueOptions {
  visibilityMs: number
  maxReceives: number
  log: QueueLog
  now?: () => number
}

interface StoredMessage {
  pk: string
  sk: string
  messageId: string
  body: string
  sentAt: number
  visibleAt: number
  receiveCount: number
  receipt?: string
}

function isStoredMessage(item: Record<string, unknown>): item is StoredMessage & typeof item {
  return (
    typeof item.sk === 'string' &&
    typeof item.messageId === 'string' &&
    typeof item.body === 'string' &&
    typeof item.visibleAt === 'number' &&
    typeof item.receiveCount === 'number'
  )
}

/** The partition a queue's messages live in, and its dead-letter queue's. */
export function queuePartition(queue: QueueName): string {
  return `queue#${queue}`
}
export function deadLetterPartition(queue: QueueName): string {
  return `queue#${queue}-dlq`
}

export class EmbeddedQueue {
  readonly #records: RecordStore
  readonly #now: () => number

  constructor(
    records: RecordStore,
    readonly name: QueueName,
    private readonly options: EmbeddedQueueOptions,
  ) {
    this.#records = records
    this.#now = options.now ?? (() => Date.now())
  }

  get maxReceives(): number {
    return this.options.maxReceives
  }

  get #table() {
    return this.#records.table
  }

  async #send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      if (isConditionFailed(error)) throw error
      throw storageUnavailable(error)
    }
  }

  /** Stores a message, visible at once; resolves with its id. */
  async send(body: string): Promise<string> {
    const now = this.#now()
    const messageId = randomUUID()
    const item: StoredMessage & Record<string, unknown> = {
      pk: queuePartition(this.name),
      // Sorted by when it was sent, so the oldest visible message is received first.
      sk: `${String(now).padStart(15, '0')}#${messageId}`,
      messageId,
      body,
      sentAt: now,
      visibleAt: now,
      receiveCount: 0,
      [RECORDS_TTL_ATTRIBUTE]: Math.ceil((now + RETENTION_MS) / 1000),
    }
    await this.#send(() =>
      this.#records.doc.send(new PutCommand({ TableName: this.#table, Item: item })),
    )
    return messageId
  }

  /** Messages visible now, oldest first, at most `limit` (all when unset). */
  async #visible(limit?: number): Promise<StoredMessage[]> {
    const now = this.#now()
    const found: StoredMessage[] = []
    let startKey: QueryCommandInput['ExclusiveStartKey']
    do {
      const page = await this.#send(() =>
        this.#records.doc.send(
          new QueryCommand({
            TableName: this.#table,
            KeyConditionExpression: '#pk = :pk',
            FilterExpression: '#visibleAt <= :now',
            ExpressionAttributeNames: { '#pk': 'pk', '#visibleAt': 'visibleAt' },
            ExpressionAttributeValues: { ':pk': queuePartition(this.name), ':now': now },
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
          }),
        ),
      )
      for (const item of page.Items ?? []) {
        // Past its retention: gone, as SQS would have deleted it (nothing deletes it here).
        if (!this.#records.isLive(item)) continue
        if (!isStoredMessage(item)) {
          this.options.log.error({ queue: this.name, sk: item.sk }, 'not a queue message; skipped')
          continue
        }
        found.push(item)
        if (limit !== undefined && found.length >= limit) return found
      }
      startKey = page.LastEvaluatedKey
    } while (startKey)
    return found
  }

  /** Whether a message is waiting to be received now. */
  async hasVisible(): Promise<boolean> {
    return (await this.#visible(1)).length > 0
  }

  /**
   * Receives up to `max` messages, hiding each for the visibility timeout. A visible message
   * already received `maxReceives` times is not handed out: its last worker died, and it
   * goes to the dead-letter queue instead.
   */
  async receive(max: number): Promise<ReceivedMessage[]> {
    const received: ReceivedMessage[] = []
    // More candidates than wanted: another reader may take some of them first.
    for (const message of await this.#visible(max * 2)) {
      if (received.length >= max) break
      if (message.receiveCount >= this.options.maxReceives) {
        await this.#deadLetter(message, {
          ConditionExpression: '#receiveCount = :seen',
          ExpressionAttributeNames: { '#receiveCount': 'receiveCount' },
          ExpressionAttributeValues: { ':seen': message.receiveCount },
        })
        continue
      }
      const now = this.#now()
      const receipt = randomUUID()
      const receiveCount = message.receiveCount + 1
      try {
        await this.#send(() =>
          this.#records.doc.send(
            new UpdateCommand({
              TableName: this.#table,
              Key: { pk: message.pk, sk: message.sk },
              UpdateExpression:
                'SET #visibleAt = :until, #receiveCount = :count, #receipt = :receipt',
              // The count only grows, so it tells whether anyone received it since it was read.
              ConditionExpression: '#receiveCount = :seen AND #visibleAt <= :now',
              ExpressionAttributeNames: MESSAGE_NAMES,
              ExpressionAttributeValues: {
                ':until': now + this.options.visibilityMs,
                ':count': receiveCount,
                ':receipt': receipt,
                ':seen': message.receiveCount,
                ':now': now,
              },
            }),
          ),
        )
      } catch (error) {
        if (isConditionFailed(error)) continue // another reader has it, or it was deleted
        throw error
      }
      received.push({
        messageId: message.messageId,
        body: message.body,
        receiveCount,
        receipt,
        sk: message.sk,
      })
    }
    return received
  }

  /**
   * Deletes a message its worker finished, if that worker's receive is still the last one:
   * false when the message was received again (its visibility timeout ran out first).
   */
  async delete(message: ReceivedMessage): Promise<boolean> {
    try {
      await this.#send(() =>
        this.#records.doc.send(
          new DeleteCommand({
            TableName: this.#table,
            Key: { pk: queuePartition(this.name), sk: message.sk },
            ConditionExpression: '#receipt = :receipt',
            ExpressionAttributeNames: { '#receipt': 'receipt' },
            ExpressionAttributeValues: { ':receipt': message.receipt },
          }),
        ),
      )
      return true
    } catch (error) {
      if (isConditionFailed(error)) return false
      throw error
    }
  }

  /** Moves a message whose last allowed receive failed to the dead-letter queue now. */
  async deadLetter(message: ReceivedMessage): Promise<void> {
    const { Item } = await this.#send(() =>
      this.#records.doc.send(
        new GetCommand({
          TableName: this.#table,
          Key: { pk: queuePartition(this.name), sk: message.sk },
          ConsistentRead: true,
        }),
      ),
    )
    if (!Item || !isStoredMessage(Item) || Item.receipt !== message.receipt) return
    await this.#deadLetter(Item, {
      ConditionExpression: '#receipt = :receipt',
      ExpressionAttributeNames: { '#receipt': 'receipt' },
      ExpressionAttributeValues: { ':receipt': message.receipt },
    })
  }

  /**
   * Copies the message into the dead-letter queue, then deletes it from the queue on
   * `condition`: copied first, so a crash in between leaves it in both, never in neither.
   * Two readers moving it at once write the same dead-letter item.
   */
  async #deadLetter(
    message: StoredMessage,
    condition: {
      ConditionExpression: string
      ExpressionAttributeNames: Record<string, string>
      ExpressionAttributeValues: Record<string, unknown>
    },
  ): Promise<void> {
    const now = this.#now()
    await this.#send(() =>
      this.#records.doc.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            pk: deadLetterPartition(this.name),
            sk: message.sk,
            messageId: message.messageId,
            body: message.body,
            sentAt: message.sentAt,
            receiveCount: message.receiveCount,
            deadLetteredAt: now,
            [RECORDS_TTL_ATTRIBUTE]: Math.ceil((now + DEAD_LETTER_RETENTION_MS) / 1000),
          },
        }),
      ),
    )
    try {
      await this.#send(() =>
        this.#records.doc.send(
          new DeleteCommand({
            TableName: this.#table,
            Key: { pk: queuePartition(this.name), sk: message.sk },
            ...condition,
          }),
        ),
      )
    } catch (error) {
      if (isConditionFailed(error)) return // another reader moved it, or it was received again
      throw error
    }
    this.options.log.error(
      { queue: this.name, messageId: message.messageId, receiveCount: message.receiveCount },
      `queue message moved to the dead-letter queue after ${message.receiveCount} receives`,
    )
  }
}
