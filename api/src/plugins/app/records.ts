import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import fp from 'fastify-plugin'
import type { DynamoDbSettings } from '../../config.ts'
import { RecordStore } from '../../services/records/record-store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's records (jobs, hooks, deliveries, idempotency keys, settings). */
    records: RecordStore
  }
}

/**
 * Every DynamoDB call gives up within about 2 × 2 s plus a retry's backoff: a stalled table is
 * a 503 `STORAGE_UNAVAILABLE` well inside API Gateway's 10 s, with room for the S3 call a
 * route may make besides. A record is a few KB; DynamoDB answers in region in milliseconds.
 */
const DYNAMODB_REQUEST_TIMEOUT_MS = 2000
const DYNAMODB_CONNECTION_TIMEOUT_MS = 1000
const DYNAMODB_MAX_ATTEMPTS = 2

export function createDynamoDbClient(settings: DynamoDbSettings): DynamoDBClient {
  return new DynamoDBClient({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    maxAttempts: DYNAMODB_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: DYNAMODB_CONNECTION_TIMEOUT_MS,
      requestTimeout: DYNAMODB_REQUEST_TIMEOUT_MS,
      // Without it an expired requestTimeout only logs a warning (see storage.ts).
      throwOnRequestTimeout: true,
    },
  })
}

export function createRecordStore(
  settings: DynamoDbSettings,
  table: string,
  now?: () => number,
): RecordStore {
  const doc = DynamoDBDocumentClient.from(createDynamoDbClient(settings), {
    marshallOptions: { removeUndefinedValues: true },
  })
  return new RecordStore(doc, table, now)
}

/** The record store every route shares; its client is closed with the app. */
export default fp<{ settings: DynamoDbSettings; table: string }>(
  async (app, { settings, table }) => {
    const records = createRecordStore(settings, table)
    app.decorate('records', records)
    app.addHook('onClose', async () => records.doc.destroy())
  },
  { name: 'records' },
)
