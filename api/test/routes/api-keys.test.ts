import { Writable } from 'node:stream'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, closedPort, testConfig } from '../support/test-app.ts'

// Two keys as ADMIN_API_KEYS gives them; WRONG_KEY has KEY's length and differs in one place.
const KEY = 'k3y-4lpha-0123456789abcdefghijklmnopqr'
const OTHER_KEY = 'second-key-zyxwvutsrqponmlkjihgfedcba'
const WRONG_KEY = `${KEY.slice(0, -1)}s`
// Scoped keys, as `ADMIN_API_KEYS=key:scope` gives them.
const TOOLS_KEY = 'tools-key-0123456789abcdefghijklmnop'
const JOBS_KEY = 'jobs-key-0123456789abcdefghijklmnopq'
const SCOPED_KEYS = `${KEY},${TOOLS_KEY}:tools,${JOBS_KEY}:jobs`

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

describe('scopes', () => {
  // RFC 4231 test case 2: what a signature tool answers when it is let through.
  const HMAC = { algorithm: 'sha256', key: 'Jefe', message: 'what do ya want for nothing?' }
  const HMAC_SHA256 = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'

  /** Each request a scope may make, and what it answers once let through (not 403). */
  const requests: Record<string, InjectOptions & { admitted: number }> = {
    hmac: { method: 'POST', url: '/api/admin/hmac', payload: HMAC, admitted: 200 },
    apigee: { method: 'POST', url: '/api/admin/hmac/apigee', payload: {}, admitted: 400 },
    sigv4: { method: 'POST', url: '/api/admin/sigv4/sign', payload: {}, admitted: 400 },
    's3-policy': {
      method: 'POST',
      url: '/api/admin/s3-policy/inspect',
      payload: {},
      admitted: 400,
    },
    'jobs POST': { method: 'POST', url: '/api/jobs', payload: {}, admitted: 400 },
    // A job id that was never made: admitted, the records table is asked, nothing found.
    'jobs GET': { url: '/api/jobs/no-such-job', admitted: 404 },
    usage: { url: '/api/admin/usage', admitted: 200 },
    'notifications (malformed)': {
      method: 'PUT',
      url: '/api/admin/notifications',
      payload: [],
      admitted: 400,
    },
    'webhooks (malformed)': {
      method: 'POST',
      url: '/api/admin/webhooks',
      payload: [],
      admitted: 400,
    },
    'a webhook that does not exist': { url: '/api/admin/webhooks/no-such-hook', admitted: 404 },
  }
  const allowed: Record<string, string[]> = {
    tools: ['hmac', 'apigee', 'sigv4', 's3-policy'],
    jobs: ['jobs POST', 'jobs GET'],
    admin: Object.keys(requests),
  }
  const keys: Record<string, string> = { tools: TOOLS_KEY, jobs: JOBS_KEY, admin: KEY }

  it.each(Object.keys(keys))(
    'a %s key is let through where its scope allows, and refused as an unknown key elsewhere',
    async (scope) => {
      const { app } = await appAt('2025-03-12T12:00:00Z', { ADMIN_API_KEYS: SCOPED_KEYS })
      for (const [name, { admitted, ...request }] of Object.entries(requests)) {
        const response = await app.inject({
          ...request,
          headers: { 'x-api-key': keys[scope] as string },
        })
        if (allowed[scope]?.includes(name)) {
          expect(response.statusCode, name).toBe(admitted)
          expect(response.headers['x-amzn-errortype'], name).toBeUndefined()
        } else {
          expectGatewayAnswer(response, FORBIDDEN)
        }
      }
    },
  )

  it('lets the signature tools sign for a tools key', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z', { ADMIN_API_KEYS: SCOPED_KEYS })
    const response = await app.inject({
      ...requests.hmac,
      headers: { 'x-api-key': TOOLS_KEY },
    })
    expect(response.json()).toMatchObject({ hex: HMAC_SHA256 })
  })

  it('answers a path that matches no route 404 to an admin key only: a scoped key cannot tell it from a route out of its scope', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z', { ADMIN_API_KEYS: SCOPED_KEYS })
    for (const url of [
      '/api/admin',
      '/api/admin/',
      '/api/admin/no-such-tool',
      '/api/admin/hmac/nope',
    ]) {
      expect((await app.inject({ url, headers: { 'x-api-key': KEY } })).statusCode, url).toBe(404)
      for (const key of [TOOLS_KEY, JOBS_KEY]) {
        expectGatewayAnswer(await app.inject({ url, headers: { 'x-api-key': key } }), FORBIDDEN)
      }
    }
    // Under /api/jobs the jobs scope is the one that may learn what is there.
    const jobs = await app.inject({ url: '/api/jobs/a/b', headers: { 'x-api-key': JOBS_KEY } })
    expect(jobs.statusCode).toBe(404)
    expectGatewayAnswer(
      await app.inject({ url: '/api/jobs/a/b', headers: { 'x-api-key': TOOLS_KEY } }),
      FORBIDDEN,
    )
  })

  it('counts a request out of scope against the key, as API Gateway admitted it', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z', {
      ADMIN_API_KEYS: SCOPED_KEYS,
      USAGE_RATE: '1',
      USAGE_BURST: '2',
    })
    const headers = { 'x-api-key': TOOLS_KEY }
    expectGatewayAnswer(await app.inject({ url: '/api/admin/usage', headers }), FORBIDDEN)
    expect((await app.inject({ ...requests.hmac, headers })).statusCode).toBe(200)
    expectGatewayAnswer(await app.inject({ ...requests.hmac, headers }), TOO_MANY_REQUESTS)
  })

  it('logs a refusal with the key id and the scope it needed, never the key', async () => {
    const lines: string[] = []
    const logs = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const { app } = await appAt('2025-03-12T12:00:00Z', { ADMIN_API_KEYS: SCOPED_KEYS }, logs)
    const session = await app.inject({
      url: '/api/admin/session',
      headers: { 'x-api-key': TOOLS_KEY },
    })
    await app.inject({ url: '/api/admin/webhooks', headers: { 'x-api-key': TOOLS_KEY } })
    const refusal = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === 'API key outside its scope')
    expect(refusal).toMatchObject({
      apiKeyId: session.json().keyId,
      apiKeyScope: 'tools',
      neededScope: 'admin',
    })
    expect(lines.join('')).not.toContain(TOOLS_KEY)
  })
})

