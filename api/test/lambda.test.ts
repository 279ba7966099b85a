import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import { imageSize } from 'image-size'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { signGithubPayload } from '../src/services/signatures/github-signature.ts'
import { restEvent } from './support/api-gateway-events.ts'
import { trims } from './support/counted-trims.ts'
import { secretArn, startFakeSecretsManager } from './support/fake-secrets-manager.ts'
import { makePicture } from './support/pictures.ts'
import { decodePixels, pixelAt } from './support/pixels.ts'
import { ensureTestTable, putUpload, startTestS3, testConfig } from './support/test-app.ts'

// glibc's trim, counted instead of called: a server's renders end with one (memes-trim.test.ts).
vi.mock('../src/services/meme/native-memory.ts', async (importOriginal) =>
  (await import('./support/counted-trims.ts')).countingTrims(importOriginal),
)

type Handler = (
  event: unknown,
  context: Context,
) => Promise<{
  statusCode: number
  body: string
  isBase64Encoded?: boolean
  headers: Record<string, string>
}>

let s3: Awaited<ReturnType<typeof startTestS3>>
let secrets: Awaited<ReturnType<typeof startFakeSecretsManager>>
/** The two functions' handlers, each from its own entry point, as the stack deploys them. */
let render: Handler
let control: Handler
const ADMIN_KEY_ARN = secretArn('MemeStudioApi-AdminApiKey')
const ADMIN_KEY = 'admin-key-from-secrets-manager'
const KEY = 'uploads/dddddddd-dddd-4ddd-8ddd-dddddddddddd.jpg'
const WEBHOOK_SECRET = 'lambda-webhook-secret'

beforeAll(async () => {
  s3 = await startTestS3()
  secrets = await startFakeSecretsManager({ [ADMIN_KEY_ARN]: ADMIN_KEY })
  // Lambda reads its config from the environment at cold start, as on AWS; the admin key
  // comes from Secrets Manager, reached through the SDK's standard endpoint override.
  // The records table is the run's dynalite, created as the stack would have it.
  const tableConfig = testConfig(s3.endpoint)
  await ensureTestTable(tableConfig)
  Object.assign(process.env, {
    S3_ENDPOINT: s3.endpoint,
    DYNAMODB_ENDPOINT: tableConfig.dynamodb.endpoint,
    RECORDS_TABLE: tableConfig.recordsTable,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
    ADMIN_API_KEYS_SECRET_ARN: ADMIN_KEY_ARN,
    LOG_LEVEL: 'error',
    GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
  })
  await putUpload(testConfig(s3.endpoint), KEY, await makePicture('jpeg', 300, 200), 'image/jpeg')
  render = (await import('../src/lambda-render.ts')).handler as unknown as Handler
  control = (await import('../src/lambda-control.ts')).handler as unknown as Handler
})
afterAll(async () => {
  await s3.close()
  await secrets.close()
})

const context = { awsRequestId: 'test-request', functionName: 'meme-studio-api' } as Context

const memeRequest = JSON.stringify({
  image: KEY,
  captions: [{ text: 'From Lambda', x: 0.5, y: 0.15 }],
})
/** `POST /api/meme` of `memeRequest` to the render function behind a REST API (v1). */
const renderMemeRequest = () =>
  render(
    restEvent('POST', '/api/meme', {
      headers: { 'content-type': 'application/json' },
      body: memeRequest,
    }),
    context,
  )

