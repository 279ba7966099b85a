import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb'
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb'
import { AppError } from '../shared/app-error.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'
import {
  RECORDS_LOCK_ATTRIBUTE,
  RECORDS_PARTITION_KEY,
  RECORDS_SORT_KEY,
  RECORDS_TTL_ATTRIBUTE,
} from './records-table.ts'

/** Where an item lives: its partition and sort key. */
export interface RecordKey {
  pk: string
  sk: string
}

/** A record as the app sees it: the item without its key, expiry and lock attributes. */
export type RecordValue = Record<string, unknown>

export interface WriteOptions {
  /** When the item is gone (ms since the epoch); unset: kept. */
  expiresAt?: number
}

/** Optimistic-lock conflicts an edit retries before it gives up with a 409. */
const EDIT_ATTEMPTS = 8

const RESERVED = new Set([
  RECORDS_PARTITION_KEY,
  RECORDS_SORT_KEY,
  RECORDS_TTL_ATTRIBUTE,
  RECORDS_LOCK_ATTRIBUTE,
])

export function isConditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error as { name?: string } | undefined)?.name === 'ConditionalCheckFailedException'
  )
}

/** Another writer kept changing the item while this one tried: the client may try again. */
export function editConflict(cause?: unknown): AppError {
  return new AppError(409, 'CONFLICT', 'The record changed while it was being saved; try again', {
    cause,
  })
}

function valueOf(item: Record<string, unknown>): RecordValue {
  const value: RecordValue = {}
  for (const [name, field] of Object.entries(item)) if (!RESERVED.has(name)) value[name] = field
  return value
}

/**
 * The app's records in DynamoDB (dynalite locally): reads that ignore expired items,
 * creation that succeeds once (`attribute_not_exists`), edits under an optimistic lock.
 * Every failure other than a lost condition is `storageUnavailable` (503).
 */
