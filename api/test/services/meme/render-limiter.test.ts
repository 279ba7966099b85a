import { describe, expect, it } from 'vitest'
import { BusyError, RenderLimiter } from '../../../src/services/meme/render-limiter.ts'

/** A task that runs until the test lets it finish. */
function held<T>(value: T) {
  let finish!: () => void
  let started = false
  const done = new Promise<void>((resolve) => (finish = resolve))
  return {
    task: async () => {
      started = true
      await done
      return value
    },
    finish: () => finish(),
    get started() {
      return started
    },
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve))

/** A render that takes its turn at once, as one with nothing to read would. */
const onTurn =
  <T>(task: () => Promise<T>) =>
  async (takeTurn: () => Promise<void>) => {
    await takeTurn()
    return task()
  }

describe('RenderLimiter', () => {
  const limits = { maxBytesInFlight: 100, maxQueued: 2, retryAfterSeconds: 3 }

  it('runs renders that fit the budget at once', async () => {
    const limiter = new RenderLimiter(limits)
    const [a, b] = [held('a'), held('b')]
    const results = [limiter.run(50, a.task), limiter.run(50, b.task)]
    await turn()
    expect([a.started, b.started]).toEqual([true, true])
    expect(limiter.bytesInFlight).toBe(100)
    a.finish()
    b.finish()
    expect(await Promise.all(results)).toEqual(['a', 'b'])
    expect(limiter.bytesInFlight).toBe(0)
  })

  it('queues what does not fit and starts it, first come first served, as room frees', async () => {
    const limiter = new RenderLimiter(limits)
    const [a, b, c] = [held('a'), held('b'), held('c')]
    const ra = limiter.run(80, a.task)
    const rb = limiter.run(60, b.task)
    const rc = limiter.run(10, c.task)
    await turn()
    // c would fit, but b came first: a small render does not overtake a waiting big one.
    expect([a.started, b.started, c.started]).toEqual([true, false, false])
    expect(limiter.queued).toBe(2)
    a.finish()
    await ra
    await turn()
    expect([b.started, c.started]).toEqual([true, true])
    b.finish()
    c.finish()
    expect(await Promise.all([rb, rc])).toEqual(['b', 'c'])
  })

  it('refuses with BUSY and a Retry-After when the queue is full', async () => {
    const limiter = new RenderLimiter(limits)
    const tasks = [held(1), held(2), held(3)]
    const running = tasks.map((t) => limiter.run(100, t.task))
    const refused = await limiter.run(1, async () => 4).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(BusyError)
    expect(refused).toMatchObject({ statusCode: 503, code: 'BUSY', retryAfterSeconds: 3 })
    for (const t of tasks) t.finish()
    expect(await Promise.all(running)).toEqual([1, 2, 3])
    // Afterwards there is room again.
    expect(await limiter.run(100, async () => 'again')).toBe('again')
  })

  it('runs a render larger than the whole budget, alone', async () => {
    const limiter = new RenderLimiter(limits)
    const small = held('small')
    const big = held('big')
    const rs = limiter.run(10, small.task)
    const rb = limiter.run(500, big.task)
    await turn()
    expect(big.started).toBe(false)
    small.finish()
    await rs
    await turn()
    expect(big.started).toBe(true)
    big.finish()
    expect(await rb).toBe('big')
  })

  it('frees the budget when a render fails', async () => {
    const limiter = new RenderLimiter(limits)
    await expect(
      limiter.run(100, async () => {
        throw new Error('broken picture')
      }),
    ).rejects.toThrow('broken picture')
    expect(limiter.bytesInFlight).toBe(0)
    expect(limiter.holding).toBe(0)
    expect(await limiter.run(100, async () => 'next')).toBe('next')
  })
})