describe('GET /api/admin/session', () => {
  it.each([
    ['tools', TOOLS_KEY],
    ['jobs', JOBS_KEY],
    ['admin', KEY],
  ])('answers a %s key its id and scope', async (scope, key) => {
    const { app } = await appAt('2025-03-12T12:00:00Z', { ADMIN_API_KEYS: SCOPED_KEYS })
    const response = await app.inject({ url: '/api/admin/session', headers: { 'x-api-key': key } })
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.json()).toEqual({ keyId: expect.stringMatching(/^[0-9a-f]{12}$/), scope })
    // The id is the one usage knows the key by (an admin key may ask).
    if (scope === 'admin') {
      expect((await usage(app, key)).json().keyId).toBe(response.json().keyId)
    }
  })

  it.each<[string, InjectOptions['headers']]>([
    ['no key', {}],
    ['a wrong key', { 'x-api-key': WRONG_KEY }],
    ['a scope for a key', { 'x-api-key': 'tools' }],
    ['a key with its scope', { 'x-api-key': `${TOOLS_KEY}:tools` }],
  ])('is refused 403 with %s', async (_case, headers) => {
    const { app } = await appAt('2025-03-12T12:00:00Z', { ADMIN_API_KEYS: SCOPED_KEYS })
    expectGatewayAnswer(await app.inject({ url: '/api/admin/session', headers }), FORBIDDEN)
  })

  it('takes no body and no other method', async () => {
    const { app } = await appAt('2025-03-12T12:00:00Z', { ADMIN_API_KEYS: SCOPED_KEYS })
    const headers = { 'x-api-key': TOOLS_KEY }
    // Not a route: a tools key learns nothing more than 403 from another method.
    expectGatewayAnswer(
      await app.inject({ method: 'POST', url: '/api/admin/session', headers, payload: {} }),
      FORBIDDEN,
    )
    const admin = await app.inject({
      method: 'DELETE',
      url: '/api/admin/session',
      headers: { 'x-api-key': KEY },
    })
    expect(admin.statusCode).toBe(404)
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

  it.each([
    'key',
    'api_key',
    'x-api-key',
    'X-API-KEY',
    'apiKey',
    'ApiKey',
    'api-key',
    'token',
    'access_token',
    'x%2Dapi%2Dkey',
  ])(
    'redacts a key sent as ?%s= in the logged URL, keeping the path and the rest',
    async (name) => {
      const lines: string[] = []
      const logs = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString())
          done()
        },
      })
      const { app } = await appAt('2025-03-12T12:00:00Z', {}, logs)
      const response = await app.inject({
        url: `/api/admin/usage?page=2&${name}=${encodeURIComponent(KEY)}&${name}=${OTHER_KEY}&x=1`,
      })
      // Still refused: the key counts only in the header.
      expectGatewayAnswer(response, FORBIDDEN)
      await app.inject({ url: `/api/limits?${name}=${KEY}` })

      const written = lines.join('')
      expect(written).not.toContain(KEY)
      expect(written).not.toContain(OTHER_KEY)
      expect(written).toContain(
        `"url":"/api/admin/usage?page=2&${name}=[redacted]&${name}=[redacted]&x=1"`,
      )
      expect(written).toContain(`"url":"/api/limits?${name}=[redacted]"`)
    },
  )

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
    // A caller's own request serializer gets the URL redacted too.
    await app.inject({ url: `/api/admin/usage?apiKey=${KEY}` })
    expect(lines.join('')).toContain('"url":"/api/admin/usage?apiKey=[redacted]"')
    expect(lines.join('')).not.toContain(KEY)
    expect(written).not.toContain(WRONG_KEY)
  })
})
