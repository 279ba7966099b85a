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
    expect(limiter.running).toBe(0)
    expect(await limiter.run(100, async () => 'next')).toBe('next')
  })
})