export class RecordStore {
  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly table: string,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Seconds since the epoch, as the TTL attribute holds them. */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000)
  }

  /** DynamoDB deletes expired items lazily (dynalite never): a read must not see them. */
  isLive(item: Record<string, unknown>): boolean {
    const expiresAt = item[RECORDS_TTL_ATTRIBUTE]
    return typeof expiresAt !== 'number' || expiresAt > this.nowSeconds()
  }

  #item(key: RecordKey, value: RecordValue, options: WriteOptions, lockVersion?: number) {
    const item: Record<string, unknown> = { ...value, pk: key.pk, sk: key.sk }
    if (options.expiresAt !== undefined) {
      item[RECORDS_TTL_ATTRIBUTE] = Math.ceil(options.expiresAt / 1000)
    }
    if (lockVersion !== undefined) item[RECORDS_LOCK_ATTRIBUTE] = lockVersion
    return item
  }

  async #send<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call()
    } catch (error) {
      if (isConditionFailed(error)) throw error
      throw storageUnavailable(error)
    }
  }

  /** The item with its lock version, or undefined when missing or expired. */
  async read(key: RecordKey): Promise<{ value: RecordValue; lockVersion: number } | undefined> {
    const { Item } = await this.#send(() =>
      this.doc.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })),
    )
    if (!Item || !this.isLive(Item)) return undefined
    const lockVersion = Item[RECORDS_LOCK_ATTRIBUTE]
    return { value: valueOf(Item), lockVersion: typeof lockVersion === 'number' ? lockVersion : 0 }
  }

  /** The record, or undefined when missing or expired. */
  async get(key: RecordKey): Promise<RecordValue | undefined> {
    return (await this.read(key))?.value
  }

  /**
   * Writes the record only if there is none (or only an expired one): true when this call
   * created it, false when it was there already. Idempotency keys are made this way: of two
   * instances that try at once, one gets true.
   */
  async create(key: RecordKey, value: RecordValue, options: WriteOptions = {}): Promise<boolean> {
    try {
      await this.#send(() =>
        this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: this.#item(key, value, options, 1),
            ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
            ExpressionAttributeNames: {
              '#pk': RECORDS_PARTITION_KEY,
              '#expiresAt': RECORDS_TTL_ATTRIBUTE,
            },
            ExpressionAttributeValues: { ':now': this.nowSeconds() },
          }),
        ),
      )
      return true
    } catch (error) {
      if (isConditionFailed(error)) return false
      throw error
    }
  }

  /** Writes the record whole, whatever was there: for records only one writer ever changes. */
  async put(key: RecordKey, value: RecordValue, options: WriteOptions = {}): Promise<void> {
    await this.#send(() =>
      this.doc.send(
        new PutCommand({ TableName: this.table, Item: this.#item(key, value, options) }),
      ),
    )
  }

  /**
   * Reads the record, applies `change` and writes the result on the condition that nobody
   * wrote in between (the lock version read is still there); on a conflict it reads again and
   * retries, so of two concurrent edits neither is lost. `change` gets undefined for a missing
   * record and returns the new record, or undefined to write nothing. Resolves with what was
   * written (or, when `change` wrote nothing, what was read).
   */
  async edit<T extends RecordValue>(
    key: RecordKey,
    change: (current: T | undefined) => T | undefined,
    options: WriteOptions = {},
  ): Promise<T | undefined> {
    let lastConflict: unknown
    for (let attempt = 0; attempt < EDIT_ATTEMPTS; attempt += 1) {
      const current = await this.read(key)
      const next = change(current?.value as T | undefined)
      if (next === undefined) return current?.value as T | undefined
      const lockVersion = current?.lockVersion
      try {
        await this.#send(() =>
          this.doc.send(
            new PutCommand({
              TableName: this.table,
              Item: this.#item(key, next, options, (lockVersion ?? 0) + 1),
              ...(current
                ? {
                    ConditionExpression:
                      '#lock = :lock OR (attribute_not_exists(#lock) AND :lock = :zero)',
                    ExpressionAttributeNames: { '#lock': RECORDS_LOCK_ATTRIBUTE },
                    ExpressionAttributeValues: { ':lock': lockVersion, ':zero': 0 },
                  }
                : {
                    // Missing, or there but expired: either way nobody else's live record.
                    ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt <= :now',
                    ExpressionAttributeNames: {
                      '#pk': RECORDS_PARTITION_KEY,
                      '#expiresAt': RECORDS_TTL_ATTRIBUTE,
                    },
                    ExpressionAttributeValues: { ':now': this.nowSeconds() },
                  }),
            }),
          ),
        )
        return next
      } catch (error) {
        if (!isConditionFailed(error)) throw error
        lastConflict = error
        // A short random pause, so that two writers that collided don't collide again.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)))
      }
    }
    throw editConflict(lastConflict)
  }

  async delete(key: RecordKey): Promise<void> {
    await this.#send(() => this.doc.send(new DeleteCommand({ TableName: this.table, Key: key })))
  }

  /**
   * Records of one partition, in sort-key order (or newest first), live ones only, up to
   * `limit`; `skPrefix` narrows them to sort keys that begin with it.
   */
  async query(
    pk: string,
    options: { skPrefix?: string; limit?: number; descending?: boolean } = {},
  ): Promise<(RecordValue & { sk: string })[]> {
    const found: (RecordValue & { sk: string })[] = []
    let startKey: QueryCommandInput['ExclusiveStartKey']
    do {
      const page = await this.#send(() =>
        this.doc.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: options.skPrefix
              ? '#pk = :pk AND begins_with(#sk, :prefix)'
              : '#pk = :pk',
            ExpressionAttributeNames: {
              '#pk': RECORDS_PARTITION_KEY,
              ...(options.skPrefix ? { '#sk': RECORDS_SORT_KEY } : {}),
            },
            ExpressionAttributeValues: {
              ':pk': pk,
              ...(options.skPrefix ? { ':prefix': options.skPrefix } : {}),
            },
            ScanIndexForward: !options.descending,
            ConsistentRead: true,
            ExclusiveStartKey: startKey,
            ...(options.limit ? { Limit: options.limit } : {}),
          }),
        ),
      )
      for (const item of page.Items ?? []) {
        if (this.isLive(item)) found.push({ ...valueOf(item), sk: String(item[RECORDS_SORT_KEY]) })
        if (options.limit && found.length >= options.limit) return found
      }
      startKey = page.LastEvaluatedKey
    } while (startKey)
    return found
  }
}

/** The key health reads: never written, so the read costs one GetItem and finds nothing. */
const HEALTH_KEY: RecordKey = { pk: 'health', sk: 'health' }

/**
 * Whether the records table answers, and if not, a sentence saying why (for `/api/health`):
 * one read of a key nobody writes, which the role may make.
 */
export async function checkRecords(
  records: RecordStore,
): Promise<{ ok: true } | { ok: false; problem: string }> {
  try {
    await records.get(HEALTH_KEY)
    return { ok: true }
  } catch (error) {
    const cause = error instanceof AppError ? error.cause : error
    const name = (cause as { name?: string } | undefined)?.name ?? 'unknown'
    if (name === 'ResourceNotFoundException') {
      return { ok: false, problem: `table ${records.table} does not exist` }
    }
    if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
      return { ok: false, problem: `access to table ${records.table} is denied` }
    }
    return { ok: false, problem: `the records table is unreachable (${name})` }
  }
}
