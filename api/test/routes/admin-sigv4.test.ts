import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, closedPort, testConfig } from '../support/test-app.ts'
import type { SigV4Steps } from '@meme-studio/meme-core/schema'

const API_KEY = 'admin-sigv4-test-key'

let app: FastifyInstance
beforeAll(async () => {
  app = await buildApp(
    testConfig(await closedPort(), {
      ADMIN_API_KEYS: API_KEY,
      USAGE_RATE: '1000000',
      USAGE_BURST: '1000000',
      USAGE_QUOTA: '1000000000',
    }),
  )
})
afterAll(async () => {
  await app.close()
})

function sign(payload: unknown) {
  return app.inject({
    method: 'POST',
    url: '/api/admin/sigv4/sign',
    headers: { 'x-api-key': API_KEY },
    payload: payload as object,
  })
}

/**
 * The AWS SigV4 test suite's common inputs (awslabs/aws-c-auth,
 * tests/aws-signing-test-suite/v4; see shared/test-vectors.md).
 */
const SUITE = {
  url: 'https://example.amazonaws.com/',
  region: 'us-east-1',
  service: 'service',
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  date: '20150830T123600Z',
}
const SUITE_SIGNING_KEY = '938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75'
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

async function steps(payload: Record<string, unknown>): Promise<SigV4Steps> {
  const response = await sign({ ...SUITE, ...payload })
  expect(response.statusCode, response.body).toBe(200)
  return response.json<SigV4Steps>()
}

/** The canonical request's lines: method, URI, query, headers…, blank, signed headers, hash. */
const lines = (s: SigV4Steps) => s.canonicalRequest.split('\n')

