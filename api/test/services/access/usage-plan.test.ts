import { describe, expect, it } from 'vitest'
import {
  quotaPeriodBounds,
  UsagePlan,
  type UsagePlanLimits,
} from '../../../src/services/access/usage-plan.ts'

const at = (iso: string) => Date.parse(iso)

function plan(limits: Partial<UsagePlanLimits>, start = at('2025-03-12T12:00:00Z')) {
  const clock = { now: start }
  const usagePlan = new UsagePlan(
    { rate: 10, burst: 20, quota: 10_000, quotaPeriod: 'DAY', ...limits },
    () => clock.now,
  )
  return { usagePlan, clock }
}

function admitMany(usagePlan: UsagePlan, count: number, keyId = 'a') {
  return Array.from({ length: count }, () => usagePlan.admit(keyId))
}

describe('the token bucket', () => {
  it('admits a burst at once, then throttles', () => {
    const { usagePlan } = plan({ rate: 2, burst: 5 })
    expect(admitMany(usagePlan, 5)).toEqual(Array(5).fill('admitted'))
    expect(usagePlan.admit('a')).toBe('throttled')
  })

  it('refills one token every 1/rate seconds', () => {
    const { usagePlan, clock } = plan({ rate: 4, burst: 2 })
    admitMany(usagePlan, 2)
    clock.now += 249
    expect(usagePlan.admit('a')).toBe('throttled')
    clock.now += 1
    expect(usagePlan.admit('a')).toBe('admitted')
    expect(usagePlan.admit('a')).toBe('throttled')
  })

  it('refills exactly at rates that do not divide a second', () => {
    const { usagePlan, clock } = plan({ rate: 3, burst: 2 })
    admitMany(usagePlan, 2)
    clock.now += 333
    expect(usagePlan.admit('a')).toBe('throttled')
    clock.now += 1
    expect(usagePlan.admit('a')).toBe('admitted')
    // The second token is due at 666.7 ms: what the first refill had over is not lost.
    clock.now += 332
    expect(usagePlan.admit('a')).toBe('throttled')
    clock.now += 1
    expect(usagePlan.admit('a')).toBe('admitted')
  })

  it('holds no more than the burst however long a key is idle', () => {
    const { usagePlan, clock } = plan({ rate: 10, burst: 3 })
    usagePlan.admit('a')
    clock.now += 60_000
    expect(admitMany(usagePlan, 4)).toEqual(['admitted', 'admitted', 'admitted', 'throttled'])
  })

  it('keeps a bucket per key', () => {
    const { usagePlan } = plan({ rate: 1, burst: 1 })
    expect(usagePlan.admit('a')).toBe('admitted')
    expect(usagePlan.admit('a')).toBe('throttled')
    expect(usagePlan.admit('b')).toBe('admitted')
  })

  it('gives nothing back when the clock steps backwards', () => {
    const { usagePlan, clock } = plan({ rate: 1, burst: 1 })
    usagePlan.admit('a')
    clock.now -= 5000
    expect(usagePlan.admit('a')).toBe('throttled')
    clock.now += 5000 + 999
    expect(usagePlan.admit('a')).toBe('throttled')
    clock.now += 1
    expect(usagePlan.admit('a')).toBe('admitted')
  })
})

