import { AppError } from '../shared/app-error.ts'

/** 503 BUSY: the renderer is full; the client should try again after `retryAfterSeconds`. */
export class BusyError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(503, 'BUSY', 'The server is busy making other memes; try again in a few seconds')
  }
}

export interface RenderLimits {
  /**
   * Bytes that may be in memory for renders at once. A render holds about its picture's
   * decoded size (plus, while decoding, the input's); this budget is what keeps a burst of
   * big pictures from running the process out of memory.
   */
  maxBytesInFlight: number
  /** Renders that may wait for room; one more is refused with 503 BUSY. */
  maxQueued: number
  /** What `Retry-After` tells a refused client, in seconds. */
  retryAfterSeconds: number
}

interface Waiter {
  bytes: number
  admit: () => void
}

/**
 * Admits renders by the memory they will hold. Under the budget a render starts at once;
 * over it, it waits in a short first-come queue; with the queue full it is refused with
 * BUSY rather than left to grow the heap. A render larger than the whole budget still
 * runs, alone, so no picture the other limits allow is refused forever.
 */
export class RenderLimiter {
  #bytesInFlight = 0
  #running = 0
  readonly #queue: Waiter[] = []

  constructor(readonly limits: RenderLimits) {}

  get bytesInFlight(): number {
    return this.#bytesInFlight
  }

  get running(): number {
    return this.#running
  }

  get queued(): number {
    return this.#queue.length
  }

  /** Runs `task` once `bytes` fit the budget; throws BusyError when it cannot even wait. */
  async run<T>(bytes: number, task: () => Promise<T>): Promise<T> {
    if (this.#queue.length === 0 && this.#fits(bytes)) {
      this.#take(bytes)
    } else if (this.#queue.length < this.limits.maxQueued) {
      await new Promise<void>((admit) => this.#queue.push({ bytes, admit }))
    } else {
      throw new BusyError(this.limits.retryAfterSeconds)
    }
    try {
      return await task()
    } finally {
      this.#release(bytes)
    }
  }

  #fits(bytes: number): boolean {
    return this.#running === 0 || this.#bytesInFlight + bytes <= this.limits.maxBytesInFlight
  }

  #take(bytes: number): void {
    this.#bytesInFlight += bytes
    this.#running += 1
  }

  #release(bytes: number): void {
    this.#bytesInFlight -= bytes
    this.#running -= 1
    // First come, first served: a big picture at the head is not overtaken by small ones.
    while (this.#queue.length > 0 && this.#fits(this.#queue[0]!.bytes)) {
      const next = this.#queue.shift()!
      this.#take(next.bytes)
      next.admit()
    }
  }
}
