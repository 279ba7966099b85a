import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, closedPort, testConfig } from '../support/test-app.ts'

const API_KEY = 'admin-hmac-test-key'
const ENV = {
  ADMIN_API_KEYS: API_KEY,
  USAGE_RATE: '1000000',
  USAGE_BURST: '1000000',
  USAGE_QUOTA: '1000000000',
}

let app: FastifyInstance
beforeAll(async () => {
  // Nothing here reaches S3: the endpoint is a port nothing listens on.
  app = await buildApp(testConfig(await closedPort(), ENV))
})
afterAll(async () => {
  await app.close()
})

function post(path: string, payload: unknown, target: FastifyInstance = app) {
  return target.inject({
    method: 'POST',
    url: `/api/admin${path}`,
    headers: { 'x-api-key': API_KEY },
    payload: payload as object,
  })
}

function expectValidation(response: { statusCode: number; json(): unknown }, field: string) {
  expect(response.statusCode).toBe(400)
  const body = response.json() as { code: string; message: string }
  expect(body.code).toBe('VALIDATION')
  expect(body.message).toContain(field)
  return body
}

describe('POST /api/admin/hmac', () => {
  // RFC 4231, "Identifiers and Test Vectors for HMAC-SHA-224, -256, -384, and -512", section 4.
  it.each([
    [
      'RFC 4231 test case 1',
      { key: '0b'.repeat(20), keyEncoding: 'hex', message: 'Hi There' },
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    ],
    [
      'RFC 4231 test case 2',
      { key: 'Jefe', message: 'what do ya want for nothing?' },
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      'RFC 4231 test case 6',
      {
        key: 'aa'.repeat(131),
        keyEncoding: 'hex',
        message: 'Test Using Larger Than Block-Size Key - Hash Key First',
        messageEncoding: 'utf8',
      },
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
  ])('gives the HMAC-SHA-256 of %s', async (_source, input, hex) => {
    const response = await post('/hmac', { algorithm: 'sha256', ...input })
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.json()).toEqual({ hex, base64: Buffer.from(hex, 'hex').toString('base64') })
  })

  it('reads key and message written in hex or base64 as the same bytes (RFC 4231 case 2)', async () => {
    const response = await post('/hmac', {
      algorithm: 'sha256',
      key: Buffer.from('Jefe').toString('base64'),
      keyEncoding: 'base64',
      message: Buffer.from('what do ya want for nothing?').toString('hex'),
      messageEncoding: 'hex',
    })
    expect(response.json().hex).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
  })

  it.each(['sha1', 'sha384', 'sha512'])(
    'computes %s digests of the right length',
    async (algorithm) => {
      const response = await post('/hmac', { algorithm, key: 'k', message: 'm' })
      const length = { sha1: 20, sha384: 48, sha512: 64 }[algorithm]
      expect(Buffer.from(response.json().hex, 'hex')).toHaveLength(length!)
    },
  )

  it.each([
    ['lower-case hex', 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7', true],
    ['upper-case hex', 'B0344C61D8DB38535CA8AFCEAF0BF12B881DC200C9833DA726E9376C2E32CFF7', true],
    ['base64', 'sDRMYdjbOFNcqK/OrwvxK4gdwgDJgz2nJuk3bC4yz/c=', true],
    [
      'a different digest',
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      false,
    ],
    ['a truncated digest', 'b0344c61d8db38535ca8afceaf0bf12b', false],
  ])('compares with an expected digest in %s', async (_case, expected, matches) => {
    const response = await post('/hmac', {
      algorithm: 'sha256',
      key: '0b'.repeat(20),
      keyEncoding: 'hex',
      message: 'Hi There',
      expected,
    })
    expect(response.statusCode).toBe(200)
    expect(response.json().matches).toBe(matches)
  })

  it.each([
    [
      'odd-length hex',
      { key: 'abc', keyEncoding: 'hex' },
      'body/key has an odd number of hex digits',
    ],
    [
      'non-hex digits',
      { key: 'zz', keyEncoding: 'hex' },
      'body/key must contain only the hex digits',
    ],
    ['hex with a 0x prefix', { key: '0x0b', keyEncoding: 'hex' }, 'body/key'],
    [
      'base64 without padding',
      { message: 'SmVmZQ', messageEncoding: 'base64' },
      'body/message must be base64 padded',
    ],
    ['base64 with a wrong pad', { message: 'SmVmZQ=', messageEncoding: 'base64' }, 'body/message'],
    [
      'base64 with an inner pad',
      { message: 'Sm=mZQ==', messageEncoding: 'base64' },
      'body/message',
    ],
    [
      'base64url characters',
      { message: 'a-_b', messageEncoding: 'base64' },
      'body/message must contain only the base64',
    ],
    [
      'non-canonical base64 bits',
      { message: 'QR==', messageEncoding: 'base64' },
      'body/message is not canonical base64',
    ],
    ['base64 with whitespace', { message: 'SmVm ZQ==', messageEncoding: 'base64' }, 'body/message'],
    [
      'an unknown algorithm',
      { algorithm: 'md5' },
      'body/algorithm must be one of sha1, sha256, sha384, sha512',
    ],
    [
      'an unknown encoding',
      { keyEncoding: 'latin1' },
      'body/keyEncoding must be one of utf8, hex, base64',
    ],
    ['a number for a key', { key: 42 }, 'body/key'],
    [
      'an expected digest in neither hex nor base64',
      { expected: 'not a digest!' },
      'body/expected',
    ],
    ['an unknown property', { salt: 'x' }, 'unknown property "salt"'],
  ])('refuses %s with 400 VALIDATION naming the field', async (_case, change, message) => {
    const response = await post('/hmac', { algorithm: 'sha256', key: 'k', message: 'm', ...change })
    expect(expectValidation(response, 'body').message).toContain(message)
  })

  it.each(['algorithm', 'key', 'message'])('refuses a request without %s', async (field) => {
    const body: Record<string, string> = { algorithm: 'sha256', key: 'k', message: 'm' }
    delete body[field]
    expectValidation(await post('/hmac', body), field)
  })

  it('accepts an empty key and message, and fields of exactly 64 KiB', async () => {
    expect((await post('/hmac', { algorithm: 'sha256', key: '', message: '' })).statusCode).toBe(
      200,
    )
    const full = 'x'.repeat(64 * 1024)
    expect(
      (await post('/hmac', { algorithm: 'sha256', key: full, message: full })).statusCode,
    ).toBe(200)
  })

  it.each(['key', 'message'])('answers 413 for a %s over 64 KiB', async (field) => {
    const response = await post('/hmac', {
      algorithm: 'sha256',
      key: 'k',
      message: 'm',
      [field]: 'é'.repeat(32 * 1024 + 1),
    })
    expect(response.statusCode).toBe(413)
    expect(response.json()).toMatchObject({ code: 'BODY_TOO_LARGE' })
    expect(response.json().message).toContain(`body/${field}`)
  })

  it('answers 413 for a body over the route limit before reading it', async () => {
    const response = await post('/hmac', {
      algorithm: 'sha256',
      key: 'k',
      message: 'x'.repeat(300 * 1024),
    })
    expect(response.statusCode).toBe(413)
    expect(response.json().code).toBe('BODY_TOO_LARGE')
  })

  it('answers 400 MALFORMED_JSON for broken JSON and 415 for text', async () => {
    const broken = await app.inject({
      method: 'POST',
      url: '/api/admin/hmac',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      payload: '{"algorithm": "sha256", "key": ',
    })
    expect(broken.statusCode).toBe(400)
    expect(broken.json().code).toBe('MALFORMED_JSON')
    const text = await app.inject({
      method: 'POST',
      url: '/api/admin/hmac',
      headers: { 'x-api-key': API_KEY, 'content-type': 'text/plain' },
      payload: 'key=k',
    })
    expect(text.statusCode).toBe(415)
  })

  it('refuses a prototype-polluting body', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/admin/hmac',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      payload: '{"algorithm":"sha256","key":"k","message":"m","__proto__":{"admin":true}}',
    })
    expect(response.statusCode).toBe(400)
  })
})

