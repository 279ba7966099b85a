import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'

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
