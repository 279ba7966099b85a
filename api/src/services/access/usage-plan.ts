import type { QuotaPeriod } from '../../config.ts'

/**
 * An API Gateway REST API usage plan, per API key: a token bucket (`rate` tokens a second,
 * holding at most `burst`, full at start) and a request quota per UTC calendar period.
 *
 * On AWS, API Gateway enforces the plan before a request reaches the app, and this is the
 * second line; locally it is the only one. The counters live in this process's memory: a
 * restart forgets them, and each Lambda instance counts only the requests it served.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
 * @see https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html
 */
export interface UsagePlanLimits {
  /** Steady requests a second: the rate the bucket refills at. */
  rate: number
  /** The bucket's capacity: how many requests may arrive at once. */
  burst: number
  /** Requests a key may make in one quota period. */
  quota: number
  quotaPeriod: QuotaPeriod
}

/**
 * `throttled`: the bucket is empty (API Gateway's THROTTLED, 429 Too Many Requests).
 * `quota-exceeded`: the period's quota is spent (QUOTA_EXCEEDED, 429 Limit Exceeded).
 */
export type Admission = 'admitted' | 'throttled' | 'quota-exceeded'

/** What a key has used, as the plan counts it (instants in ms); the route answers it as ISO. */
export interface UsageCounts {
  period: QuotaPeriod
  /** The period's first instant (ms since the epoch, UTC). */
  periodStart: number
  /** The instant the quota resets: the next period's first instant. */
  periodEnd: number
  /** Requests admitted in this period. */
  used: number
  remaining: number
  quota: number
  rate: number
  burst: number
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * The UTC calendar period holding `at`. A WEEK starts on Sunday: QuotaSettings' `offset`
 * defaults to 0, and "with a time period of WEEK, an offset of 0 starts on Sunday, and an
 * offset of 1 starts on Monday" (the API Gateway service model's description of `offset`;
 * the current API reference describes `offset` only as requests subtracted in the first
 * period, which for the default 0 changes nothing). A MONTH starts on the 1st: "monthly
 * quotas only reset on the 1st of every month".
 *
 * @see https://docs.rs/aws-sdk-apigateway/0.4.0/aws_sdk_apigateway/model/struct.QuotaSettings.html
 * @see https://repost.aws/questions/QUepNwkwNMQNewYbheVERayw/how-can-i-set-expiration-date-for-a-usage-plan-after-1-month-from-the-first-use
 */
export function quotaPeriodBounds(period: QuotaPeriod, at: number): { start: number; end: number } {
  const date = new Date(at)
  const year = date.getUTCFullYear()
  const month = date.getUTCMonth()
  const day = date.getUTCDate()
  switch (period) {
    case 'DAY': {
      const start = Date.UTC(year, month, day)
      return { start, end: start + DAY_MS }
    }
    case 'WEEK': {
      const start = Date.UTC(year, month, day - date.getUTCDay())
      return { start, end: start + 7 * DAY_MS }
    }
    case 'MONTH':
      return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) }
  }
}

interface KeyState {
  /** Thousandths of a token, so refills of whole milliseconds add up exactly. */
  milliTokens: number
  refilledAt: number
  periodStart: number
  used: number
}

const TOKEN = 1000

export class UsagePlan {
  readonly #limits: UsagePlanLimits
  readonly #now: () => number
  readonly #keys = new Map<string, KeyState>()

  constructor(limits: UsagePlanLimits, now: () => number = Date.now) {
    this.#limits = limits
    this.#now = now
  }

  /**
   * Admits one request for `keyId` or says why not. The throttle is checked first, as API
   * Gateway applies a usage plan's per-client throttling before anything else; only an
   * admitted request counts against the quota, so a client that is told to slow down, or
   * whose quota is spent, does not spend more of it by retrying.
   */
  admit(keyId: string): Admission {
    const state = this.#state(keyId)
    if (state.milliTokens < TOKEN) return 'throttled'
    state.milliTokens -= TOKEN
    if (state.used >= this.#limits.quota) return 'quota-exceeded'
    state.used += 1
    return 'admitted'
  }

  usage(keyId: string): UsageCounts {
    const state = this.#state(keyId)
    const { rate, burst, quota, quotaPeriod } = this.#limits
    const { end } = quotaPeriodBounds(quotaPeriod, state.periodStart)
    return {
      period: quotaPeriod,
      periodStart: state.periodStart,
      periodEnd: end,
      used: state.used,
      remaining: Math.max(0, quota - state.used),
      quota,
      rate,
      burst,
    }
  }

  /** The key's state brought up to now: the bucket refilled, the quota reset in a new period. */
  #state(keyId: string): KeyState {
    const now = this.#now()
    const { start } = quotaPeriodBounds(this.#limits.quotaPeriod, now)
    const capacity = this.#limits.burst * TOKEN
    let state = this.#keys.get(keyId)
    if (!state) {
      state = { milliTokens: capacity, refilledAt: now, periodStart: start, used: 0 }
      this.#keys.set(keyId, state)
    }
    // A clock stepped backwards (NTP) neither refills the bucket nor reopens a past period.
    const elapsed = Math.max(0, now - state.refilledAt)
    state.milliTokens = Math.min(capacity, state.milliTokens + elapsed * this.#limits.rate)
    state.refilledAt = Math.max(state.refilledAt, now)
    if (start > state.periodStart) {
      state.periodStart = start
      state.used = 0
    }
    return state
  }
}