describe('RenderLimiter turns', () => {
  const limits = { maxBytesInFlight: 100, maxRunning: 2, maxQueued: 2, retryAfterSeconds: 1 }

  it('runs at most maxRunning renders at once and starts the waiting ones in order', async () => {
    const limiter = new RenderLimiter(limits)
    const tasks = [held('a'), held('b'), held('c'), held('d')]
    const results = tasks.map((t) => limiter.render(onTurn(t.task)))
    await turn()
    expect(tasks.map((t) => t.started)).toEqual([true, true, false, false])
    expect([limiter.running, limiter.queued]).toEqual([2, 2])
    tasks[1]!.finish()
    await results[1]
    await turn()
    expect(tasks.map((t) => t.started)).toEqual([true, true, true, false])
    for (const t of tasks) t.finish()
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd'])
    expect([limiter.running, limiter.queued]).toEqual([0, 0])
  })

  it('refuses a render beyond the turns and the queue at once, without running it', async () => {
    const limiter = new RenderLimiter(limits)
    const tasks = [held(1), held(2), held(3), held(4)]
    const results = tasks.map((t) => limiter.render(onTurn(t.task)))
    let ran = false
    // Refused while every render above is still running: it did not wait for one to end.
    const refused = await limiter
      .render(
        onTurn(async () => {
          ran = true
        }),
      )
      .catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(BusyError)
    expect(refused).toMatchObject({ statusCode: 503, code: 'BUSY', retryAfterSeconds: 1 })
    expect(ran).toBe(false)
    expect(tasks.map((t) => t.started)).toEqual([true, true, false, false])
    for (const t of tasks) t.finish()
    expect(await Promise.all(results)).toEqual([1, 2, 3, 4])
    expect(await limiter.render(onTurn(async () => 'again'))).toBe('again')
  })

  it('lets a render read without a turn, and counts it toward BUSY meanwhile', async () => {
    const limiter = new RenderLimiter(limits)
    // Two renders still reading their pictures (they have not asked for a turn yet).
    const reads = [held('read 1'), held('read 2')]
    const readers = reads.map((read) =>
      limiter.render(async (takeTurn) => {
        await read.task()
        await takeTurn()
        return read.task()
      }),
    )
    await turn()
    // The turns are free for renders ready to work on the cores.
    const ready = [held('a'), held('b')]
    const results = ready.map((t) => limiter.render(onTurn(t.task)))
    await turn()
    expect(ready.map((t) => t.started)).toEqual([true, true])
    expect([limiter.running, limiter.inFlight]).toEqual([2, 4])
    // Four in flight (two turns, two in the queue's room): a fifth is refused at once.
    await expect(limiter.render(onTurn(async () => 'fifth'))).rejects.toBeInstanceOf(BusyError)
    // A read that ends waits for a turn like any other render.
    reads[0]!.finish()
    await turn()
    expect([limiter.running, limiter.queued]).toEqual([2, 1])
    for (const t of [...ready, ...reads]) t.finish()
    expect(await Promise.all([...results, ...readers])).toEqual(['a', 'b', 'read 1', 'read 2'])
    expect([limiter.running, limiter.queued, limiter.inFlight]).toEqual([0, 0, 0])
  })

  it('gives back its place when a read fails before the turn, and takes one turn however asked', async () => {
    const limiter = new RenderLimiter({ ...limits, maxRunning: 1, maxQueued: 0 })
    await expect(
      limiter.render(async () => {
        throw new Error('no such upload')
      }),
    ).rejects.toThrow('no such upload')
    expect(limiter.inFlight).toBe(0)
    const twice = await limiter.render(async (takeTurn) => {
      await takeTurn()
      await takeTurn()
      return limiter.running
    })
    expect(twice).toBe(1)
    expect([limiter.running, limiter.inFlight]).toEqual([0, 0])
  })

  it('takes one turn when a render asks twice at once', async () => {
    const limiter = new RenderLimiter({ ...limits, maxRunning: 2 })
    const running = await limiter.render(async (takeTurn) => {
      await Promise.all([takeTurn(), takeTurn()])
      return limiter.running
    })
    expect(running).toBe(1)
    expect([limiter.running, limiter.inFlight]).toEqual([0, 0])
  })

  it('gives back a turn that comes after its render ended without waiting for it', async () => {
    const limiter = new RenderLimiter({ ...limits, maxRunning: 1, maxQueued: 1 })
    const first = held('first')
    const running = limiter.render(onTurn(first.task))
    await turn()
    // Asks for a turn, behind the first render, and ends without waiting for it.
    expect(
      await limiter.render(async (takeTurn) => {
        void takeTurn()
        return 'impatient'
      }),
    ).toBe('impatient')
    first.finish()
    expect(await running).toBe('first')
    await turn()
    expect([limiter.running, limiter.queued, limiter.inFlight]).toEqual([0, 0, 0])
    expect(await limiter.render(onTurn(async () => 'next'))).toBe('next')
  })

  it('gives a failed render its turn back', async () => {
    const limiter = new RenderLimiter(limits)
    const failing = () =>
      limiter.render(
        onTurn(async () => {
          throw new Error('broken picture')
        }),
      )
    await expect(Promise.all([failing(), failing(), failing()])).rejects.toThrow('broken picture')
    await turn()
    expect([limiter.running, limiter.queued]).toEqual([0, 0])
    expect(await limiter.render(onTurn(async () => 'next'))).toBe('next')
  })

  it('holds memory within a render on the byte budget, apart from the turns', async () => {
    const limiter = new RenderLimiter({ ...limits, maxBytesInFlight: 100 })
    const [a, b] = [held('a'), held('b')]
    const ra = limiter.render(onTurn(() => limiter.run(80, a.task)))
    const rb = limiter.render(onTurn(() => limiter.run(80, b.task)))
    await turn()
    // Both have their turn; the second waits for memory, not for a turn.
    expect([a.started, b.started]).toEqual([true, false])
    expect([limiter.running, limiter.holding]).toEqual([2, 1])
    a.finish()
    await ra
    await turn()
    expect(b.started).toBe(true)
    b.finish()
    expect(await rb).toBe('b')
  })

  it('without maxRunning, admits by memory alone', async () => {
    const limiter = new RenderLimiter({ maxBytesInFlight: 100, maxQueued: 0, retryAfterSeconds: 1 })
    const tasks = Array.from({ length: 8 }, (_, i) => held(i))
    const results = tasks.map((t) => limiter.render(onTurn(t.task)))
    await turn()
    expect(tasks.every((t) => t.started)).toBe(true)
    for (const t of tasks) t.finish()
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })
})
