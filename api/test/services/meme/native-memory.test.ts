import { afterEach, describe, expect, it, vi } from 'vitest'
import { canTrim, mallocTrim, TrimWhenIdle } from '../../../src/services/meme/native-memory.ts'

afterEach(() => {
  vi.useRealTimers()
})

describe('mallocTrim', () => {
  it("binds glibc's malloc_trim on this Linux machine (a glibc one, as CI's) and calls it", () => {
    expect(canTrim()).toBe(true)
    // 1 from glibc when memory was given back, 0 when there was none to give.
    expect(typeof mallocTrim()).toBe('boolean')
  })
})

describe('TrimWhenIdle', () => {
  function setup() {
    vi.useFakeTimers()
    const trim = vi.fn(() => true)
    let inFlight = 0
    const trimmer = new TrimWhenIdle(trim, 1000, () => inFlight === 0)
    return {
      trim,
      trimmer,
      set inFlight(value: number) {
        inFlight = value
      },
    }
  }

  it('trims once, a second after the last render ended with none in flight', () => {
    const t = setup()
    t.trimmer.renderEnded()
    vi.advanceTimersByTime(600)
    // Another render in the meantime: the second starts again.
    t.trimmer.renderEnded()
    vi.advanceTimersByTime(600)
    expect(t.trim).not.toHaveBeenCalled()
    vi.advanceTimersByTime(400)
    expect(t.trim).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(10_000)
    expect(t.trim).toHaveBeenCalledTimes(1)
  })

  it('does not trim while renders are in flight, nor when one started since', () => {
    const t = setup()
    t.inFlight = 1
    t.trimmer.renderEnded()
    vi.advanceTimersByTime(5000)
    expect(t.trim).not.toHaveBeenCalled()
    t.inFlight = 0
    t.trimmer.renderEnded()
    t.inFlight = 1
    vi.advanceTimersByTime(5000)
    expect(t.trim).not.toHaveBeenCalled()
  })

  it('trims nothing once cancelled (the app closing)', () => {
    const t = setup()
    t.trimmer.renderEnded()
    t.trimmer.cancel()
    vi.advanceTimersByTime(5000)
    expect(t.trim).not.toHaveBeenCalled()
  })
})
