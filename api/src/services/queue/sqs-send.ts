import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import type { QueueSettings } from '../../config.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'

/*
 * Sending to SQS, loaded with the first send (`app-queues.ts`): the render function never
 * sends, and the control function's cold start should not pay for the client before a job or
 * a push needs it.
 */

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
