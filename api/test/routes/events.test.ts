import { spawn } from 'node:child_process'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { describeAnswer, eventBody, sendEvent } from '../../scripts/send-event.ts'
import type { AppConfig } from '../../src/config.ts'
import { resolveSecretEnv } from '../../src/lambda-secrets.ts'
import { amzDate } from '../../src/services/signatures/sigv4-verify.ts'
import { secretArn, startFakeSecretsManager } from '../support/fake-secrets-manager.ts'
import { eventExecutionName } from '../../src/services/notifications/discord-delivery.ts'
import { eventRecordKey } from '../../src/services/notifications/notification-settings.ts'
import { startStepFunctionsStandIn } from '../support/stand-ins.ts'
import { buildApp, startTestS3, testConfig } from '../support/test-app.ts'

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
})
afterAll(async () => {
  await app?.close()
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
  options: {
    date?: Date
    accessKeyId?: string
    region?: string
    headers?: Record<string, string>
  } = {},
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
      headers: { host: HOST, 'content-type': 'application/json', ...options.headers },
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

/** The event id's key in the records table, as the route and the tasks leave it. */
async function storedEvent(id: string): Promise<Record<string, unknown> | undefined> {
  return app.records.get(eventRecordKey(id))
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
    expect(response.json()).toEqual({
      id: 'deploy-1',
      delivery: 'accepted',
      idempotencyKeyFrom: 'id',
    })
    await app.notifier.settled()
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
      eventId: 'deploy-1',
      status: 'delivered',
      attempt: 1,
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
    expect(response.json()).toEqual({
      id: 'typed-1',
      delivery: 'accepted',
      idempotencyKeyFrom: 'id',
    })
    await app.notifier.settled()
  })

  it('posts the same event id once', async () => {
    const event = { id: 'once-1', title: 'Only once' }
    expect((await postSigned(event)).json()).toEqual({
      id: 'once-1',
      delivery: 'accepted',
      idempotencyKeyFrom: 'id',
    })
    await app.notifier.settled()
    const again = await postSigned(event)
    expect(again.statusCode).toBe(202)
    expect(again.json()).toMatchObject({ duplicate: true })
    await app.notifier.settled()
    expect(discord.received).toHaveLength(1)
  })

  it('gives 20 concurrent identical events one Discord message', async () => {
    const event = { id: 'burst-1', title: 'Twenty at once' }
    const body = JSON.stringify(event)
    const headers = await signedHeaders(body)
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(body, headers)))
    const bodies = answers.map((answer) => answer.json())
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(20).fill(202))
    expect(bodies.filter((answer) => answer.duplicate === true)).toHaveLength(19)
    expect(bodies.filter((answer) => answer.delivery === 'accepted')).toEqual([
      { id: 'burst-1', delivery: 'accepted', idempotencyKeyFrom: 'id' },
    ])
    await app.notifier.settled()
    expect(discord.received.map((message) => message.body.embeds[0]?.title)).toEqual([
      'Twenty at once',
    ])
  })

  it('keeps an id of any characters as a key, and names its execution by hash', async () => {
    const id = `../events/${'é'.repeat(100)} <script>`
    const response = await postSigned({ id, title: 'Odd id' })
    expect(response.json()).toEqual({ id, delivery: 'accepted', idempotencyKeyFrom: 'id' })
    await app.notifier.settled()
    expect(await storedEvent(id)).toMatchObject({ eventId: id, status: 'delivered' })
    expect(eventExecutionName(id, 1)).toMatch(/^event-[0-9a-f]{48}-1$/)
    const tooLong = await postSigned({ id: 'x'.repeat(129) })
    expect(tooLong.statusCode).toBe(400)
    expect(tooLong.json().message).toBe('body/id must not have more than 128 characters')
  })

  it('remembers delivered ids across restarts (the records table)', async () => {
    await postSigned({ id: 'restart-1' })
    await app.notifier.settled()
    const restarted = await buildApp(config)
    try {
      const body = JSON.stringify({ id: 'restart-1' })
      const response = await restarted.inject({
        method: 'POST',
        url: '/api/events',
        headers: await signedHeaders(body),
        payload: body,
      })
      expect(response.json()).toMatchObject({ duplicate: true })
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

  it("answers 400 to the app's event shape with a bad field", async () => {
    const badUrl = await postSigned({ id: 'u-2', url: 'javascript:alert(1)' })
    expect(badUrl.json().message).toBe('body/url must be an http(s) URL')
    expect(discord.received).toHaveLength(0)
  })
})

async function setMentions(allowMentions: boolean) {
  const response = await app.inject({
    method: 'PUT',
    url: '/api/admin/notifications',
    headers: { 'x-api-key': API_KEY },
    payload: { allowMentions },
  })
  expect(response.json()).toMatchObject({ allowMentions })
}

/** A Discord execute-webhook body as a bot builds it (discord.js's EmbedBuilder, say). */
const DISCORD_BODY = {
  content: 'Hey @everyone, <@80351110224678912> joined **General** <@&165511591545143296>',
  username: 'Voice bot',
  avatar_url: 'https://cdn.example.com/bot.png',
  embeds: [
    {
      title: 'Voice channel joined',
      description: 'mona joined General',
      url: 'https://discord.com/channels/1/2',
      color: 0x5865f2,
      timestamp: '2026-12-05T15:00:00.000Z',
      author: { name: 'mona', icon_url: 'https://cdn.example.com/mona.png' },
      fields: [
        { name: 'Channel', value: 'General', inline: true },
        { name: 'Members', value: '3', inline: true },
      ],
      footer: { text: 'voice-state bot' },
    },
  ],
  allowed_mentions: { parse: ['everyone', 'users', 'roles'] },
}

function expectRefused(response: Awaited<ReturnType<typeof post>>, message: string) {
  expect(response.statusCode, response.body).toBe(400)
  expect(response.json()).toEqual({
    statusCode: 400,
    error: 'Bad Request',
    message,
    code: 'VALIDATION',
  })
}

describe('POST /api/events: what a Discord bot sends', () => {
  it('forwards a Discord execute-webhook body as it is, with mentions off', async () => {
    const body = JSON.stringify(DISCORD_BODY)
    const headers = await signedHeaders(body, { headers: { 'idempotency-key': 'bot-message-1' } })
    const response = await post(body, headers)
    expect(response.statusCode, response.body).toBe(202)
    expect(response.json()).toEqual({
      id: 'bot-message-1',
      idempotencyKeyFrom: 'header',
      delivery: 'accepted',
    })
    await app.notifier.settled()
    expect(discord.received).toEqual([
      {
        url: '/api/webhooks/1/token?wait=true',
        body: { ...DISCORD_BODY, allowed_mentions: { parse: [] } },
      },
    ])
  })

  it("lets mentions through once an admin allows them: the sender's, or Discord's default", async () => {
    await setMentions(true)
    try {
      const withOwn = await postSigned({ ...DISCORD_BODY, content: 'ping 1 @everyone' })
      expect(withOwn.statusCode, withOwn.body).toBe(202)
      const withoutMentions: Partial<typeof DISCORD_BODY> = { ...DISCORD_BODY }
      delete withoutMentions.allowed_mentions
      const withNone = await postSigned({ ...withoutMentions, content: 'ping 2 @here' })
      expect(withNone.statusCode, withNone.body).toBe(202)
      await app.notifier.settled()
      expect(discord.received.map((message) => message.body)).toEqual([
        { ...DISCORD_BODY, content: 'ping 1 @everyone' },
        { ...withoutMentions, content: 'ping 2 @here' },
      ])
    } finally {
      await setMentions(false)
    }
    await postSigned({ content: 'ping 3 @everyone', allowed_mentions: { parse: ['everyone'] } })
    await app.notifier.settled()
    expect(discord.received[2]?.body).toEqual({
      content: 'ping 3 @everyone',
      allowed_mentions: { parse: [] },
    })
  })

  it("posts a gateway bot's own event as a readable embed: voice.join", async () => {
    const event = {
      type: 'voice.join',
      user: 'mona#0001 <@80351110224678912>',
      channel: 'General',
      guild: 'Meme Studio',
      at: { ms: 1764946800000 },
    }
    const response = await postSigned(event)
    expect(response.statusCode, response.body).toBe(202)
    expect(response.json()).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{64}$/),
      idempotencyKeyFrom: 'signature',
      delivery: 'accepted',
    })
    await app.notifier.settled()
    expect(discord.received).toHaveLength(1)
    expect(discord.received[0]?.body).toEqual({
      embeds: [
        {
          title: 'voice.join',
          fields: [
            { name: 'user', value: 'mona#0001 <@80351110224678912>', inline: true },
            { name: 'channel', value: 'General', inline: true },
            { name: 'guild', value: 'Meme Studio', inline: true },
            { name: 'at', value: '{"ms":1764946800000}', inline: true },
          ],
          timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        },
      ],
      allowed_mentions: { parse: [] },
    })
  })

  it('titles an event by title, then type, then event; an id keys it and signs the footer', async () => {
    await postSigned({ id: 42, event: 'deploy', status: 'ok' })
    await postSigned({ title: 'Nightly', type: 'build', id: 'n-1' })
    await postSigned({ colour: 'red', size: 3 })
    await app.notifier.settled()
    expect(discord.received.map((message) => message.body.embeds[0])).toEqual([
      expect.objectContaining({
        title: 'deploy',
        fields: [{ name: 'status', value: 'ok', inline: true }],
        footer: { text: 'event 42' },
      }),
      expect.objectContaining({
        title: 'Nightly',
        fields: [{ name: 'type', value: 'build', inline: true }],
        footer: { text: 'event n-1' },
      }),
      expect.objectContaining({ title: 'Event' }),
    ])
    expect(await storedEvent('42')).toMatchObject({ eventId: '42', status: 'delivered' })
  })

  it("cuts another object to Discord's limits: 25 fields, 1024 characters a value", async () => {
    const event: Record<string, unknown> = { type: 'big', long: 'x'.repeat(5000) }
    for (let n = 1; n <= 30; n++) event[`f${n}`] = n
    const response = await postSigned(event)
    expect(response.statusCode, response.body).toBe(202)
    await app.notifier.settled()
    const [embed] = (discord.received[0]?.body as unknown as { embeds: Record<string, unknown>[] })
      .embeds as [{ fields: { name: string; value: string }[] }]
    expect(embed.fields).toHaveLength(25)
    expect(embed.fields[0]).toEqual({ name: 'long', value: `${'x'.repeat(1023)}…`, inline: false })
    expect(embed.fields[23]).toEqual({ name: 'f23', value: '23', inline: true })
    expect(embed.fields[24]).toEqual({
      name: '…and 7 more fields',
      value: '"f24", "f25", "f26", "f27", "f28", "f29", "f30"',
      inline: false,
    })
  })

  it("refuses a Discord body past Discord's limits, naming the path and the limit", async () => {
    const field = { name: 'n', value: 'v' }
    const cases: [unknown, string][] = [
      [{ content: 'x'.repeat(2001) }, 'body/content must not have more than 2000 characters'],
      [
        { embeds: Array.from({ length: 11 }, () => ({ title: 't' })) },
        'body/embeds must not have more than 10 items',
      ],
      [
        { embeds: [{ title: 'x'.repeat(257) }] },
        'body/embeds/0/title must not have more than 256 characters',
      ],
      [
        { embeds: [{ fields: Array.from({ length: 26 }, () => field) }] },
        'body/embeds/0/fields must not have more than 25 items',
      ],
      [
        {
          embeds: [
            { description: 'x'.repeat(4000) },
            { description: 'x'.repeat(2000), footer: { text: 'x' } },
          ],
        },
        'body/embeds must not have more than 6000 characters in all (titles, descriptions, ' +
          'field names and values, footer texts and author names); they have 6001',
      ],
      [
        { content: 'hi', username: 'x'.repeat(81) },
        'body/username must not have more than 80 characters',
      ],
      [
        { content: 'hi', avatar_url: 'file:///etc/passwd' },
        'body/avatar_url must be an http(s) URL',
      ],
      [{ content: 'hi', type: 'voice.join' }, 'body has an unknown property "type"'],
      [
        { content: 'hi', flags: 64 },
        'body/flags may only set SUPPRESS_EMBEDS (4) and SUPPRESS_NOTIFICATIONS (4096)',
      ],
      [
        { content: 'hi', allowed_mentions: { parse: ['all'] } },
        'body/allowed_mentions/parse/0 must be "roles" or "users" or "everyone"',
      ],
      [{ content: '   ' }, 'body must have a content that is not blank, an embed or a poll'],
    ]
    for (const [body, message] of cases) expectRefused(await postSigned(body), message)
    // 6000 exactly is Discord's limit, not past it.
    const atLimit = await postSigned({
      embeds: [{ description: 'x'.repeat(4000) }, { description: 'x'.repeat(2000) }],
    })
    expect(atLimit.statusCode, atLimit.body).toBe(202)
    await app.notifier.settled()
    expect(discord.received).toHaveLength(1)
  })

  it('sends an Idempotency-Key twice as one message; refuses a bad key', async () => {
    const body = JSON.stringify({ type: 'voice.leave', user: 'mona' })
    const first = await post(
      body,
      await signedHeaders(body, { headers: { 'idempotency-key': 'leave-1' } }),
    )
    const second = await post(
      body,
      await signedHeaders(body, {
        headers: { 'idempotency-key': 'leave-1' },
        date: new Date(Date.now() - 2000),
      }),
    )
    expect(first.json()).toEqual({
      id: 'leave-1',
      idempotencyKeyFrom: 'header',
      delivery: 'accepted',
    })
    expect(second.json()).toEqual({ duplicate: true, id: 'leave-1', idempotencyKeyFrom: 'header' })
    expect(await app.records.get(eventRecordKey('leave-1', 'header'))).toMatchObject({
      keyFrom: 'header',
    })
    // Its own namespace: the same text as a body's id is another event.
    expect(await storedEvent('leave-1')).toBeUndefined()
    const bad = await post(body, await signedHeaders(body, { headers: { 'idempotency-key': 'é' } }))
    expectRefused(bad, 'headers/idempotency-key must be 1 to 255 printable ASCII characters')
    await app.notifier.settled()
    expect(discord.received).toHaveLength(1)
  })

  it('keys an event without id or header by its signature: a retry is one, a new signing two', async () => {
    const body = JSON.stringify({ type: 'voice.join', user: 'octo', channel: 'Lounge' })
    const headers = await signedHeaders(body, { date: new Date(Date.now() - 3000) })
    const retried = await Promise.all([post(body, headers), post(body, headers)])
    const answers = retried.map((response) => response.json())
    expect(answers.filter((answer) => answer.delivery === 'accepted')).toHaveLength(1)
    expect(answers.filter((answer) => answer.duplicate === true)).toHaveLength(1)
    const resigned = await post(
      body,
      await signedHeaders(body, { date: new Date(Date.now() - 1000) }),
    )
    expect(resigned.json()).toMatchObject({ idempotencyKeyFrom: 'signature', delivery: 'accepted' })
    expect(resigned.json().id).not.toBe(answers[0].id)
    await app.notifier.settled()
    expect(discord.received).toHaveLength(2)
  })

  it('answers malformed, oversized and hostile bodies clearly, and sends nothing', async () => {
    const raw = async (body: string | Buffer) =>
      post(body as string, await signedHeaders(body as string))
    const malformed = (message: string) => ({
      statusCode: 400,
      error: 'Bad Request',
      message,
      code: 'MALFORMED_JSON',
    })
    expect((await raw('{"type": "voice.join",')).json()).toEqual(
      malformed('The request body is not valid JSON'),
    )
    expect((await raw('')).json()).toEqual(
      malformed('The request body is empty: send a JSON object'),
    )
    expectRefused(await raw('[{"content":"hi"}]'), 'body must be a JSON object, not an array')
    expectRefused(await raw('"hello"'), 'body must be a JSON object, not a string')
    expectRefused(await raw('null'), 'body must be a JSON object, not null')
    expectRefused(await raw('{}'), 'body is an empty object: nothing to post')
    expectRefused(
      await raw('{"type":"x","nested":{"__proto__":{"polluted":true}}}'),
      'body/nested has a property named "__proto__"',
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const deep = `{"type":"x","a":${'['.repeat(40)}${']'.repeat(40)}}`
    expectRefused(
      await raw(deep),
      'body/a/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0/0 is nested more than 32 levels deep',
    )
    expectRefused(
      await raw(JSON.stringify({ type: 'x', ['k'.repeat(60_000)]: 1 })),
      'body has a property name of 60000 characters (at most 256)',
    )
    expectRefused(
      await raw(JSON.stringify({ id: 'x'.repeat(129) })),
      'body/id must not have more than 128 characters',
    )
    expectRefused(
      await raw(JSON.stringify({ id: { a: 1 }, type: 'x' })),
      'body/id must be a string or a number',
    )

    const oversized = JSON.stringify({ type: 'x', blob: 'x'.repeat(64 * 1024) })
    const tooLarge = await raw(oversized)
    expect(tooLarge.statusCode).toBe(413)
    expect(tooLarge.json()).toMatchObject({ code: 'BODY_TOO_LARGE' })
    await app.notifier.settled()
    expect(discord.received).toHaveLength(0)
  })
})

