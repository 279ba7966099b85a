/**
 * The app's background work queues: what the code that sends work and the code that does it
 * see, whichever queue carries it (SQS on AWS, the embedded queue in the records table
 * locally). The semantics are SQS's standard queue: at least once, a message received is
 * hidden for the visibility timeout and comes back if its worker fails or its process dies,
 * and after the last allowed receive it goes to the dead-letter queue. Workers must be
 * idempotent: a message can arrive twice.
 */

/** `jobs`: job renders (the render function). `archives`: push archives (the control function). */
export type QueueName = 'jobs' | 'archives'

/** One message as a worker gets it. */
export interface QueueRecord {
  /** The queue's id for this message (SQS's MessageId). */
  messageId: string
  /** What was sent, parsed from JSON. */
  message: unknown
  /** How many times it has been received, this time included (1 the first time). */
  receiveCount: number
}

/**
 * Does the work of one message. Resolving deletes it; throwing leaves it for another try after
 * the visibility timeout (on Lambda: a batch item failure), and after the queue's last
 * allowed receive it goes to the dead-letter queue. A failure that no retry can mend should
 * be recorded as the outcome and resolve, not throw.
 */
export type QueueWorker = (record: QueueRecord) => Promise<void>

export interface Queues {
  /**
   * Sends a message (JSON-serialisable, under 256 KiB). Rejects with 503
   * STORAGE_UNAVAILABLE when the queue cannot take it, so the caller can answer that and
   * leave nothing half-done behind.
   */
  send(queue: QueueName, message: unknown): Promise<void>
  /**
   * The worker for a queue, registered by the function that consumes it (render: jobs;
   * control: archives). Locally this process then polls the embedded queue; on Lambda the
   * queue's event source mapping invokes the function with batches.
   */
  work(queue: QueueName, worker: QueueWorker): void
  /** Resolves once the local queues have nothing visible and no worker running (tests). */
  idle(): Promise<void>
}
