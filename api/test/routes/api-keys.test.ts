import { Writable } from 'node:stream'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, closedPort, testConfig } from '../support/test-app.ts'

// Two keys as ADMIN_API_KEYS gives them; WRONG_KEY has KEY's length and differs in one place.
const KEY = 'k3y-4lpha-0123456789abcdefghijklmnopqr'
const OTHER_KEY = 'second-key-zyxwvutsrqponmlkjihgfedcba'
const WRONG_KEY = `${KEY.slice(0, -1)}s`

const FORBIDDEN = {
  status: 403,
  errorType: 'ForbiddenException',
  body: '{"message":"Forbidden"}',
}
const TOO_MANY_REQUESTS = {
  status: 429,
  errorType: 'TooManyRequestsException',
  body: '{"message":"Too Many Requests"}',
}
const LIMIT_EXCEEDED = {
  status: 429,
  errorType: 'LimitExceededException',
  body: '{"message":"Limit Exceeded"}',
}

/** S3 is never reached on these paths: nothing listens at its endpoint. */
let endpoint: string
beforeAll(async () => {
  endpoint = await closedPort()
})

const apps: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

/** The app with the two keys, `env` on top, and a clock the test moves. */
async function appAt(start: string, env: Record<string, string> = {}, logs?: Writable) {
  const clock = { now: Date.parse(start) }
  const app = await buildApp(
    testConfig(endpoint, { ADMIN_API_KEYS: `${KEY},${OTHER_KEY}`, ...env }),
    {
      now: () => clock.now,
      ...(logs ? { logger: { level: 'trace', stream: logs } } : {}),
    },
  )
  apps.push(app)
  return { app, clock }
}

function usage(app: FastifyInstance, key = KEY) {
  return app.inject({ url: '/api/admin/usage', headers: { 'x-api-key': key } })
}

/** The response is API Gateway's, byte for byte. */
function expectGatewayAnswer(
  response: Awaited<ReturnType<FastifyInstance['inject']>>,
  expected: typeof FORBIDDEN,
) {
  expect(response.statusCode).toBe(expected.status)
  expect(response.body).toBe(expected.body)
  expect(response.headers['content-type']).toBe('application/json')
  expect(response.headers['content-length']).toBe(String(Buffer.byteLength(expected.body)))
  expect(response.headers['x-amzn-errortype']).toBe(expected.errorType)
  expect(response.headers['retry-after']).toBeUndefined()
}

describe('the API key', () => {
  it.each<[string, InjectOptions['headers']]>([
    ['missing', {}],
    ['empty', { 'x-api-key': '' }],
    ['unknown', { 'x-api-key': 'not-a-key' }],
    ['of the right length but wrong', { 'x-api-key': WRONG_KEY }],
    ['a prefix of a key', { 'x-api-key': KEY.slice(0, 8) }],
    ['a key with more after it', { 'x-api-key': `${KEY}x` }],
    ['both keys in one header', { 'x-api-key': `${KEY},${OTHER_KEY}` }],
  ])('is refused 403 Forbidden when %s', async (_case, headers) => {
    const { app } = await appAt('2025-03-12T12:00:00Z')
    expectGatewayAnswer(await app.inject({ url: '/api/admin/usage', headers }), FORBIDDEN)
  })

  it('is sent in a header, not the query string', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z')
    const response = await app.inject({ url: `/api/admin/usage?x-api-key=${KEY}` })
    expectGatewayAnswer(response, FORBIDDEN)
  })

  it('admits each configured key, as its own key', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z')
    const first = await usage(app, KEY)
    const second = await usage(app, OTHER_KEY)
    expect(first.statusCode).toBe(200)
    expect(second.statusCode).toBe(200)
    expect(first.json().keyId).toMatch(/^[0-9a-f]{12}$/)
    expect(second.json().keyId).toMatch(/^[0-9a-f]{12}$/)
    expect(second.json().keyId).not.toBe(first.json().keyId)
    expect(second.json().used).toBe(1)
  })

  it('takes the header in any case', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z')
    const response = await app.inject({ url: '/api/admin/usage', headers: { 'X-API-Key': KEY } })
    expect(response.statusCode).toBe(200)
  })

  it('guards paths under /api/admin that match no route: 403 without a key, 404 with one', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z')
    for (const url of ['/api/admin', '/api/admin/', '/api/admin/no-such-tool']) {
      expectGatewayAnswer(await app.inject({ url }), FORBIDDEN)
      expectGatewayAnswer(
        await app.inject({ method: 'POST', url, headers: { 'x-api-key': WRONG_KEY } }),
        FORBIDDEN,
      )
    }
    const found = await app.inject({
      url: '/api/admin/no-such-tool',
      headers: { 'x-api-key': KEY },
    })
    expect(found.statusCode).toBe(404)
    expect(found.json()).toMatchObject({ code: 'NOT_FOUND' })
    // The 404 was one request against the quota, however many hooks saw it.
    expect((await usage(app)).json().used).toBe(2)
  })

  it('guards /api/jobs', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z')
    expectGatewayAnswer(
      await app.inject({ method: 'POST', url: '/api/jobs', payload: {} }),
      FORBIDDEN,
    )
    expectGatewayAnswer(await app.inject({ url: '/api/jobs' }), FORBIDDEN)
    expectGatewayAnswer(await app.inject({ url: '/api/jobs/some-job' }), FORBIDDEN)
  })

  it('leaves the public API alone', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z')
    const response = await app.inject('/api/limits')
    expect(response.statusCode).toBe(200)
  })
})

