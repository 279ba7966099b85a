import { spawn } from 'node:child_process'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { eventBody, sendEvent } from '../../scripts/send-event.ts'
import type { AppConfig } from '../../src/config.ts'
import { resolveSecretEnv } from '../../src/lambda-secrets.ts'
import { amzDate } from '../../src/services/signatures/sigv4-verify.ts'
import { secretArn, startFakeSecretsManager } from '../support/fake-secrets-manager.ts'
import { buildApp, startTestS3, testConfig, testS3Client } from '../support/test-app.ts'

const ACCESS_KEY_ID = 'AKIAEVENTSTEST'
const SECRET_ACCESS_KEY = 'events-test-secret-access-key'
const API_KEY = 'events-test-admin-key'
const HOST = 'localhost:80'

interface Answer {
  status: number
  body?: string
}

/** A loopback Discord webhook: answers from a queue (then 200), records what it was sent. */
async function startDiscord() {
  const queue: Answer[] = []
  const received: { url: string; body: { embeds: { title: string }[] } }[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({ url: req.url ?? '', body: JSON.parse(Buffer.concat(chunks).toString()) })
      const answer = queue.shift() ?? { status: 200, body: '{"id":"111","channel_id":"9"}' }
      res.writeHead(answer.status, { 'content-type': 'application/json' })
      res.end(answer.body ?? '')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/api/webhooks/1/token`,
    queue,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

let s3Server: Awaited<ReturnType<typeof startTestS3>>
let discord: Awaited<ReturnType<typeof startDiscord>>
let config: AppConfig
let app: FastifyInstance
let s3: S3Client

beforeAll(async () => {
  s3Server = await startTestS3()
  discord = await startDiscord()
  config = testConfig(s3Server.endpoint, {
    EVENTS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    EVENTS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    DISCORD_WEBHOOK_URL: discord.url,
    ADMIN_API_KEYS: API_KEY,
  })
  app = await buildApp(config)
  s3 = testS3Client(config)
})
afterAll(async () => {
  await app?.close()
  s3?.destroy()
  await discord?.close()
  await s3Server?.close()
})
beforeEach(() => {
  discord.received.length = 0
  discord.queue.length = 0
})

/** Signs as an AWS SDK client would for API Gateway (credentials from the test config). */
async function signedHeaders(
  body: string,
  options: { date?: Date; accessKeyId?: string; region?: string } = {},
) {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region ?? config.s3.region,
    credentials: {
      accessKeyId: options.accessKeyId ?? ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
    },
    sha256: Hash.bind(null, 'sha256'),
  })
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: 'localhost',
      path: '/api/events',
      headers: { host: HOST, 'content-type': 'application/json' },
      body,
    },
    options.date ? { signingDate: options.date } : {},
  )
  return signed.headers
}

async function post(body: string, headers: Record<string, string>) {
  return app.inject({ method: 'POST', url: '/api/events', headers, payload: body })
}

async function postSigned(event: unknown) {
  const body = JSON.stringify(event)
  return post(body, await signedHeaders(body))
}

function expectGatewayRefusal(
  response: Awaited<ReturnType<typeof post>>,
  errorType: string,
  body?: string,
) {
  expect(response.statusCode).toBe(403)
  expect(response.headers['content-type']).toBe('application/json')
  expect(response.headers['x-amzn-errortype']).toBe(errorType)
  if (body !== undefined) expect(response.body).toBe(body)
}

async function storedEvent(id: string): Promise<Record<string, unknown> | undefined> {
  try {
    const object = await s3.send(
      new GetObjectCommand({ Bucket: config.uploadBucket, Key: `events/${id}.json` }),
    )
    return JSON.parse((await object.Body?.transformToString()) ?? '')
  } catch {
    return undefined
  }
}

async function notifications() {
  const response = await app.inject({
    method: 'GET',
    url: '/api/admin/notifications',
    headers: { 'x-api-key': API_KEY },
  })
  expect(response.statusCode).toBe(200)
  return response.json()
}

describe('POST /api/events: the SigV4 intake', () => {
  it('takes an event signed by the AWS SDK and posts it to Discord', async () => {
    const response = await postSigned({
      id: 'deploy-1',
      title: 'Deployed',
      description: 'v1.2.3 is live',
      url: 'https://example.com/releases/1.2.3',
      fields: [{ name: 'Stage', value: 'prod', inline: true }],
    })
    expect(response.statusCode, response.body).toBe(202)
    expect(response.json()).toEqual({ id: 'deploy-1', delivery: 'delivered' })
    expect(discord.received).toHaveLength(1)
    expect(discord.received[0]?.url).toBe('/api/webhooks/1/token?wait=true')
    expect(discord.received[0]?.body).toMatchObject({
      embeds: [
        {
          title: 'Deployed',
          description: 'v1.2.3 is live',
          url: 'https://example.com/releases/1.2.3',
          fields: [{ name: 'Stage', value: 'prod', inline: true }],
          footer: { text: 'event deploy-1' },
        },
      ],
      allowed_mentions: { parse: [] },
    })
    expect(await storedEvent('deploy-1')).toMatchObject({
      id: 'deploy-1',
      attempts: 1,
      discordMessageId: '111',
    })
  })

  it('takes the signed bytes whatever the content type says', async () => {
    const body = '{"id":"typed-1"}'
    const headers = await signedHeaders(body)
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const response = await post(body, { ...headers, 'content-type': type })
      // content-type is signed: another one breaks the signature, and no parser refuses it first.
      expectGatewayRefusal(response, 'InvalidSignatureException')
    }
    const signer = new SignatureV4({
      service: 'execute-api',
      region: config.s3.region,
      credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      sha256: Hash.bind(null, 'sha256'),
    })
    // Unsigned and untyped: the bytes still arrive whole.
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: 'localhost',
      path: '/api/events',
      headers: { host: HOST },
      body,
    })
    const response = await post(body, signed.headers)
    expect(response.statusCode, response.body).toBe(202)
    expect(response.json()).toEqual({ id: 'typed-1', delivery: 'delivered' })
  })

  it('posts the same event id once', async () => {
    const event = { id: 'once-1', title: 'Only once' }
    expect((await postSigned(event)).json()).toEqual({ id: 'once-1', delivery: 'delivered' })
    const again = await postSigned(event)
    expect(again.statusCode).toBe(202)
    expect(again.json()).toEqual({ duplicate: true })
    expect(discord.received).toHaveLength(1)
  })

  it('remembers delivered ids across restarts (the S3 record)', async () => {
    await postSigned({ id: 'restart-1' })
    const restarted = await buildApp(config)
    try {
      const body = JSON.stringify({ id: 'restart-1' })
      const response = await restarted.inject({
        method: 'POST',
        url: '/api/events',
        headers: await signedHeaders(body),
        payload: body,
      })
      expect(response.json()).toEqual({ duplicate: true })
    } finally {
      await restarted.close()
    }
    expect(discord.received).toHaveLength(1)
  })

  it('refuses an unsigned request: Missing Authentication Token', async () => {
    const response = await post('{"id":"x"}', { 'content-type': 'application/json' })
    expectGatewayRefusal(
      response,
      'MissingAuthenticationTokenException',
      '{"message":"Missing Authentication Token"}',
    )
    expect(discord.received).toHaveLength(0)
  })

  it('refuses a tampered body with the signature-mismatch message', async () => {
    const headers = await signedHeaders('{"id":"t-1","title":"ok"}')
    const response = await post('{"id":"t-1","title":"evil"}', headers)
    expectGatewayRefusal(response, 'InvalidSignatureException')
    const { message } = response.json<{ message: string }>()
    expect(message).toMatch(
      /^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\. Consult the service documentation for details\.\n\nThe Canonical String for this request should have been\n'POST\n\/api\/events\n\ncontent-type:application\/json\nhost:localhost:80\nx-amz-content-sha256:[0-9a-f]{64}\nx-amz-date:\d{8}T\d{6}Z\n\ncontent-type;host;x-amz-content-sha256;x-amz-date\n[0-9a-f]{64}'\n\nThe String-to-Sign should have been\n'AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/execute-api\/aws4_request\n[0-9a-f]{64}'\n$/,
    )
    expect(discord.received).toHaveLength(0)
  })

  it('refuses a request signed 6 minutes ago: Signature expired', async () => {
    const signedAt = new Date(Date.now() - 6 * 60 * 1000)
    const body = '{"id":"late-1"}'
    const headers = await signedHeaders(body, { date: signedAt })
    const before = Math.floor(Date.now() / 1000) * 1000
    const response = await post(body, headers)
    const after = Date.now()
    expectGatewayRefusal(response, 'InvalidSignatureException')
    // The server's clock is in the message; it read it while this test waited.
    const now = /\((\d{8}T\d{6}Z) - 5 min\.\)"\}$/.exec(response.body)?.[1] ?? ''
    const nowMs = Date.parse(
      now.replace(/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/, '$1-$2-$3T$4:$5:$6Z'),
    )
    expect(nowMs).toBeGreaterThanOrEqual(before)
    expect(nowMs).toBeLessThanOrEqual(after)
    expect(response.body).toBe(
      `{"message":"Signature expired: ${amzDate(signedAt)} is now earlier than ${amzDate(new Date(nowMs - 5 * 60 * 1000))} (${now} - 5 min.)"}`,
    )
  })

  it('refuses an unknown access key', async () => {
    const body = '{"id":"who-1"}'
    const response = await post(body, await signedHeaders(body, { accessKeyId: 'AKIAUNKNOWN' }))
    expectGatewayRefusal(
      response,
      'UnrecognizedClientException',
      '{"message":"The security token included in the request is invalid."}',
    )
  })

  it('refuses a signature for another region', async () => {
    const body = '{"id":"where-1"}'
    const response = await post(body, await signedHeaders(body, { region: 'eu-central-1' }))
    expectGatewayRefusal(
      response,
      'InvalidSignatureException',
      `{"message":"Credential should be scoped to a valid region, not 'eu-central-1'. "}`,
    )
  })

  it('answers 400 to a body that is not JSON, once its signature is good', async () => {
    const body = '{"id": "broken-1",'
    const response = await post(body, await signedHeaders(body))
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The request body is not valid JSON',
      code: 'MALFORMED_JSON',
    })
    expect(discord.received).toHaveLength(0)
  })

  it('answers 400 to an event without an id or with unknown properties', async () => {
    const noId = await postSigned({ title: 'no id' })
    expect(noId.statusCode).toBe(400)
    expect(noId.json()).toMatchObject({
      code: 'VALIDATION',
      message: 'body must have required properties id',
    })
    const unknown = await postSigned({ id: 'u-1', colour: 'red' })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json().message).toBe('body has an unknown property "colour"')
    const badUrl = await postSigned({ id: 'u-2', url: 'javascript:alert(1)' })
    expect(badUrl.json().message).toBe('body/url must be an http(s) URL')
    expect(discord.received).toHaveLength(0)
  })
})

describe('POST /api/events: Discord answers', () => {
  it('waits out a 429 and delivers; the answer comes once the retry is scheduled', async () => {
    discord.queue.push(
      {
        status: 429,
        body: '{"message":"You are being rate limited.","retry_after":0.2,"global":false}',
      },
      { status: 204 },
    )
    const response = await postSigned({ id: 'rate-1', title: 'Busy' })
    expect(response.statusCode).toBe(202)
    expect(response.json()).toMatchObject({ id: 'rate-1', delivery: 'retrying' })
    // A second delivery of the id while the first is retrying is the same event.
    expect((await postSigned({ id: 'rate-1', title: 'Busy' })).json()).toEqual({ duplicate: true })
    await app.notifier.settled()
    expect(discord.received).toHaveLength(2)
    expect(discord.received[1]?.body).toEqual(discord.received[0]?.body)
    expect(await storedEvent('rate-1')).toMatchObject({ attempts: 2 })
  })

  it('retries 5xx answers and delivers', async () => {
    discord.queue.push({ status: 500 }, { status: 503 })
    const response = await postSigned({ id: 'flaky-1' })
    expect(response.json()).toMatchObject({ delivery: 'retrying' })
    await app.notifier.settled()
    expect(discord.received).toHaveLength(3)
    expect(await storedEvent('flaky-1')).toMatchObject({ attempts: 3 })
    expect((await notifications()).discord.lastDeliveredAt).toEqual(expect.any(String))
  })

  it('gives up after 3 tries of 500, and takes the same id again later', async () => {
    discord.queue.push({ status: 500 }, { status: 500 }, { status: 500 })
    expect((await postSigned({ id: 'down-1' })).json()).toMatchObject({ delivery: 'retrying' })
    await app.notifier.settled()
    expect(discord.received).toHaveLength(3)
    expect(await storedEvent('down-1')).toBeUndefined()
    expect((await notifications()).discord.lastError).toMatch(/Discord answered 500 \(3 tries\)$/)
    // Not delivered, so not a duplicate: a resend goes through.
    expect((await postSigned({ id: 'down-1' })).json()).toEqual({
      id: 'down-1',
      delivery: 'delivered',
    })
  })

  it('stops calling Discord after a 404 and says so, until reset', async () => {
    discord.queue.push({ status: 404, body: '{"message":"Unknown Webhook","code":10015}' })
    const response = await postSigned({ id: 'gone-1' })
    expect(response.statusCode).toBe(202)
    expect(response.json()).toEqual({
      id: 'gone-1',
      delivery: 'not-forwarded',
      reason: 'Discord answered 404: the webhook was deleted',
    })
    expect((await notifications()).discord).toMatchObject({
      configured: true,
      state: 'disabled',
      reason: 'Discord answered 404: the webhook was deleted',
    })

    expect((await postSigned({ id: 'gone-2' })).json()).toMatchObject({ delivery: 'not-forwarded' })
    await app.notify('shared', { shareId: 'abc' })
    expect(discord.received).toHaveLength(1)

    const reset = await app.inject({
      method: 'PUT',
      url: '/api/admin/notifications',
      headers: { 'x-api-key': API_KEY },
      payload: { resetDiscord: true },
    })
    expect(reset.json().discord).toMatchObject({ state: 'ok' })
    expect((await postSigned({ id: 'gone-2' })).json()).toMatchObject({ delivery: 'delivered' })
    expect(discord.received).toHaveLength(2)
  })
})

describe('POST /api/events with EVENTS_AUTH=api-gateway-iam', () => {
  it('refuses a request that did not come through API Gateway with an IAM identity', async () => {
    const gatewayApp = await buildApp(
      testConfig(s3Server.endpoint, {
        EVENTS_AUTH: 'api-gateway-iam',
        EVENTS_ACCESS_KEY_ID: ACCESS_KEY_ID,
        EVENTS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
        DISCORD_WEBHOOK_URL: discord.url,
      }),
    )
    try {
      const body = '{"id":"iam-1","title":"not through API Gateway"}'
      // Neither a good signature nor a forged Lambda event in the headers stands in for it.
      const forged = {
        requestContext: { identity: { accessKey: 'AKIAFORGED', userArn: 'arn:aws:iam::1:user/x' } },
      }
      for (const headers of [
        await signedHeaders(body),
        {
          'content-type': 'application/json',
          'x-apigateway-event': encodeURIComponent(JSON.stringify(forged)),
        },
      ]) {
        const response = await gatewayApp.inject({
          method: 'POST',
          url: '/api/events',
          headers,
          payload: body,
        })
        expectGatewayRefusal(
          response,
          'MissingAuthenticationTokenException',
          '{"message":"Missing Authentication Token"}',
        )
      }
      expect(discord.received).toHaveLength(0)
    } finally {
      await gatewayApp.close()
    }
  })
})

describe('a Discord URL kept in Secrets Manager, as on Lambda', () => {
  it('takes a new URL within a minute of the secret changing, without a restart', async () => {
    const next = await startDiscord()
    const arn = secretArn('DISCORD_WEBHOOK_URL')
    const secrets = { [arn]: discord.url }
    const sm = await startFakeSecretsManager(secrets)
    // The cold start, as the Lambda entry point runs it.
    const coldStart = new SecretsManagerClient(sm.settings)
    const env = await resolveSecretEnv({ DISCORD_WEBHOOK_URL_SECRET_ARN: arn }, coldStart)
    coldStart.destroy()
    const lambdaConfig = testConfig(s3Server.endpoint, {
      ...(env as Record<string, string>),
      EVENTS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      EVENTS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    })
    lambdaConfig.secretsManager = sm.settings
    const lambdaApp = await buildApp(lambdaConfig)
    const send = async (id: string) => {
      const body = JSON.stringify({ id, title: id })
      const response = await lambdaApp.inject({
        method: 'POST',
        url: '/api/events',
        headers: await signedHeaders(body),
        payload: body,
      })
      expect(response.json()).toEqual({ id, delivery: 'delivered' })
    }
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    try {
      await send('secret-1')
      secrets[arn] = next.url
      vi.setSystemTime(Date.now() + 30_000)
      await send('secret-2')
      vi.setSystemTime(Date.now() + 31_000)
      await send('secret-3')
    } finally {
      vi.useRealTimers()
      await lambdaApp.close()
      await sm.close()
      await next.close()
    }
    expect(discord.received.map((m) => m.body.embeds[0]?.title)).toEqual(['secret-1', 'secret-2'])
    expect(next.received.map((m) => m.body.embeds[0]?.title)).toEqual(['secret-3'])
    expect(sm.requests).toEqual([arn, arn])
  })
})

describe('app.notify', () => {
  it('posts a share only when its toggle is on', async () => {
    await app.notify('shared', { shareId: 'abc', url: 'http://localhost/m/abc' })
    expect(discord.received).toHaveLength(0)
    const on = await app.inject({
      method: 'PUT',
      url: '/api/admin/notifications',
      headers: { 'x-api-key': API_KEY },
      payload: { notifyOnShare: true },
    })
    expect(on.json()).toMatchObject({ notifyOnShare: true, notifyOnArchive: false })
    await app.notify('shared', { shareId: 'abc', url: 'http://localhost/m/abc' })
    await app.notify('archived', { repo: 'octo/hello', branch: 'main' })
    expect(discord.received).toHaveLength(1)
    expect(discord.received[0]?.body.embeds[0]).toMatchObject({
      title: 'A meme was shared',
      url: 'http://localhost/m/abc',
    })
  })
})

describe('send-event (the CLI)', () => {
  let origin: string
  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' })
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  })

  it('signs and sends an event', async () => {
    const result = await sendEvent(eventBody('{"id":"cli-1","title":"From the CLI"}'), {
      url: `${origin}/api/events`,
      region: config.s3.region,
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
    })
    expect(result.status).toBe(202)
    expect(JSON.parse(result.body)).toEqual({ id: 'cli-1', delivery: 'delivered' })
    expect(discord.received[0]?.body.embeds[0]?.title).toBe('From the CLI')
  })

  it('gives an event without an id a random one', () => {
    expect(JSON.parse(eventBody('{"title":"t"}'))).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: 't',
    })
  })

  function runCli(args: string[], env: Record<string, string>) {
    const script = fileURLToPath(new URL('../../scripts/send-event.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { PATH: process.env.PATH ?? '', ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.on('close', (code) => resolve({ code, stdout, stderr })),
    )
  }

  it('runs as a command: prints the status and body, exits 0', async () => {
    const result = await runCli(['{"id":"cli-2","title":"Spawned"}'], {
      EVENTS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      EVENTS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      EVENTS_URL: `${origin}/api/events`,
    })
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe(
      `POST ${origin}/api/events: 202\n{"id":"cli-2","delivery":"delivered"}\n`,
    )
    expect(result.code).toBe(0)
  })

  it('signs with AWS_SESSION_TOKEN when set, as X-Amz-Security-Token', async () => {
    const seen: IncomingHttpHeaders[] = []
    const capture = createServer((req, res) => {
      seen.push(req.headers)
      req.resume()
      req.on('end', () => res.writeHead(202, { 'content-type': 'application/json' }).end('{}'))
    })
    await new Promise<void>((resolve) => capture.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(capture.address() as AddressInfo).port}/api/events`
    try {
      const result = await runCli(['{"id":"cli-4","title":"Temporary"}'], {
        AWS_ACCESS_KEY_ID: 'ASIAEXAMPLETEMPORARY',
        AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
        AWS_SESSION_TOKEN: 'session-token-from-sts',
        S3_REGION: 'eu-west-1',
        EVENTS_URL: url,
      })
      expect(result.stderr).toBe('')
      expect(result.code).toBe(0)
    } finally {
      await new Promise<void>((resolve) => capture.close(() => resolve()))
    }
    const headers = seen[0] ?? {}
    expect(headers['x-amz-security-token']).toBe('session-token-from-sts')
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLETEMPORARY\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-security-token/,
    )
  })

  it('exits 1 when the server refuses the signature', async () => {
    const result = await runCli(['{"id":"cli-3"}'], {
      EVENTS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      EVENTS_SECRET_ACCESS_KEY: 'not-the-secret',
      EVENTS_URL: `${origin}/api/events`,
    })
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/: 403\n\{"message":"The request signature we calculated/)
  })
})