describe('the Lambda handlers behind a REST API (v1)', () => {
  it('answers GET /api/health as text JSON, not base64', async () => {
    const result = await control(restEvent('GET', '/api/health'), context)
    expect(result.statusCode).toBe(200)
    expect(result.isBase64Encoded).toBe(false)
    expect(JSON.parse(result.body)).toEqual({ status: 'ok', storage: 'ok', records: 'ok' })
  })

  it('reads multi-value query strings for the signing endpoint', async () => {
    const result = await control(
      restEvent('GET', '/api/sign-s3-request', {
        query: { filename: 'cat.png', contentType: 'image/png' },
      }),
      context,
    )
    expect(result.statusCode).toBe(200)
    expect(JSON.parse(result.body).key).toMatch(/^uploads\/[0-9a-f-]{36}\.png$/)
  })

  it('renders a meme as base64 JSON in a text body', async () => {
    const result = await renderMemeRequest()
    expect(result.statusCode).toBe(200)
    expect(result.isBase64Encoded).toBe(false)
    const body = JSON.parse(result.body)
    expect(body.meme_type).toBe('image/jpeg')
    expect(imageSize(Buffer.from(body.meme_data, 'base64'))).toMatchObject({
      width: 300,
      height: 200,
    })
  })

  it('draws an upload overwritten since it drew it: the function asks S3, nothing tells it', async () => {
    // `pnpm start` is told of changes by its embedded S3 and skips this check; a function has
    // no such feed, and a picture it keeps must not outlive its upload's next version.
    const key = 'uploads/eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee.jpg'
    const solid = (background: string) =>
      sharp({ create: { width: 320, height: 240, channels: 3, background } })
        .jpeg()
        .toBuffer()
    const middleOf = async () => {
      const result = await render(
        restEvent('POST', '/api/meme', {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ image: key, captions: [{ text: 'x', x: 0.05, y: 0.05 }] }),
        }),
        context,
      )
      expect(result.statusCode).toBe(200)
      const { meme_data } = JSON.parse(result.body) as { meme_data: string }
      return pixelAt(await decodePixels(Buffer.from(meme_data, 'base64')), 160, 120)
    }
    await putUpload(testConfig(s3.endpoint), key, await solid('#d02020'), 'image/jpeg')
    const [red] = await middleOf()
    await putUpload(testConfig(s3.endpoint), key, await solid('#20c040'), 'image/jpeg')
    const [, green] = await middleOf()
    expect([red > 160, green > 160]).toEqual([true, true])
  })

  it('leaves the memory a render kept to the allocator: no trim a second later', async () => {
    trims.count = 0
    const result = await renderMemeRequest()
    expect(result.statusCode).toBe(200)
    // `pnpm start` trims 1 s after its last render (AppOptions' trimAfterIdleMs); a frozen or
    // reused Lambda instance must not run that timer, so its handler does not ask for it.
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    expect(trims.count).toBe(0)
  })

  it('returns raw image bytes base64-encoded for API Gateway when Accept asks', async () => {
    const result = await render(
      restEvent('POST', '/api/meme', {
        headers: { 'content-type': 'application/json', accept: 'image/jpeg' },
        // binaryMediaTypes */* makes API Gateway hand even JSON bodies over as base64.
        body: Buffer.from(memeRequest).toString('base64'),
        isBase64Encoded: true,
      }),
      context,
    )
    expect(result.statusCode).toBe(200)
    expect(result.isBase64Encoded).toBe(true)
    expect(result.headers['content-type']).toBe('image/jpeg')
    expect(imageSize(Buffer.from(result.body, 'base64'))).toMatchObject({ type: 'jpg', width: 300 })
  })

  it('answers errors in the API shape', async () => {
    const result = await render(
      restEvent('POST', '/api/meme', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image: 'https://evil.example/x.png', captions: [] }),
      }),
      context,
    )
    expect(result.statusCode).toBe(400)
    expect(result.isBase64Encoded).toBe(false)
    expect(JSON.parse(result.body)).toMatchObject({ code: 'VALIDATION' })
  })
})

describe('one function per workload', () => {
  it('the render function answers a control path with the usual 404', async () => {
    const result = await render(restEvent('GET', '/api/health'), context)
    expect(result.statusCode).toBe(404)
    expect(JSON.parse(result.body)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Route GET /api/health not found',
      code: 'NOT_FOUND',
    })
  })

  it('the control function answers a render path with the usual 404', async () => {
    const result = await control(
      restEvent('POST', '/api/meme', {
        headers: { 'content-type': 'application/json' },
        body: memeRequest,
      }),
      context,
    )
    expect(result.statusCode).toBe(404)
    expect(JSON.parse(result.body)).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Route POST /api/meme not found',
      code: 'NOT_FOUND',
    })
  })
})

describe('the Lambda handlers behind an HTTP API (v2)', () => {
  it('answers GET /api/health', async () => {
    const event: Partial<APIGatewayProxyEventV2> = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/api/health',
      rawQueryString: '',
      headers: { host: 'abc123.execute-api.us-east-1.amazonaws.com' },
      requestContext: {
        http: {
          method: 'GET',
          path: '/api/health',
          protocol: 'HTTP/1.1',
          sourceIp: '203.0.113.7',
          userAgent: 'test',
        },
        stage: '$default',
      } as APIGatewayProxyEventV2['requestContext'],
      isBase64Encoded: false,
    }
    const result = await control(event, context)
    expect(result.statusCode).toBe(200)
    expect(JSON.parse(result.body)).toEqual({ status: 'ok', storage: 'ok', records: 'ok' })
  })
})

/**
 * A GitHub ping as API Gateway hands it over with binary media types on: the body base64-
 * encoded. Pretty-printed with a trailing newline, so any re-serialising breaks the signature.
 */
const pingBody = `${JSON.stringify({ zen: 'Approachable is better than simple.', hook_id: 7 }, null, 2)}\n`
const pingHeaders = (deliveryId: string) => ({
  'content-type': 'application/json',
  'user-agent': 'GitHub-Hookshot/044aadd',
  'x-github-event': 'ping',
  'x-github-delivery': deliveryId,
  'x-hub-signature-256': signGithubPayload(WEBHOOK_SECRET, pingBody),
})