describe('the rate', () => {
  it('admits a burst, answers 429 Too Many Requests, and admits one more after 1/rate seconds', async () => {
    const { app, clock } = await appAt('2025-03-12T12:00:00Z', {
      USAGE_RATE: '2',
      USAGE_BURST: '3',
    })
    for (let i = 0; i < 3; i++) expect((await usage(app)).statusCode).toBe(200)
    expectGatewayAnswer(await usage(app), TOO_MANY_REQUESTS)
    clock.now += 499
    expectGatewayAnswer(await usage(app), TOO_MANY_REQUESTS)
    clock.now += 1
    const admitted = await usage(app)
    expect(admitted.statusCode).toBe(200)
    // Throttled requests do not count against the quota.
    expect(admitted.json().used).toBe(4)
    expectGatewayAnswer(await usage(app), TOO_MANY_REQUESTS)
  })

  it('is per key', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z', { USAGE_RATE: '1', USAGE_BURST: '1' })
    expect((await usage(app, KEY)).statusCode).toBe(200)
    expectGatewayAnswer(await usage(app, KEY), TOO_MANY_REQUESTS)
    expect((await usage(app, OTHER_KEY)).statusCode).toBe(200)
  })

  it('is not spent by refused keys', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z', { USAGE_RATE: '1', USAGE_BURST: '1' })
    for (let i = 0; i < 5; i++) expectGatewayAnswer(await usage(app, WRONG_KEY), FORBIDDEN)
    expect((await usage(app)).statusCode).toBe(200)
  })
})

describe('the quota', () => {
  it.each([
    // period, the last instant of a period, the first instant of the next
    ['DAY', '2025-03-12T23:59:59.999Z', '2025-03-13T00:00:00.000Z'],
    // 2025-03-15 is a Saturday: API Gateway's weeks start on Sunday.
    ['WEEK', '2025-03-15T23:59:59.999Z', '2025-03-16T00:00:00.000Z'],
    ['MONTH', '2025-01-31T23:59:59.999Z', '2025-02-01T00:00:00.000Z'],
  ])(
    'answers 429 Limit Exceeded when a %s is spent, and resets at %s → %s UTC',
    async (period, lastInstant, nextPeriod) => {
      const { app, clock } = await appAt(lastInstant, {
        USAGE_QUOTA: '3',
        USAGE_QUOTA_PERIOD: period,
      })
      for (let i = 0; i < 3; i++) expect((await usage(app)).statusCode).toBe(200)
      expectGatewayAnswer(await usage(app), LIMIT_EXCEEDED)
      expectGatewayAnswer(await usage(app), LIMIT_EXCEEDED)
      // Another key has its own quota.
      expect((await usage(app, OTHER_KEY)).statusCode).toBe(200)

      clock.now = Date.parse(nextPeriod)
      const reset = await usage(app)
      expect(reset.statusCode).toBe(200)
      expect(reset.json()).toMatchObject({ period, periodStart: nextPeriod, used: 1, remaining: 2 })
    },
  )

  it('does not reset within the period', async () => {
    const { app, clock } = await appAt('2025-03-10T00:00:00Z', {
      USAGE_QUOTA: '1',
      USAGE_QUOTA_PERIOD: 'WEEK',
    })
    expect((await usage(app)).statusCode).toBe(200)
    // Monday 2025-03-10 to Saturday 2025-03-15 are one week.
    clock.now = Date.parse('2025-03-15T12:00:00Z')
    expectGatewayAnswer(await usage(app), LIMIT_EXCEEDED)
  })
})