describe('POST /api/events: Discord answers, after the answer', () => {
  it('answers at once; the delivery waits out a 429 as Discord asks, then delivers', async () => {
    discord.queue.push(
      {
        status: 429,
        body: '{"message":"You are being rate limited.","retry_after":0.2,"global":false}',
      },
      { status: 204 },
    )
    const started = Date.now()
    const response = await postSigned({ id: 'rate-1', title: 'Busy' })
    expect(response.statusCode).toBe(202)
    expect(response.json()).toEqual({
      id: 'rate-1',
      delivery: 'accepted',
      idempotencyKeyFrom: 'id',
    })
    // The Wait state waits a whole second (0.2 rounded up); the answer did not.
    expect(Date.now() - started).toBeLessThan(1000)
    // A second delivery of the id while the first waits is the same event.
    expect((await postSigned({ id: 'rate-1', title: 'Busy' })).json()).toMatchObject({
      duplicate: true,
    })
    await app.notifier.settled()
    expect(discord.received).toHaveLength(2)
    expect(discord.received[1]?.body).toEqual(discord.received[0]?.body)
    expect(await storedEvent('rate-1')).toMatchObject({ status: 'delivered' })
    expect((await notifications()).discord.lastDeliveredAt).toEqual(expect.any(String))
  })

  it('records a refusal, and takes the same id again later (a new attempt)', async () => {
    discord.queue.push({ status: 400, body: '{"message":"Invalid Form Body","code":50035}' })
    expect((await postSigned({ id: 'down-1' })).json()).toEqual({
      id: 'down-1',
      delivery: 'accepted',
      idempotencyKeyFrom: 'id',
    })
    await app.notifier.settled()
    expect(discord.received).toHaveLength(1)
    expect(await storedEvent('down-1')).toMatchObject({ status: 'failed', attempt: 1 })
    expect((await notifications()).discord.lastError).toMatch(
      /Discord answered 400: Invalid Form Body$/,
    )
    // Not delivered, so not a duplicate: a resend goes through, once.
    const again = await Promise.all([postSigned({ id: 'down-1' }), postSigned({ id: 'down-1' })])
    expect(again.map((answer) => answer.json())).toEqual(
      expect.arrayContaining([
        { id: 'down-1', delivery: 'accepted', idempotencyKeyFrom: 'id' },
        { duplicate: true, id: 'down-1', idempotencyKeyFrom: 'id' },
      ]),
    )
    await app.notifier.settled()
    expect(discord.received).toHaveLength(2)
    expect(await storedEvent('down-1')).toMatchObject({ status: 'delivered', attempt: 2 })
  })

  it('stops calling Discord after a 404 and says so, until reset', async () => {
    discord.queue.push({ status: 404, body: '{"message":"Unknown Webhook","code":10015}' })
    const response = await postSigned({ id: 'gone-1' })
    expect(response.statusCode).toBe(202)
    expect(response.json()).toEqual({
      id: 'gone-1',
      delivery: 'accepted',
      idempotencyKeyFrom: 'id',
    })
    await app.notifier.settled()
    expect((await notifications()).discord).toMatchObject({
      configured: true,
      state: 'disabled',
      reason: 'Discord answered 404: the webhook was deleted',
    })

    expect((await postSigned({ id: 'gone-2' })).json()).toEqual({
      id: 'gone-2',
      delivery: 'not-forwarded',
      reason: 'Discord answered 404: the webhook was deleted',
      idempotencyKeyFrom: 'id',
    })
    await app.notify('shared', { shareId: 'abc' })
    await app.notifier.settled()
    expect(discord.received).toHaveLength(1)

    const reset = await app.inject({
      method: 'PUT',
      url: '/api/admin/notifications',
      headers: { 'x-api-key': API_KEY },
      payload: { resetDiscord: true },
    })
    expect(reset.json().discord).toMatchObject({ state: 'ok' })
    expect((await postSigned({ id: 'gone-2' })).json()).toMatchObject({ delivery: 'accepted' })
    // gone-1 failed with the 404: it may be sent again too.
    expect((await postSigned({ id: 'gone-1' })).json()).toMatchObject({ delivery: 'accepted' })
    await app.notifier.settled()
    expect(discord.received).toHaveLength(3)
  })
})