describe('POST /api/admin/hmac/github', () => {
  // GitHub Docs, "Validating webhook deliveries": the documented example.
  const SECRET = "It's a Secret to Everybody"
  const HEADER = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'

  it("reproduces GitHub's documented example", async () => {
    const response = await post('/hmac/github', { secret: SECRET, payload: 'Hello, World!' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.json()).toEqual({ header: HEADER, hints: [] })
  })

  it.each([
    ['with the sha256= prefix', HEADER],
    ['without it', HEADER.slice('sha256='.length)],
    ['in upper case', HEADER.slice('sha256='.length).toUpperCase()],
  ])('matches an expected header given %s', async (_case, expected) => {
    const response = await post('/hmac/github', {
      secret: SECRET,
      payload: 'Hello, World!',
      expected,
    })
    expect(response.json()).toEqual({ header: HEADER, matches: true, hints: [] })
  })

  it('explains a mismatch by the trailing newline an editor added', async () => {
    const response = await post('/hmac/github', {
      secret: SECRET,
      payload: 'Hello, World!\n',
      expected: HEADER,
    })
    const body = response.json()
    expect(body.matches).toBe(false)
    const matching = body.hints.filter((hint: { matches: boolean }) => hint.matches)
    expect(matching).toEqual([
      {
        cause: 'trailing-newline-removed',
        description: expect.any(String),
        header: HEADER,
        matches: true,
      },
    ])
  })

  // Expected headers below were computed with `openssl dgst -sha256 -hmac` over the exact body.
  it('explains a mismatch by a JSON body parsed and written back indented', async () => {
    const compact = '{"zen":"Keep it simple."}'
    const response = await post('/hmac/github', {
      secret: SECRET,
      payload: JSON.stringify(JSON.parse(compact), null, 2),
      expected: 'sha256=5953c9925783375d303fcdedc048a559b7ecd3e439d806a193269f065a310a45',
    })
    const causes = response.json().hints.filter((h: { matches: boolean }) => h.matches)
    expect(causes.map((h: { cause: string }) => h.cause)).toEqual(['json-compact'])
  })

  it('explains a mismatch by the form encoding GitHub uses for x-www-form-urlencoded hooks', async () => {
    const response = await post('/hmac/github', {
      secret: SECRET,
      payload: '{"zen":"Keep it simple."}',
      expected: 'sha256=26b6bfa02b40fb71a33311644ef499b39b2bcb3685e8f3804ef42f952a06a102',
    })
    const body = response.json()
    expect(body.matches).toBe(false)
    expect(body.hints.find((h: { matches: boolean }) => h.matches)).toMatchObject({
      cause: 'form-encoded',
      header: 'sha256=26b6bfa02b40fb71a33311644ef499b39b2bcb3685e8f3804ef42f952a06a102',
    })
  })

  it('explains a mismatch by the pasted body being the form and the signature the JSON', async () => {
    const response = await post('/hmac/github', {
      secret: SECRET,
      payload: 'payload=%7B%22zen%22%3A%22Keep+it+simple.%22%7D',
      expected: 'sha256=5953c9925783375d303fcdedc048a559b7ecd3e439d806a193269f065a310a45',
    })
    const matching = response.json().hints.filter((h: { matches: boolean }) => h.matches)
    expect(matching.map((h: { cause: string }) => h.cause)).toEqual(['form-decoded'])
  })

  it('explains a mismatch by line endings, both ways', async () => {
    const crlf = (await post('/hmac/github', { secret: SECRET, payload: 'a\r\nb' })).json().header
    const lf = (await post('/hmac/github', { secret: SECRET, payload: 'a\nb' })).json().header
    const fromLf = await post('/hmac/github', { secret: SECRET, payload: 'a\nb', expected: crlf })
    expect(
      fromLf
        .json()
        .hints.filter((h: { matches: boolean }) => h.matches)
        .map((h: { cause: string }) => h.cause),
    ).toEqual(['lf-to-crlf'])
    const fromCrlf = await post('/hmac/github', { secret: SECRET, payload: 'a\r\nb', expected: lf })
    expect(
      fromCrlf
        .json()
        .hints.filter((h: { matches: boolean }) => h.matches)
        .map((h: { cause: string }) => h.cause),
    ).toEqual(['crlf-to-lf'])
  })

  it('lists the causes it tried when none explains the mismatch', async () => {
    const response = await post('/hmac/github', {
      secret: 'another secret',
      payload: '{"zen":"Keep it simple."}',
      expected: HEADER,
    })
    const body = response.json()
    expect(body.matches).toBe(false)
    expect(body.hints.map((h: { cause: string }) => h.cause).sort()).toEqual(
      ['form-encoded', 'json-indented', 'trailing-newline-added'].sort(),
    )
    expect(
      body.hints.every(
        (h: { matches: boolean; header: string }) =>
          !h.matches && /^sha256=[0-9a-f]{64}$/.test(h.header),
      ),
    ).toBe(true)
    expect(JSON.stringify(body)).not.toContain('another secret')
  })

  it.each([
    ['a sha1= header', { expected: `sha1=${'a'.repeat(40)}` }, 'body/expected'],
    ['63 hex digits', { expected: 'a'.repeat(63) }, 'body/expected'],
    ['non-hex digits', { expected: `sha256=${'g'.repeat(64)}` }, 'body/expected must be sha256='],
    ['an empty secret', { secret: '' }, 'body/secret'],
    ['a payload that is not text', { payload: { zen: 'Keep it simple.' } }, 'body/payload'],
    ['an unknown property', { event: 'push' }, 'unknown property "event"'],
  ])('refuses %s with 400 VALIDATION', async (_case, change, message) => {
    const response = await post('/hmac/github', { secret: SECRET, payload: 'x', ...change })
    expect(expectValidation(response, 'body').message).toContain(message)
  })

  it.each(['secret', 'payload'])('refuses a request without %s', async (field) => {
    const body: Record<string, string> = { secret: SECRET, payload: 'x' }
    delete body[field]
    expectValidation(await post('/hmac/github', body), field)
  })

  it('answers 413 for a payload over 512 KiB or a secret over 64 KiB', async () => {
    const big = await post('/hmac/github', { secret: SECRET, payload: 'x'.repeat(512 * 1024 + 1) })
    expect(big.statusCode).toBe(413)
    expect(big.json().message).toContain('body/payload')
    const longSecret = await post('/hmac/github', {
      secret: 's'.repeat(64 * 1024 + 1),
      payload: 'x',
    })
    expect(longSecret.statusCode).toBe(413)
    expect(longSecret.json().message).toContain('body/secret')
    expect(
      (await post('/hmac/github', { secret: SECRET, payload: 'x'.repeat(512 * 1024) })).statusCode,
    ).toBe(200)
  })
})

describe('POST /api/admin/hmac/apigee', () => {
  const SECRET = 'Zx4kP9tQ2mW7vB1nR8sL'
  const CALLBACK = 'https://partner.example.com/oauth/callback'
  const CLIENT = 'client-42.app'
  // Computed independently with
  // printf %s "$SECRET$CALLBACK$CLIENT$TIMESTAMP" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64
  const SIGNATURE = 'Dn+m9W7GQ4XjISswf5zK/J+RdZbxGraZBG66+A3Z+B8='
  const MASKED = '••••••••'
  const request = { callback: CALLBACK, clientid: CLIENT, clientsecret: SECRET }
  const AMBIGUOUS = {
    kind: 'ambiguous-split',
    message:
      'The formula joins callback, client ID and timestamp without separators, so other inputs ' +
      'give this same signature: callback "https://partner.example.com/oauth/callbac" with ' +
      `client ID "kclient-42.app" signs exactly as callback "${CALLBACK}" with client ID ` +
      `"${CLIENT}". The signature alone cannot tell them apart: the partner must check the ` +
      'callback and the client ID themselves (against the registered app).',
    alternative: {
      callback: 'https://partner.example.com/oauth/callbac',
      clientid: 'kclient-42.app',
    },
  }

  it("reproduces a past signature with the partner's formula, the secret masked", async () => {
    const response = await post('/hmac/apigee', { ...request, timestamp: '1700000000' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.json()).toEqual({
      callback: CALLBACK,
      clientid: CLIENT,
      timestamp: '1700000000',
      signature: SIGNATURE,
      message: `${MASKED}${CALLBACK}${CLIENT}1700000000`,
      warnings: [AMBIGUOUS],
    })
    expect(response.body).not.toContain(SECRET)
  })

  it('signs now when no timestamp is given', async () => {
    const before = Math.floor(Date.now() / 1000)
    const response = await post('/hmac/apigee', request)
    const after = Math.floor(Date.now() / 1000)
    const { timestamp, message } = response.json()
    expect(timestamp).toMatch(/^\d{10}$/)
    expect(Number(timestamp)).toBeGreaterThanOrEqual(before)
    expect(Number(timestamp)).toBeLessThanOrEqual(after)
    expect(message).toBe(`${MASKED}${CALLBACK}${CLIENT}${timestamp}`)
  })

  it('shows neither a character nor the length of the secret', async () => {
    for (const clientsecret of ['short', SECRET, SECRET.repeat(12)]) {
      const response = await post('/hmac/apigee', {
        ...request,
        clientsecret,
        timestamp: '1700000000',
      })
      expect(response.json().message).toBe(`${MASKED}${CALLBACK}${CLIENT}1700000000`)
      for (const part of [clientsecret.slice(0, 2), clientsecret.slice(-2)]) {
        expect(response.json().message.slice(0, MASKED.length)).not.toContain(part)
      }
    }
  })

  // The probe's pair: the same characters split differently sign alike, and both answers say so.
  it('signs two splits of the same characters alike and warns on both', async () => {
    const common = { clientsecret: 'probe-secret', timestamp: '1700000000' }
    const first = await post('/hmac/apigee', {
      ...common,
      callback: 'https://example.com/cbc',
      clientid: 'lient123',
    })
    const second = await post('/hmac/apigee', {
      ...common,
      callback: 'https://example.com/cb',
      clientid: 'client123',
    })
    expect(first.statusCode).toBe(200)
    expect(second.statusCode).toBe(200)
    expect(first.json().signature).toBe(second.json().signature)
    expect(first.json().warnings).toEqual([
      expect.objectContaining({
        kind: 'ambiguous-split',
        alternative: { callback: 'https://example.com/cb', clientid: 'client123' },
      }),
    ])
    expect(second.json().warnings).toEqual([
      expect.objectContaining({
        kind: 'ambiguous-split',
        alternative: { callback: 'https://example.com/c', clientid: 'bclient123' },
      }),
    ])
    // Each warning's alternative really signs the same.
    for (const answer of [first, second]) {
      const other = await post('/hmac/apigee', {
        ...common,
        ...answer.json().warnings[0].alternative,
      })
      expect(other.json().signature).toBe(first.json().signature)
    }
    expect(first.json().warnings[0].message).toContain(
      'callback "https://example.com/cb" with client ID "client123" signs exactly as callback ' +
        '"https://example.com/cbc" with client ID "lient123"',
    )
  })

  it('gives no split warning when no other split fits the fields', async () => {
    const response = await post('/hmac/apigee', {
      callback: 'https://example.com/',
      clientid: 'a',
      clientsecret: 's',
      timestamp: '1700000000',
    })
    expect(response.json().warnings).toEqual([])
  })

  it.each([
    ['callback', 'ftp://partner.example.com/cb'],
    ['callback', '/oauth/callback'],
    ['callback', 'partner.example.com/cb'],
    ['callback', 'https://'],
    ['callback', 'https://partner.example.com/a b'],
    ['callback', 'http:partner.example.com'],
    ['callback', 'https://[::1/cb'],
    ['clientid', ''],
    ['clientid', 'client id'],
    ['clientid', 'clïent'],
    ['clientid', 'c'.repeat(129)],
    ['clientid', 'client/../admin'],
    ['clientsecret', ''],
    ['timestamp', '170000000'],
    ['timestamp', '17000000000'],
    ['timestamp', '1700000000.5'],
    ['timestamp', 1700000000],
  ])('refuses %s %j with 400 VALIDATION naming it', async (field, value) => {
    expectValidation(await post('/hmac/apigee', { ...request, [field]: value }), `body/${field}`)
  })

  it('never echoes a refused secret', async () => {
    const secret = `${'S3cr3t-'.repeat(40)}tail`
    const response = await post('/hmac/apigee', { ...request, clientsecret: secret })
    expectValidation(response, 'body/clientsecret')
    expect(response.body).not.toContain('S3cr3t')
    const typed = await post('/hmac/apigee', { ...request, clientsecret: ['S3cr3t-array'] })
    expectValidation(typed, 'body/clientsecret')
    expect(typed.body).not.toContain('S3cr3t')
  })

  it.each(['callback', 'clientid', 'clientsecret'])(
    'refuses a request without %s',
    async (field) => {
      const body: Record<string, string> = { ...request }
      delete body[field]
      expectValidation(await post('/hmac/apigee', body), field)
    },
  )

  it('refuses unknown properties and oversized bodies', async () => {
    expectValidation(
      await post('/hmac/apigee', { ...request, secret: 'x' }),
      'unknown property "secret"',
    )
    const big = await post('/hmac/apigee', {
      ...request,
      callback: `https://a.example/${'x'.repeat(20_000)}`,
    })
    expect(big.statusCode).toBe(413)
  })

  it('keeps the secret out of the logs', async () => {
    let logged = ''
    const stream = new Writable({
      write(chunk, _encoding, done) {
        logged += String(chunk)
        done()
      },
    })
    const logging = await buildApp(testConfig(await closedPort(), ENV), {
      logger: { level: 'trace', stream },
    })
    try {
      await post('/hmac/apigee', { ...request, timestamp: '1700000000' }, logging)
      await post('/hmac/apigee', { ...request, clientsecret: SECRET.repeat(13) }, logging)
      await post('/hmac/apigee', { ...request, callback: 'nope' }, logging)
      await post(
        '/hmac/apigee/verify',
        { ...request, timestamp: '1700000000', signature: 'x' },
        logging,
      )
    } finally {
      await logging.close()
    }
    expect(logged).toContain('/api/admin/hmac/apigee')
    expect(logged).not.toContain(SECRET)
  })
})

describe('POST /api/admin/hmac/apigee/verify', () => {
  const SECRET = 'Zx4kP9tQ2mW7vB1nR8sL'
  const CALLBACK = 'https://partner.example.com/oauth/callback'
  const CLIENT = 'client-42.app'
  const SIGNATURE = 'Dn+m9W7GQ4XjISswf5zK/J+RdZbxGraZBG66+A3Z+B8='
  const request = {
    callback: CALLBACK,
    clientid: CLIENT,
    clientsecret: SECRET,
    timestamp: '1700000000',
  }

  it('says a matching signature matches', async () => {
    const response = await post('/hmac/apigee/verify', { ...request, signature: SIGNATURE })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      matches: true,
      expected: SIGNATURE,
      given: SIGNATURE,
      callback: CALLBACK,
      clientid: CLIENT,
      timestamp: '1700000000',
      message: `••••••••${CALLBACK}${CLIENT}1700000000`,
      warnings: [expect.objectContaining({ kind: 'ambiguous-split' })],
    })
  })

  it('on a mismatch shows what was signed, so the difference can be seen', async () => {
    const response = await post('/hmac/apigee/verify', {
      ...request,
      callback: `${CALLBACK}/`,
      signature: SIGNATURE,
    })
    const body = response.json()
    expect(body.matches).toBe(false)
    expect(body.given).toBe(SIGNATURE)
    expect(body.expected).not.toBe(SIGNATURE)
    expect(body.message).toBe(`••••••••${CALLBACK}/${CLIENT}1700000000`)
    expect(body.hint).toBeUndefined()
    expect(response.body).not.toContain(SECRET)
  })

  it.each([
    ['URL-encoded', encodeURIComponent(SIGNATURE), 'URL-encoded'],
    ['with + read as spaces', SIGNATURE.replace(/\+/g, ' '), 'became a space'],
    [
      'as base64url',
      SIGNATURE.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
      'base64url',
    ],
    ['in hex', Buffer.from(SIGNATURE, 'base64').toString('hex'), 'hex'],
  ])('names the mangling when the signature arrives %s', async (_case, signature, hint) => {
    const response = await post('/hmac/apigee/verify', { ...request, signature })
    expect(response.json()).toMatchObject({ matches: false, expected: SIGNATURE, given: signature })
    expect(response.json().hint).toContain(hint)
  })

  it.each([
    ['no timestamp', 'timestamp', undefined],
    ['no signature', 'signature', undefined],
    ['an empty signature', 'signature', ''],
    ['a signature over 1024 characters', 'signature', 'x'.repeat(1025)],
    ['a timestamp in words', 'timestamp', 'yesterday'],
  ])('refuses %s with 400 VALIDATION', async (_case, field, value) => {
    const body: Record<string, unknown> = { ...request, signature: SIGNATURE, [field]: value }
    if (value === undefined) delete body[field]
    expectValidation(await post('/hmac/apigee/verify', body), field)
  })
})
