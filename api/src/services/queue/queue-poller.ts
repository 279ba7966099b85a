import type { EmbeddedQueue, QueueLog, ReceivedMessage } from './embedded-queue.ts'
import type { QueueRecord } from './types.ts'

export interface QueuePollerOptions {
  /** Messages worked on at once: renders are CPU- and memory-bound, and the machine small. */
  concurrency: number
  /** How long to wait before looking again when the queue had nothing visible. */
  idlePollMs: number
  /** How long to wait after a receive failed (the table unreachable) before trying again. */
  errorPollMs: number
  log: QueueLog
}

/**
 * This process's consumer of one embedded queue: it receives messages while it has room,
 * runs the worker on each, deletes the message when the worker resolves, and leaves it to
 * come back after the visibility timeout when it throws (and, on its last allowed receive,
 * moves it to the dead-letter queue at once). `stop()` takes no more messages and waits for
 * the workers running.
 */
export class QueuePoller {
  readonly #running = new Set<Promise<void>>()
  #receiving = false
  #stopped = false
  #loop?: Promise<void>
  #wake?: () => void
  /** Messages received so far: lets `idle()` tell whether one was taken while it looked. */
  received = 0

  constructor(
    private readonly queue: EmbeddedQueue,
    private readonly run: (record: QueueRecord) => Promise<void>,
    private readonly options: QueuePollerOptions,
  ) {}

  start(): void {
    this.#loop ??= this.#poll()
  }

  /** Looks for messages now rather than after the idle wait (a message was just sent). */
  wake(): void {
    this.#wake?.()
  }

  /** Whether a receive or a worker is under way. */
  get busy(): boolean {
    return this.#receiving || this.#running.size > 0
  }

  /** Resolves when the next worker finishes (at once when none runs). */
  async settled(): Promise<void> {
    if (this.#running.size) await Promise.race(this.#running)
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.wake()
    await this.#loop
    await Promise.all(this.#running)
  }

  async #poll(): Promise<void> {
    while (!this.#stopped) {
      const room = this.options.concurrency - this.#running.size
      if (room <= 0) {
        await Promise.race(this.#running)
        continue
      }
      let messages: ReceivedMessage[]
      this.#receiving = true
      try {
        messages = await this.queue.receive(room)
      } catch (error) {
        this.options.log.warn(
          { err: error, queue: this.queue.name },
          'could not receive from the queue; trying again',
        )
        await this.#sleep(this.options.errorPollMs)
        continue
      } finally {
        this.#receiving = false
      }
      for (const message of messages) {
        this.received += 1
        const task = this.#work(message).finally(() => this.#running.delete(task))
        this.#running.add(task)
      }
      if (messages.length === 0) await this.#sleep(this.options.idlePollMs)
    }
  }

  async #work(message: ReceivedMessage): Promise<void> {
    const { log } = this.options
    const where = {
      queue: this.queue.name,
      messageId: message.messageId,
      receiveCount: message.receiveCount,
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(message.body)
    } catch {
      // Only this app writes the queue, in JSON: no retry would make this readable.
      log.error(where, 'queue message is not JSON; dropped')
      await this.queue.delete(message).catch(() => {})
      return
    }
    try {
      await this.run({
        messageId: message.messageId,
        message: parsed,
        receiveCount: message.receiveCount,
      })
    } catch (error) {
      log.warn({ ...where, err: error }, 'queue worker failed; the message will come back')
      if (message.receiveCount >= this.queue.maxReceives) {
        await this.queue.deadLetter(message).catch((moveError: unknown) => {
          // It is still in the queue: the next receive that finds it moves it.
          log.warn({ ...where, err: moveError }, 'could not move the message to the DLQ yet')
        })
      }
      return
    }
    try {
      if (!(await this.queue.delete(message))) {
        log.warn(where, 'queue message was received again before its worker finished')
      }
    } catch (error) {
      // It comes back after the visibility timeout; the worker is idempotent.
      log.warn({ ...where, err: error }, 'could not delete a finished queue message')
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve()
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms)
      // A forgotten app.close() should not keep a test run or a script alive.
      timer.unref()
      function done() {
        clearTimeout(timer)
        resolve()
      }
      this.#wake = done
    })
  }
}