describe('GET /api/admin/usage', () => {
  it("answers this key's usage and limits", async () => {
    const { app } = await appAt('2025-03-12T15:30:00Z', {
      USAGE_RATE: '5',
      USAGE_BURST: '8',
      USAGE_QUOTA: '50',
      USAGE_QUOTA_PERIOD: 'MONTH',
    })
    const response = await usage(app)
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.json()).toEqual({
      keyId: expect.stringMatching(/^[0-9a-f]{12}$/),
      period: 'MONTH',
      periodStart: '2025-03-01T00:00:00.000Z',
      periodEnd: '2025-04-01T00:00:00.000Z',
      used: 1,
      remaining: 49,
      quota: 50,
      rate: 5,
      burst: 8,
    })
  })

  it('moves with admitted requests only', async () => {
    const { app } = await appAt('2025-03-12T15:30:00Z', { USAGE_QUOTA: '10' })
    expect((await usage(app)).json()).toMatchObject({ used: 1, remaining: 9 })
    await app.inject({ url: '/api/admin/no-such-tool', headers: { 'x-api-key': KEY } })
    await usage(app, WRONG_KEY)
    await app.inject({ url: '/api/admin/usage' })
    await usage(app, OTHER_KEY)
    expect((await usage(app)).json()).toMatchObject({ used: 3, remaining: 7 })
  })

  it('is documented in the OpenAPI document', async () => {
    const { app } = await appAt('2025-03-12T15:30:00Z')
    const response = await app.inject('/api/docs/json')
    const operation = response.json().paths['/api/admin/usage'].get
    expect(Object.keys(operation.responses)).toEqual(['200', '403', '429'])
    expect(
      Object.keys(operation.responses['200'].content['application/json'].schema.properties),
    ).toEqual([
      'keyId',
      'period',
      'periodStart',
      'periodEnd',
      'used',
      'remaining',
      'quota',
      'rate',
      'burst',
    ])
  })
})

describe('logging', () => {
  it('never writes a key, sent or configured, and names keys by their id', async () => {
    const lines: string[] = []
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const { app } = await appAt('2025-03-12T12:00:00Z', { USAGE_RATE: '1', USAGE_BURST: '1' }, logs)
    const keyId = (await usage(app)).json().keyId as string
    await usage(app)
    await usage(app, WRONG_KEY)
    await app.inject({ url: '/api/admin/no-such-tool', headers: { 'x-api-key': OTHER_KEY } })

    const written = lines.join('')
    expect(lines.length).toBeGreaterThan(4)
    for (const secret of [KEY, OTHER_KEY, WRONG_KEY]) expect(written).not.toContain(secret)
    expect(written).toContain(`"apiKeyId":"${keyId}"`)
  })

  it('redacts the header even when request headers are logged', async () => {
    const lines: string[] = []
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const clock = { now: Date.parse('2025-03-12T12:00:00Z') }
    const app = await buildApp(testConfig(endpoint, { ADMIN_API_KEYS: KEY }), {
      now: () => clock.now,
      logger: {
        level: 'info',
        stream: logs,
        serializers: {
          req: (request: { method: string; url: string; headers: Record<string, unknown> }) => ({
            method: request.method,
            url: request.url,
            headers: request.headers,
          }),
        },
      },
    })
    apps.push(app)
    await usage(app)
    await usage(app, WRONG_KEY)

    const written = lines.join('')
    expect(written).toContain('"x-api-key":"[Redacted]"')
    expect(written).not.toContain(KEY)
    expect(written).not.toContain(WRONG_KEY)
  })
})
