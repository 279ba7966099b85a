import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'
import type { QueueSettings } from '../../config.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'

/**
 * A send gives up within about 2 × 2 s plus a retry's backoff, as DynamoDB's calls do, so
 * that `POST /api/jobs` (a record, then a send) answers inside API Gateway's 10 s when SQS
 * stalls. A message is a few hundred bytes; SQS answers in region in milliseconds.
 */
const SQS_REQUEST_TIMEOUT_MS = 2000
const SQS_CONNECTION_TIMEOUT_MS = 1000
const SQS_MAX_ATTEMPTS = 2

export function createSqsClient(settings: QueueSettings): SQSClient {
  return new SQSClient({
    region: settings.region,
    // Set, it also wins over the queue URL's host (the SDK otherwise sends to the URL's).
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    maxAttempts: SQS_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: SQS_CONNECTION_TIMEOUT_MS,
      requestTimeout: SQS_REQUEST_TIMEOUT_MS,
      // Without it an expired requestTimeout only logs a warning (see storage.ts).
      throwOnRequestTimeout: true,
    },
  })
}

/** Sends one message; any failure is `storageUnavailable` (503). */
export async function sendToSqs(client: SQSClient, queueUrl: string, body: string): Promise<void> {
  try {
    await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }))
  } catch (error) {
    throw storageUnavailable(error)
  }
}

/**
 * A queue's name: the last segment of its URL (`https://sqs.<region>.amazonaws.com/<account>/
 * <name>`) and of its ARN (`arn:aws:sqs:<region>:<account>:<name>`).
 */
export function queueNameOfUrl(url: string): string {
  return url.split('/').pop() ?? ''
}
export function queueNameOfArn(arn: string): string {
  return arn.split(':').pop() ?? ''
}

/** A batch from an SQS event source mapping, as Lambda hands it over. */
export function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    records.every(
      (record: Partial<SQSRecord> | null) =>
        record?.eventSource === 'aws:sqs' &&
        typeof record.eventSourceARN === 'string' &&
        typeof record.messageId === 'string' &&
        typeof record.body === 'string',
    )
  )
}

/** SQS's count of receives; 1 when missing or unreadable (the first delivery). */
export function receiveCountOf(record: SQSRecord): number {
  const count = Number(record.attributes?.ApproximateReceiveCount)
  return Number.isSafeInteger(count) && count > 0 ? count : 1
}

export type { SQSBatchResponse, SQSEvent, SQSRecord }