describe('the quota', () => {
  it('admits quota requests, then answers quota-exceeded', () => {
    const { usagePlan } = plan({ quota: 3 })
    expect(admitMany(usagePlan, 4)).toEqual(['admitted', 'admitted', 'admitted', 'quota-exceeded'])
    expect(usagePlan.usage('a')).toMatchObject({ used: 3, remaining: 0, quota: 3 })
  })

  it('counts only admitted requests: throttled and refused ones are free', () => {
    const { usagePlan, clock } = plan({ rate: 1, burst: 2, quota: 3 })
    expect(admitMany(usagePlan, 3)).toEqual(['admitted', 'admitted', 'throttled'])
    expect(usagePlan.usage('a').used).toBe(2)
    clock.now += 2000
    expect(admitMany(usagePlan, 2)).toEqual(['admitted', 'quota-exceeded'])
    expect(usagePlan.usage('a')).toMatchObject({ used: 3, remaining: 0 })
  })

  it('throttles before it counts: a spent quota still drains the bucket', () => {
    const { usagePlan } = plan({ rate: 1, burst: 2, quota: 1 })
    expect(admitMany(usagePlan, 3)).toEqual(['admitted', 'quota-exceeded', 'throttled'])
  })

  it('resets a DAY quota at midnight UTC', () => {
    const { usagePlan, clock } = plan({ quota: 1, quotaPeriod: 'DAY' }, at('2025-03-12T00:00:00Z'))
    usagePlan.admit('a')
    clock.now = at('2025-03-12T23:59:59.999Z')
    expect(usagePlan.admit('a')).toBe('quota-exceeded')
    clock.now = at('2025-03-13T00:00:00Z')
    expect(usagePlan.admit('a')).toBe('admitted')
  })

  it('resets a WEEK quota at midnight UTC going into Sunday, not Monday', () => {
    // 2025-03-15 is a Saturday.
    const { usagePlan, clock } = plan({ quota: 1, quotaPeriod: 'WEEK' }, at('2025-03-10T08:00:00Z'))
    usagePlan.admit('a')
    clock.now = at('2025-03-15T23:59:59.999Z')
    expect(usagePlan.admit('a')).toBe('quota-exceeded')
    clock.now = at('2025-03-16T00:00:00Z')
    expect(usagePlan.admit('a')).toBe('admitted')
    clock.now = at('2025-03-17T00:00:00Z')
    expect(usagePlan.admit('a')).toBe('quota-exceeded')
  })

  it('resets a MONTH quota on the 1st, UTC', () => {
    const { usagePlan, clock } = plan(
      { quota: 1, quotaPeriod: 'MONTH' },
      at('2024-02-01T00:00:00Z'),
    )
    usagePlan.admit('a')
    clock.now = at('2024-02-29T23:59:59.999Z')
    expect(usagePlan.admit('a')).toBe('quota-exceeded')
    clock.now = at('2024-03-01T00:00:00Z')
    expect(usagePlan.admit('a')).toBe('admitted')
  })

  it('does not reopen a spent period when the clock steps back into it', () => {
    const { usagePlan, clock } = plan({ quota: 1, quotaPeriod: 'DAY' }, at('2025-03-13T00:00:01Z'))
    usagePlan.admit('a')
    clock.now = at('2025-03-12T23:59:59Z')
    expect(usagePlan.admit('a')).toBe('quota-exceeded')
    expect(usagePlan.usage('a').periodStart).toBe(at('2025-03-13T00:00:00Z'))
  })

  it('reports the period, the counts and the limits', () => {
    const { usagePlan, clock } = plan(
      { rate: 5, burst: 7, quota: 100, quotaPeriod: 'WEEK' },
      at('2025-03-12T12:00:00Z'),
    )
    admitMany(usagePlan, 4)
    expect(usagePlan.usage('a')).toEqual({
      period: 'WEEK',
      periodStart: at('2025-03-09T00:00:00Z'),
      periodEnd: at('2025-03-16T00:00:00Z'),
      used: 4,
      remaining: 96,
      quota: 100,
      rate: 5,
      burst: 7,
    })
    clock.now = at('2025-03-16T00:00:00Z')
    expect(usagePlan.usage('a')).toMatchObject({
      periodStart: at('2025-03-16T00:00:00Z'),
      used: 0,
      remaining: 100,
    })
    expect(usagePlan.usage('unseen')).toMatchObject({ used: 0, remaining: 100 })
  })
})

describe('quotaPeriodBounds', () => {
  it.each([
    ['DAY', '2025-03-12T12:34:56Z', '2025-03-12T00:00:00Z', '2025-03-13T00:00:00Z'],
    ['DAY', '2024-12-31T23:59:59.999Z', '2024-12-31T00:00:00Z', '2025-01-01T00:00:00Z'],
    ['WEEK', '2025-01-01T00:00:00Z', '2024-12-29T00:00:00Z', '2025-01-05T00:00:00Z'],
    ['WEEK', '2025-03-16T00:00:00Z', '2025-03-16T00:00:00Z', '2025-03-23T00:00:00Z'],
    ['WEEK', '2025-03-15T23:59:59.999Z', '2025-03-09T00:00:00Z', '2025-03-16T00:00:00Z'],
    ['MONTH', '2024-02-29T12:00:00Z', '2024-02-01T00:00:00Z', '2024-03-01T00:00:00Z'],
    ['MONTH', '2025-12-31T23:59:59.999Z', '2025-12-01T00:00:00Z', '2026-01-01T00:00:00Z'],
  ] as const)('%s holding %s runs from %s to %s', (period, instant, start, end) => {
    expect(quotaPeriodBounds(period, at(instant))).toEqual({ start: at(start), end: at(end) })
  })
})