describe('GitHub webhooks through the Lambda handler', () => {
  it('verifies a base64-encoded body over its exact bytes behind a REST API (v1)', async () => {
    const result = await control(
      restEvent('POST', '/api/webhooks/github', {
        headers: pingHeaders('6e4e5c1a-0000-4000-8000-000000000001'),
        body: Buffer.from(pingBody).toString('base64'),
        isBase64Encoded: true,
      }),
      context,
    )
    expect(result.statusCode).toBe(200)
    expect(JSON.parse(result.body)).toEqual({ ok: true })
  })

  it('verifies a base64-encoded body over its exact bytes behind an HTTP API (v2)', async () => {
    const event: Partial<APIGatewayProxyEventV2> = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/api/webhooks/github',
      rawQueryString: '',
      headers: {
        host: 'abc123.execute-api.us-east-1.amazonaws.com',
        ...pingHeaders('6e4e5c1a-0000-4000-8000-000000000002'),
      },
      requestContext: {
        http: {
          method: 'POST',
          path: '/api/webhooks/github',
          protocol: 'HTTP/1.1',
          sourceIp: '192.30.252.1',
          userAgent: 'GitHub-Hookshot/044aadd',
        },
        stage: '$default',
      } as APIGatewayProxyEventV2['requestContext'],
      body: Buffer.from(pingBody).toString('base64'),
      isBase64Encoded: true,
    }
    const result = await control(event, context)
    expect(result.statusCode).toBe(200)
    expect(JSON.parse(result.body)).toEqual({ ok: true })
  })

  it('refuses the same body once its bytes changed in transit', async () => {
    const result = await control(
      restEvent('POST', '/api/webhooks/github', {
        headers: pingHeaders('6e4e5c1a-0000-4000-8000-000000000003'),
        body: JSON.stringify(JSON.parse(pingBody)),
      }),
      context,
    )
    expect(result.statusCode).toBe(401)
    expect(JSON.parse(result.body)).toMatchObject({ code: 'SIGNATURE_INVALID' })
  })
})

describe('POST /api/events through the Lambda handler with EVENTS_AUTH=api-gateway-iam', () => {
  let iamHandler: Handler
  const saved: Record<string, string | undefined> = {}

  beforeAll(async () => {
    // A second cold start, with API Gateway's IAM check trusted and Discord not set up.
    for (const name of ['EVENTS_AUTH', 'DISCORD_WEBHOOK_URL']) saved[name] = process.env[name]
    process.env.EVENTS_AUTH = 'api-gateway-iam'
    delete process.env.DISCORD_WEBHOOK_URL
    const { vi } = await import('vitest')
    vi.resetModules()
    iamHandler = (await import('../src/lambda-control.ts')).handler as unknown as Handler
  })
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  /** The event as API Gateway hands it over once its IAM authorization has passed (or not). */
  function eventsRequest(identity: Record<string, unknown>) {
    const event = restEvent('POST', '/api/events', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'lambda-iam-1', title: 'Deployed' }),
    })
    return { ...event, requestContext: { ...event.requestContext, identity } }
  }

  it('takes an event that API Gateway authorized with an IAM identity', async () => {
    const result = await iamHandler(
      eventsRequest({
        sourceIp: '203.0.113.7',
        accessKey: 'ASIAEXAMPLECALLER',
        userArn: 'arn:aws:sts::123456789012:assumed-role/deployer/ci',
      }),
      context,
    )
    expect(result.statusCode).toBe(202)
    expect(JSON.parse(result.body)).toMatchObject({
      id: 'lambda-iam-1',
      delivery: 'not-forwarded',
    })
  })

  it('refuses the same event without an IAM identity: Missing Authentication Token', async () => {
    const result = await iamHandler(eventsRequest({ sourceIp: '203.0.113.7' }), context)
    expect(result.statusCode).toBe(403)
    expect(result.headers['content-type']).toBe('application/json')
    expect(result.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException')
    expect(result.body).toBe('{"message":"Missing Authentication Token"}')
  })
})

describe('secrets at cold start', () => {
  it('takes ADMIN_API_KEYS from the Secrets Manager secret its ARN names', async () => {
    // Read at cold start (each cold start in this file reads it once).
    expect(secrets.requests[0]).toBe(ADMIN_KEY_ARN)
    const admitted = await control(
      restEvent('GET', '/api/admin/usage', { headers: { 'x-api-key': ADMIN_KEY } }),
      context,
    )
    expect(admitted.statusCode).toBe(200)
    const refused = await control(restEvent('GET', '/api/admin/usage'), context)
    expect(refused.statusCode).toBe(403)
  })
})
