import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp as buildAppWithoutTable } from '../../src/app.ts'
import { buildApp, closedPort, startFakeS3, startTestS3, testConfig } from '../support/test-app.ts'

let s3: Awaited<ReturnType<typeof startTestS3>>
beforeAll(async () => {
  s3 = await startTestS3()
})
afterAll(() => s3.close())

describe('GET /api/health', () => {
  it('is ok when the uploads bucket answers', async () => {
    const app = await buildApp(testConfig(s3.endpoint))
    const response = await app.inject('/api/health')
    await app.close()
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ok', storage: 'ok', records: 'ok' })
  })

  it('lists one key under app/, which a role with prefix-conditioned s3:ListBucket may do', async () => {
    // S3 as the function's role sees it: a listing under app/ is allowed, anything else about
    // the bucket itself (HeadBucket, an unconditioned listing) is 403 AccessDenied.
    const denied =
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'
    const fake = await startFakeS3((req) => {
      const url = new URL(req.url ?? '/', 'http://s3')
      const allowed =
        req.method === 'GET' &&
        url.pathname.replace(/\/$/, '') === '/meme-studio-uploads' &&
        url.searchParams.get('list-type') === '2' &&
        url.searchParams.get('prefix') === 'app/'
      return allowed
        ? {
            status: 200,
            body: '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>meme-studio-uploads</Name><Prefix>app/</Prefix><KeyCount>0</KeyCount><MaxKeys>1</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>',
          }
        : { status: 403, body: denied }
    })
    const app = await buildApp(testConfig(fake.endpoint))
    const response = await app.inject('/api/health')
    await app.close()
    await fake.close()
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ok', storage: 'ok', records: 'ok' })
    expect(fake.requests).toHaveLength(1)
    const sent = new URL(fake.requests[0]?.url ?? '', 'http://s3')
    expect(sent.searchParams.get('max-keys')).toBe('1')
  })

  it('is 503 saying access is denied when the role may not list app/', async () => {
    const fake = await startFakeS3(() => ({
      status: 403,
      body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
    }))
    const app = await buildApp(testConfig(fake.endpoint))
    const response = await app.inject('/api/health')
    await app.close()
    await fake.close()
    expect(response.statusCode).toBe(503)
    expect(response.json()).toEqual({
      status: 'error',
      storage: 'access to bucket meme-studio-uploads is denied',
      records: 'ok',
    })
  })

  it('is 503 naming the bucket when it does not exist', async () => {
    const app = await buildApp(testConfig(s3.endpoint, { S3_BUCKET: 'no-such-bucket' }))
    const response = await app.inject('/api/health')
    await app.close()
    expect(response.statusCode).toBe(503)
    expect(response.json()).toEqual({
      status: 'error',
      storage: 'bucket no-such-bucket does not exist',
      records: 'ok',
    })
  })

  it('is 503 saying storage is unreachable when nothing listens', async () => {
    const app = await buildApp(testConfig(await closedPort()))
    const response = await app.inject('/api/health')
    await app.close()
    expect(response.statusCode).toBe(503)
    expect(response.json()).toEqual({
      status: 'error',
      storage: 'storage is unreachable (ECONNREFUSED)',
      records: 'ok',
    })
  })

  it('is 503 naming the table when it does not exist', async () => {
    const config = testConfig(s3.endpoint)
    // No buildApp from the test support: it would create the table.
    const app = await buildAppWithoutTable(config)
    const response = await app.inject('/api/health')
    await app.close()
    expect(response.statusCode).toBe(503)
    expect(response.json()).toEqual({
      status: 'error',
      storage: 'ok',
      records: `table ${config.recordsTable} does not exist`,
    })
  })

  it('is 503 saying the records table is unreachable when nothing listens', async () => {
    const app = await buildApp(testConfig(s3.endpoint, { DYNAMODB_ENDPOINT: await closedPort() }))
    const response = await app.inject('/api/health')
    await app.close()
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({
      status: 'error',
      storage: 'ok',
      records: expect.stringMatching(/^the records table is unreachable \(/),
    })
  })
})

describe('GET /api/limits', () => {
  it('tells the browser what it may upload', async () => {
    const app = await buildApp(
      testConfig(s3.endpoint, { MAX_UPLOAD_BYTES: '1234', MAX_EDGE: '1600' }),
    )
    const response = await app.inject('/api/limits')
    await app.close()
    expect(response.json()).toEqual({
      maxUploadBytes: 1234,
      maxPixels: 40_000_000,
      maxEdge: 1600,
      imageTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
      minEdge: 48,
      maxAspectRatio: 10,
    })
  })
})

describe('GET /api/docs', () => {
  it('serves OpenAPI generated from the route schemas', async () => {
    const app = await buildApp(testConfig(s3.endpoint))
    const spec = (await app.inject('/api/docs/json')).json()
    const ui = await app.inject('/api/docs/')
    await app.close()
    expect(spec.openapi).toMatch(/^3\./)
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/health', '/api/sign-s3-request', '/api/meme', '/api/limits']),
    )
    // The usual form first; the seed's compatibility form second (seed-shape.test.ts).
    const meme =
      spec.paths['/api/meme'].post.requestBody.content['application/json'].schema.anyOf[0]
    // A meme is drawn on an upload or a template: the service asks for exactly one.
    expect(meme.required).toEqual(['captions'])
    expect(Object.keys(meme.properties)).toEqual(
      expect.arrayContaining(['image', 'template', 'captions']),
    )
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/api/templates', '/api/templates/{id}', '/api/layouts']),
    )
    expect(ui.statusCode).toBe(200)
    expect(ui.body).toContain('swagger')
  })
})

describe('unknown routes', () => {
  it('answer 404 NOT_FOUND in the API error shape', async () => {
    const app = await buildApp(testConfig(s3.endpoint))
    const response = await app.inject('/api/nothing-here?x=1')
    await app.close()
    expect(response.statusCode).toBe(404)
    expect(response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Route GET /api/nothing-here not found',
      code: 'NOT_FOUND',
    })
  })
})