describe('POST /api/events on AWS: a Step Functions execution', () => {
  const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:discord-delivery'
  let sfn: Awaited<ReturnType<typeof startStepFunctionsStandIn>>
  let awsApp: FastifyInstance

  beforeAll(async () => {
    sfn = await startStepFunctionsStandIn()
    const awsConfig = testConfig(s3Server.endpoint, {
      EVENTS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      EVENTS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      DISCORD_WEBHOOK_URL: discord.url,
      EVENTS_STATE_MACHINE_ARN: STATE_MACHINE,
      STEP_FUNCTIONS_ENDPOINT: sfn.endpoint,
      ADMIN_API_KEYS: API_KEY,
    })
    awsConfig.events.stepFunctionsCredentials = { accessKeyId: 'AKIDSFN', secretAccessKey: 'x' }
    awsApp = await buildApp(awsConfig)
  })
  afterAll(async () => {
    await awsApp?.close()
    await sfn?.close()
  })
  beforeEach(() => sfn.reset())

  async function postTo(event: unknown) {
    const body = JSON.stringify(event)
    return awsApp.inject({
      method: 'POST',
      url: '/api/events',
      headers: await signedHeaders(body),
      payload: body,
    })
  }

  it('starts an execution named after the event id, with the delivery and the message', async () => {
    const response = await postTo({ id: 'sfn-1', title: 'Through Step Functions' })
    expect(response.statusCode).toBe(202)
    expect(response.json()).toEqual({ id: 'sfn-1', delivery: 'accepted', idempotencyKeyFrom: 'id' })
    expect(sfn.calls).toHaveLength(1)
    const [call] = sfn.calls
    expect(call?.target).toBe('AWSStepFunctions.StartExecution')
    expect(call?.contentType).toBe('application/x-amz-json-1.0')
    expect(call?.body).toEqual({
      stateMachineArn: STATE_MACHINE,
      name: eventExecutionName('sfn-1', 1),
      input: expect.any(String),
    })
    expect(JSON.parse(call!.body.input!)).toEqual({
      delivery: { kind: 'event', eventId: 'sfn-1', keyFrom: 'id', attempt: 1 },
      message: {
        embeds: [
          {
            title: 'Through Step Functions',
            timestamp: expect.any(String),
            footer: { text: 'event sfn-1' },
          },
        ],
        allowed_mentions: { parse: [] },
      },
    })
    // Nothing runs here: the state machine posts to Discord.
    expect(discord.received).toHaveLength(0)
    expect((await postTo({ id: 'sfn-1' })).json()).toMatchObject({ duplicate: true })
    expect(sfn.calls).toHaveLength(1)
  })

  it('answers 503 when the execution does not start, and gives the id back', async () => {
    sfn.state.answer = () => ({
      status: 500,
      body: { __type: 'com.amazonaws.sfn#InternalFailure', message: 'try again' },
    })
    const failed = await postTo({ id: 'sfn-2' })
    expect(failed.statusCode).toBe(503)
    expect(failed.json()).toMatchObject({ statusCode: 503, code: 'STORAGE_UNAVAILABLE' })
    expect(failed.body).not.toContain('try again')
    expect(sfn.calls).toHaveLength(2)
    expect(await awsApp.records.get(eventRecordKey('sfn-2'))).toBeUndefined()

    sfn.state.answer = () => ({
      status: 200,
      body: { executionArn: `${STATE_MACHINE}:sfn-2`, startDate: Date.now() / 1000 },
    })
    const retried = await postTo({ id: 'sfn-2' })
    expect(retried.json()).toEqual({ id: 'sfn-2', delivery: 'accepted', idempotencyKeyFrom: 'id' })
    // The same name each time: had the first start reached Step Functions, this one would not
    // start a second execution.
    expect(new Set(sfn.calls.map((call) => call.body.name))).toEqual(
      new Set([eventExecutionName('sfn-2', 1)]),
    )
  })

  it('takes ExecutionAlreadyExists as started: an earlier start whose answer was lost', async () => {
    sfn.state.answer = () => ({
      status: 400,
      body: { __type: 'com.amazonaws.sfn#ExecutionAlreadyExists', message: 'exists' },
    })
    expect((await postTo({ id: 'sfn-3' })).json()).toEqual({
      id: 'sfn-3',
      delivery: 'accepted',
      idempotencyKeyFrom: 'id',
    })
    expect(sfn.calls).toHaveLength(1)
  })

  it('answers 503 within 10 s when Step Functions never answers', async () => {
    sfn.state.answer = () => 'stall'
    const started = Date.now()
    const response = await postTo({ id: 'sfn-4' })
    expect(response.statusCode).toBe(503)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(await awsApp.records.get(eventRecordKey('sfn-4'))).toBeUndefined()
  }, 15_000)

  it('starts notifications the same way; a failed start never reaches the caller', async () => {
    await awsApp.inject({
      method: 'PUT',
      url: '/api/admin/notifications',
      headers: { 'x-api-key': API_KEY },
      payload: { notifyOnArchive: true },
    })
    await awsApp.notify('archived', { repo: 'octo/site', branch: 'main' })
    expect(sfn.calls).toHaveLength(1)
    expect(sfn.calls[0]?.body.name).toMatch(/^notification-archived-[0-9a-f-]{36}$/)
    expect(JSON.parse(sfn.calls[0]!.body.input!)).toMatchObject({
      delivery: { kind: 'notification', notification: 'archived' },
      message: { embeds: [{ title: 'Push archived: octo/site (main)' }] },
    })
    sfn.state.answer = () => ({ status: 500, body: { __type: 'InternalFailure' } })
    await expect(awsApp.notify('archived', { repo: 'octo/site' })).resolves.toBeUndefined()
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
      expect(response.json()).toEqual({ id, delivery: 'accepted', idempotencyKeyFrom: 'id' })
      // The post task reads the URL when it runs: let it run before the clock moves.
      await lambdaApp.notifier.settled()
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
    await app.notifier.settled()
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
    expect(JSON.parse(result.body)).toEqual({
      id: 'cli-1',
      delivery: 'accepted',
      idempotencyKeyFrom: 'id',
    })
    await app.notifier.settled()
    expect(discord.received[0]?.body.embeds[0]?.title).toBe('From the CLI')
  })

  it('says what each answer means', () => {
    expect(describeAnswer(202, '{"duplicate":true}')).toBe(
      'duplicate: an event with this id was sent before',
    )
    expect(describeAnswer(202, '{"id":"x","delivery":"not-forwarded","reason":"why"}')).toBe(
      'not forwarded: why',
    )
    expect(describeAnswer(503, '{"statusCode":503,"code":"STORAGE_UNAVAILABLE"}')).toBe(
      'not accepted: the delivery did not start; send the event again',
    )
    expect(describeAnswer(403, '{"message":"Forbidden"}')).toBeUndefined()
    expect(describeAnswer(502, '<html>')).toBeUndefined()
  })

  it('gives an event without an id a random one', () => {
    expect(JSON.parse(eventBody('{"title":"t"}'))).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: 't',
    })
  })

  function runCli(args: string[], env: Record<string, string>) {
    const script = fileURLToPath(new URL('../../scripts/send-event.ts', import.meta.url))
    return runScript(script, env, args)
  }

  function runScript(script: string, env: Record<string, string>, args: string[] = []) {
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
      `POST ${origin}/api/events: 202\n{"id":"cli-2","idempotencyKeyFrom":"id","delivery":"accepted"}\n` +
        'accepted: the delivery to Discord has started (GET /api/admin/notifications shows how it ended)\n',
    )
    expect(result.code).toBe(0)
  })

  it('sends a Discord body from a file with --idempotency-key, once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'send-event-'))
    const file = join(dir, 'message.json')
    await writeFile(file, JSON.stringify({ content: 'From a file @everyone' }))
    const env = {
      EVENTS_ACCESS_KEY_ID: ACCESS_KEY_ID,
      EVENTS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      EVENTS_URL: `${origin}/api/events`,
    }
    try {
      const args = ['--file', file, '--idempotency-key', 'cli-file-1']
      const first = await runCli(args, env)
      expect(first.stderr).toBe('')
      expect(first.stdout).toContain(
        '{"id":"cli-file-1","idempotencyKeyFrom":"header","delivery":"accepted"}',
      )
      const second = await runCli(args, env)
      expect(second.stdout).toContain('{"duplicate":true,"id":"cli-file-1"')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    await app.notifier.settled()
    expect(discord.received.map((message) => message.body)).toEqual([
      { content: 'From a file @everyone', allowed_mentions: { parse: [] } },
    ])
    expect((await runCli(['--file'], env)).code).toBe(2)
  })

  it("runs the README's AWS SDK snippet as it is written: 202, a voice.join embed", async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8')
    const section = readme.slice(readme.indexOf("From the bot itself, with the AWS SDK's signer"))
    const snippet = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
    expect(snippet).toContain('new SignatureV4(')
    // Inside api/, so that its imports resolve as a bot's would from its own node_modules.
    const file = fileURLToPath(new URL(`../../readme-snippet-${process.pid}.mts`, import.meta.url))
    await writeFile(file, snippet!)
    let result: Awaited<ReturnType<typeof runCli>>
    try {
      result = await runScript(file, {
        EVENTS_URL: `${origin}/api/events`,
        AWS_REGION: config.s3.region,
        AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
      })
    } finally {
      await rm(file, { force: true })
    }
    expect(result.stderr).toBe('')
    expect(result.stdout).toBe(
      '202 {"id":"join-1","idempotencyKeyFrom":"header","delivery":"accepted"}\n',
    )
    await app.notifier.settled()
    expect(discord.received[0]?.body).toMatchObject({
      embeds: [
        {
          title: 'voice.join',
          fields: [
            { name: 'user', value: 'mona' },
            { name: 'channel', value: 'General' },
            { name: 'guild', value: 'Meme Studio' },
          ],
        },
      ],
      allowed_mentions: { parse: [] },
    })
  }, 20_000)

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
