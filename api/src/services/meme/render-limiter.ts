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
  /**
   * Renders that work on the cores at once, from decoding the picture to encoding the meme
   * (`render`'s turns): about the cores. More at once do no more work per second, only make
   * each wait longer. Unset: no such limit (only the memory budget admits).
   */
  maxRunning?: number
  /**
   * Renders in flight beyond `maxRunning` (reading their picture or waiting for a turn), and
   * steps that may wait for memory; one more is refused with BUSY.
   */
  maxQueued: number
  /** What `Retry-After` tells a refused client, in seconds. */
  retryAfterSeconds: number
}

/** A first-come queue that refuses, at once, whoever finds it full. */
class Turns<T> {
  readonly #waiting: { item: T; admit: () => void }[] = []

  constructor(readonly limits: RenderLimits) {}

  get length(): number {
    return this.#waiting.length
  }

  /** Waits for `canStart(item)` behind those who came first; BusyError when full. */
  async take(item: T, canStart: (item: T) => boolean, start: (item: T) => void): Promise<void> {
    if (this.#waiting.length === 0 && canStart(item)) {
      start(item)
      return
    }
    // Memory's queue refuses here. Renders never wait here beyond `maxQueued`: `render`
    // admits at most that many more than the turns, and refuses the rest before.
    if (this.#waiting.length >= this.limits.maxQueued) {
      throw new BusyError(this.limits.retryAfterSeconds)
    }
    await new Promise<void>((admit) => this.#waiting.push({ item, admit }))
  }

  /** Starts those at the head that can start now; one that cannot holds the rest back. */
  admit(canStart: (item: T) => boolean, start: (item: T) => void): void {
    while (this.#waiting.length > 0 && canStart(this.#waiting[0]!.item)) {
      const next = this.#waiting.shift()!
      start(next.item)
      next.admit()
    }
  }
}

/**
 * Admits renders twice over. `render` admits at most `maxRunning + maxQueued` renders in
 * flight and refuses one more with BUSY at once (it never waits to be refused), so what is
 * served is served in about the time those take; an admitted render reads its picture
 * without a turn, then works on the cores in a turn, `maxRunning` at once, first come first
 * served. `run` holds memory within a render: under the byte budget a step starts at once,
 * over it it waits its turn; a step larger than the whole budget still runs, alone, so no
 * picture the other limits allow is refused forever.
 */
export class RenderLimiter {
  #bytesInFlight = 0
  #holding = 0
  #running = 0
  #admitted = 0
  readonly #renders: Turns<null>
  readonly #memory: Turns<number>

  constructor(readonly limits: RenderLimits) {
    this.#renders = new Turns(limits)
    this.#memory = new Turns(limits)
  }

  get bytesInFlight(): number {
    return this.#bytesInFlight
  }

  /** Steps holding memory now. */
  get holding(): number {
    return this.#holding
  }

  /** Renders admitted and not finished: reading, waiting for a turn or running. */
  get inFlight(): number {
    return this.#admitted
  }

  /** Renders that have their turn now. */
  get running(): number {
    return this.#running
  }

  /** Renders waiting for a turn, and steps waiting for memory. */
  get queued(): number {
    return this.#renders.length + this.#memory.length
  }

  /**
   * Admits a render, or refuses it at once with BusyError when `maxRunning + maxQueued` are in
   * flight already. The render reads what it needs (S3) without a turn, then awaits `turn()`
   * before its work on the cores: renders waiting on reads do not hold the turns that renders
   * ready to decode, draw and encode could use.
   */
  async render<T>(task: (turn: () => Promise<void>) => Promise<T>): Promise<T> {
    if (
      this.#admitted >=
      (this.limits.maxRunning ?? Number.POSITIVE_INFINITY) + this.limits.maxQueued
    ) {
      throw new BusyError(this.limits.retryAfterSeconds)
    }
    this.#admitted += 1
    let taken = false
    let finished = false
    let taking: Promise<void> | undefined
    const release = () => {
      this.#running -= 1
      this.#renders.admit(this.#hasTurn, this.#startRender)
    }
    // One turn however often, or however many at once, a render asks; a render that ends
    // while its turn is still coming gives it back as it comes.
    const turn = () =>
      (taking ??= this.#renders.take(null, this.#hasTurn, this.#startRender).then(() => {
        taken = true
        if (finished) release()
      }))
    try {
      return await task(turn)
    } finally {
      this.#admitted -= 1
      finished = true
      if (taken) release()
    }
  }

  /** Runs `task` once `bytes` fit the budget; throws BusyError when it cannot even wait. */
  async run<T>(bytes: number, task: () => Promise<T>): Promise<T> {
    await this.#memory.take(bytes, this.#fits, this.#hold)
    try {
      return await task()
    } finally {
      this.#bytesInFlight -= bytes
      this.#holding -= 1
      // First come, first served: a big picture at the head is not overtaken by small ones.
      this.#memory.admit(this.#fits, this.#hold)
    }
  }

  readonly #hasTurn = () => this.#running < (this.limits.maxRunning ?? Number.POSITIVE_INFINITY)

  readonly #startRender = () => {
    this.#running += 1
  }

  readonly #fits = (bytes: number) =>
    this.#holding === 0 || this.#bytesInFlight + bytes <= this.limits.maxBytesInFlight

  readonly #hold = (bytes: number) => {
    this.#bytesInFlight += bytes
    this.#holding += 1
  }
}