describe('POST /api/admin/sigv4/sign: the AWS SigV4 test suite', () => {
  it('reproduces get-vanilla, step by step', async () => {
    const response = await sign({ ...SUITE, method: 'GET' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    const result = response.json<SigV4Steps>()
    expect(result.canonicalRequest).toBe(
      [
        'GET',
        '/',
        '',
        'host:example.amazonaws.com',
        'x-amz-date:20150830T123600Z',
        '',
        'host;x-amz-date',
        EMPTY_SHA256,
      ].join('\n'),
    )
    expect(result.stringToSign).toBe(
      [
        'AWS4-HMAC-SHA256',
        '20150830T123600Z',
        '20150830/us-east-1/service/aws4_request',
        createHash('sha256').update(result.canonicalRequest).digest('hex'),
      ].join('\n'),
    )
    expect(result.signingKey).toBe(SUITE_SIGNING_KEY)
    expect(result.signature).toBe(
      '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    )
    expect(result.signedHeaders).toBe('host;x-amz-date')
    expect(result.credentialScope).toBe('20150830/us-east-1/service/aws4_request')
    expect(result.payloadHash).toBe(EMPTY_SHA256)
    expect(result.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    )
    expect(result.headers).toEqual({
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization: result.authorization,
    })
    expect(result.url).toBe('https://example.amazonaws.com/')
  })

  it('reproduces post-vanilla', async () => {
    const result = await steps({ method: 'POST' })
    expect(result.canonicalRequest).toBe(
      [
        'POST',
        '/',
        '',
        'host:example.amazonaws.com',
        'x-amz-date:20150830T123600Z',
        '',
        'host;x-amz-date',
        EMPTY_SHA256,
      ].join('\n'),
    )
    expect(result.signingKey).toBe(SUITE_SIGNING_KEY)
    expect(result.signature).toBe(
      '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    )
  })

  it('never echoes the secret access key', async () => {
    const response = await sign({ ...SUITE, method: 'GET', sessionToken: 'token' })
    expect(response.body).not.toContain(SUITE.secretAccessKey)
    expect(response.body).not.toContain('wJalrXUtnFEMI')
  })
})

/**
 * The cases below assert what the SigV4 documentation specifies rather than published hex.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 * ("Create a canonical request"; the older page: general/latest/gr/sigv4-create-canonical-request.html)
 */
describe('POST /api/admin/sigv4/sign: canonical request rules', () => {
  it('signs a session token: x-amz-security-token is sent and signed', async () => {
    const token =
      'AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI'
    const result = await steps({ method: 'GET', sessionToken: token })
    expect(result.signedHeaders).toBe('host;x-amz-date;x-amz-security-token')
    expect(result.headers['x-amz-security-token']).toBe(token)
    expect(lines(result)).toContain(`x-amz-security-token:${token}`)
    expect(result.authorization).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token,')
    // The signing key depends on the secret and scope only, not on the token.
    expect(result.signingKey).toBe(SUITE_SIGNING_KEY)
  })

  it("encodes each path segment twice for services other than S3, as the docs' example", async () => {
    const result = await steps({
      method: 'GET',
      url: 'https://example.amazonaws.com/documents and settings/',
    })
    expect(lines(result)[1]).toBe('/documents%2520and%2520settings/')
    expect(result.url).toBe('https://example.amazonaws.com/documents%20and%20settings/')
  })

  it('encodes the path once for S3, and adds the payload hash header S3 requires', async () => {
    const result = await steps({
      method: 'GET',
      url: 'https://examplebucket.s3.amazonaws.com/documents and settings/',
      service: 's3',
    })
    expect(lines(result)[1]).toBe('/documents%20and%20settings/')
    expect(result.headers['x-amz-content-sha256']).toBe(EMPTY_SHA256)
    expect(result.signedHeaders).toBe('host;x-amz-content-sha256;x-amz-date')
  })

  it.each([
    ['/example1/example2/../..', '/'],
    ['/example/..', '/'],
    ['/./', '/'],
    ['/./example', '/example'],
    ['//example//', '/example/'],
    ['/a/b/../c/./d', '/a/c/d'],
  ])('normalises the path %s to %s for services other than S3', async (path, canonical) => {
    const result = await steps({ method: 'GET', url: `https://example.amazonaws.com${path}` })
    expect(lines(result)[1]).toBe(canonical)
  })

  it('does not normalise an S3 path, and tells curl to send it as it is', async () => {
    // "you do not normalize URI paths for requests to Amazon S3. For example, if you have a
    // bucket with an object named my-object//example//photo.user, use that path."
    const double = await steps({
      method: 'GET',
      url: 'https://examplebucket.s3.amazonaws.com/my-object//example//photo.user',
      service: 's3',
    })
    expect(lines(double)[1]).toBe('/my-object//example//photo.user')
    const dots = await steps({
      method: 'GET',
      url: 'https://examplebucket.s3.amazonaws.com/a/../b',
      service: 's3',
    })
    expect(lines(dots)[1]).toBe('/a/../b')
    expect(dots.curl).toContain('--path-as-is')
  })

  it('trims header values and collapses runs of spaces, names in lower case, sorted', async () => {
    const result = await steps({
      method: 'GET',
      headers: { 'My-Header1': '  value  with   spaces ', 'A-Header': 'a\tb' },
    })
    expect(lines(result).slice(3, 7)).toEqual([
      'a-header:a b',
      'host:example.amazonaws.com',
      'my-header1:value with spaces',
      'x-amz-date:20150830T123600Z',
    ])
    expect(result.signedHeaders).toBe('a-header;host;my-header1;x-amz-date')
    // What is sent is what was given; the canonical form is only for signing.
    expect(result.headers['My-Header1']).toBe('  value  with   spaces ')
  })

  it.each([
    ['?Param2=value2&Param1=value1', 'Param1=value1&Param2=value2'],
    ['?b=2&B=1&a=3', 'B=1&a=3&b=2'],
    ['?Param1=value2&Param1=Value1', 'Param1=Value1&Param1=value2'],
    ['?key=a b&other=x%2By', 'key=a%20b&other=x%2By'],
    ['?-._~=-._~', '-._~=-._~'],
    ['?acl', 'acl='],
    ['?a=%E2%82%AC', 'a=%E2%82%AC'],
  ])('sorts and encodes the query %s as %s', async (query, canonical) => {
    const result = await steps({ method: 'GET', url: `https://example.amazonaws.com/${query}` })
    expect(lines(result)[2]).toBe(canonical)
  })

  it('hashes the body into the canonical request', async () => {
    const body = 'Action=ListUsers&Version=2010-05-08'
    const result = await steps({
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
    })
    const hash = createHash('sha256').update(body).digest('hex')
    expect(result.payloadHash).toBe(hash)
    expect(lines(result).at(-1)).toBe(hash)
    expect(result.headers['x-amz-content-sha256']).toBeUndefined()
  })

  it("uses a given x-amz-content-sha256 as the payload hash, as S3's UNSIGNED-PAYLOAD", async () => {
    const result = await steps({
      method: 'PUT',
      url: 'https://examplebucket.s3.amazonaws.com/photo.jpg',
      service: 's3',
      body: 'bytes',
      headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    })
    expect(result.payloadHash).toBe('UNSIGNED-PAYLOAD')
  })

  it('signs with the current time when no date is given', async () => {
    const before = Date.now()
    // JSON leaves out a property whose value is undefined.
    const response = await sign({ ...SUITE, date: undefined, method: 'GET' })
    const result = response.json<SigV4Steps>()
    const stamp = result.headers['x-amz-date']!
    const signedAt = Date.parse(
      `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`,
    )
    expect(signedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000)
    expect(signedAt).toBeLessThanOrEqual(Date.now())
    expect(result.credentialScope).toBe(`${stamp.slice(0, 8)}/us-east-1/service/aws4_request`)
  })

  it('signs the host with its port when the port is not the default', async () => {
    const result = await steps({
      method: 'GET',
      url: 'http://127.0.0.1:9000/bucket/key',
      service: 's3',
    })
    expect(result.headers.host).toBe('127.0.0.1:9000')
    expect(lines(result)).toContain('host:127.0.0.1:9000')
    const defaultPort = await steps({ method: 'GET', url: 'https://example.amazonaws.com:443/' })
    expect(defaultPort.headers.host).toBe('example.amazonaws.com')
    expect(defaultPort.signature).toBe(
      '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    )
  })

  it('keeps a given host header and replaces the ones the signer owns', async () => {
    const result = await steps({
      method: 'GET',
      headers: {
        Host: 'internal.example',
        Authorization: 'Bearer old',
        'X-Amz-Date': '19990101T000000Z',
      },
    })
    expect(lines(result)).toContain('host:internal.example')
    expect(result.headers.authorization).toBe(result.authorization)
    expect(result.headers['x-amz-date']).toBe('20150830T123600Z')
    expect(Object.keys(result.headers)).not.toContain('Authorization')
  })
})

describe('POST /api/admin/sigv4/sign: curl', () => {
  /** What a POSIX shell makes of the command: its arguments, curl's name swapped for printf. */
  function shellWords(curl: string): string[] {
    const run = spawnSync('sh', ['-c', curl.replace(/^curl/, "printf '%s\\0'")], {
      encoding: 'utf8',
    })
    expect(run.status).toBe(0)
    return run.stdout.split('\0').slice(0, -1)
  }

  it('gives a command whose arguments a shell reads back exactly, quotes included', async () => {
    const body = `{"note": "it's $HOME and \`id\` and \\n"}\nline two`
    const result = await steps({
      method: 'POST',
      url: 'https://example.amazonaws.com/a%20b?x=1&y=it%27s',
      headers: { 'X-Note': "it's a 'quoted' value" },
      body,
    })
    expect(result.curl).toContain(`-H 'X-Note: it'\\''s a '\\''quoted'\\'' value'`)
    const words = shellWords(result.curl)
    expect(words.slice(0, 3)).toEqual([
      '-X',
      'POST',
      'https://example.amazonaws.com/a%20b?x=1&y=it%27s',
    ])
    expect(words).toContain("X-Note: it's a 'quoted' value")
    expect(words).toContain(`authorization: ${result.authorization}`)
    expect(words).toContain('x-amz-date: 20150830T123600Z')
    expect(words.at(-2)).toBe('--data-binary')
    expect(words.at(-1)).toBe(body)
  })

  it('asks for a HEAD with --head and sends no body flag without a body', async () => {
    const result = await steps({ method: 'HEAD' })
    const words = shellWords(result.curl)
    expect(words[0]).toBe('--head')
    expect(words).not.toContain('--data-binary')
  })
})

describe('POST /api/admin/sigv4/sign: refused input', () => {
  const valid = { ...SUITE, method: 'GET' }

  it.each([
    [
      'a method outside the list',
      { method: 'TRACE' },
      'body/method must be one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS',
    ],
    ['a method in lower case', { method: 'get' }, 'body/method'],
    [
      'an ftp URL',
      { url: 'ftp://example.amazonaws.com/' },
      'body/url must be an absolute http(s) URL',
    ],
    ['a relative URL', { url: '/path' }, 'body/url'],
    ['a URL without a host', { url: 'https:///path' }, 'body/url'],
    [
      'a URL with credentials',
      { url: 'https://user:pw@example.amazonaws.com/' },
      'body/url must not carry a user name',
    ],
    [
      'a URL with a broken escape',
      { url: 'https://example.amazonaws.com/%zz' },
      'body/url has a % not followed',
    ],
    [
      'a URL with a non-UTF-8 escape in the query',
      { url: 'https://example.amazonaws.com/?a=%FF' },
      'body/url',
    ],
    ['a URL with a newline', { url: 'https://example.amazonaws.com/\nHost: evil' }, 'body/url'],
    ['a region in capitals', { region: 'US-EAST-1' }, 'body/region must be a region'],
    ['a region with a slash', { region: 'us-east-1/../x' }, 'body/region'],
    ['a service with a space', { service: 'my service' }, 'body/service'],
    [
      'an ISO date',
      { date: '2015-08-30T12:36:00Z' },
      'body/date must be a UTC time as YYYYMMDDTHHMMSSZ',
    ],
    [
      'a date that does not exist',
      { date: '20150230T123600Z' },
      'body/date must be a real UTC time',
    ],
    [
      'an hour that does not exist',
      { date: '20150830T250000Z' },
      'body/date must be a real UTC time',
    ],
    [
      'a header name with a space',
      { headers: { 'Bad Name': 'x' } },
      'body/headers has "Bad Name", which is not an HTTP header name',
    ],
    ['a header name with a colon', { headers: { 'x-a:': 'x' } }, 'body/headers'],
    ['an empty header name', { headers: { '': 'x' } }, 'body/headers'],
    [
      'a header value with a newline',
      { headers: { 'X-A': 'a\r\nX-Injected: 1' } },
      'body/headers/X-A must be a header value on one line',
    ],
    ['a header value that is not text', { headers: { 'X-A': 1 } }, 'body/headers/X-A'],
    [
      'a header named twice',
      { headers: { 'X-A': '1', 'x-a': '2' } },
      'body/headers names x-a twice',
    ],
    [
      '51 headers',
      { headers: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`x-h${i}`, 'v'])) },
      'body/headers',
    ],
    ['an access key id with a slash', { accessKeyId: 'AKID/2015' }, 'body/accessKeyId'],
    ['an empty secret', { secretAccessKey: '' }, 'body/secretAccessKey'],
    ['a session token with a newline', { sessionToken: 'a\nb' }, 'body/sessionToken'],
    ['a body with a NUL', { body: 'a\u0000b' }, 'body/body'],
    ['an unknown property', { expires: 60 }, 'unknown property "expires"'],
  ])('refuses %s with 400 VALIDATION naming the field', async (_case, change, message) => {
    const response = await sign({ ...valid, ...change })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'VALIDATION' })
    expect(response.json().message).toContain(message)
    expect(response.body).not.toContain(SUITE.secretAccessKey)
  })

  it.each(['method', 'url', 'region', 'service', 'accessKeyId', 'secretAccessKey'])(
    'refuses a request without %s',
    async (field) => {
      const body: Record<string, unknown> = { ...valid }
      delete body[field]
      const response = await sign(body)
      expect(response.statusCode).toBe(400)
      expect(response.json().message).toContain(field)
    },
  )

  it('never echoes a secret that fails validation', async () => {
    const secret = `topsecret${'x'.repeat(300)}`
    const response = await sign({ ...valid, secretAccessKey: secret })
    expect(response.statusCode).toBe(400)
    expect(response.json().message).toContain('body/secretAccessKey')
    expect(response.body).not.toContain('topsecret')
  })

  it('answers 413 for a body over 64 KiB, and signs one of exactly 64 KiB', async () => {
    const over = await sign({ ...valid, method: 'POST', body: 'x'.repeat(64 * 1024 + 1) })
    expect(over.statusCode).toBe(413)
    expect(over.json()).toMatchObject({ code: 'BODY_TOO_LARGE' })
    expect(over.json().message).toContain('body/body')
    expect((await sign({ ...valid, method: 'POST', body: 'x'.repeat(64 * 1024) })).statusCode).toBe(
      200,
    )
  })

  it('answers 413 for a request over the route limit', async () => {
    const response = await sign({ ...valid, body: 'x'.repeat(600 * 1024) })
    expect(response.statusCode).toBe(413)
  })

  it('refuses prototype pollution in headers and malformed JSON', async () => {
    const polluted = await app.inject({
      method: 'POST',
      url: '/api/admin/sigv4/sign',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      payload: JSON.stringify(valid).replace('{', '{"headers":{"__proto__":{"x":"1"}},'),
    })
    expect(polluted.statusCode).toBe(400)
    const broken = await app.inject({
      method: 'POST',
      url: '/api/admin/sigv4/sign',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      payload: '{"method":"GET",',
    })
    expect(broken.statusCode).toBe(400)
    expect(broken.json().code).toBe('MALFORMED_JSON')
  })
})
