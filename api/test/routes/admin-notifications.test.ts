import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AppConfig } from '../../src/config.ts'
import { BEHIND_CLOUDFRONT, PUBLIC_ORIGIN } from '../support/behind-cloudfront.ts'
import { secretArn, startFakeSecretsManager } from '../support/fake-secrets-manager.ts'
import { makePicture } from '../support/pictures.ts'
import { uploadThroughPolicy } from '../support/signed-upload.ts'
import { NOTIFICATIONS_RECORD_KEY } from '../../src/services/notifications/notification-settings.ts'
import { startStepFunctionsStandIn } from '../support/stand-ins.ts'
import { buildApp, startTestS3, testConfig } from '../support/test-app.ts'

const API_KEY = 'notifications-test-admin-key'

/** A loopback Discord webhook that takes every message and records it. */
async function startDiscord() {
  const received: { embeds: { title: string; url?: string }[] }[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString()))
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/api/webhooks/2/token`,
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
    ADMIN_API_KEYS: API_KEY,
    DISCORD_WEBHOOK_URL: discord.url,
    PUBLIC_ORIGIN,
  })
  app = await buildApp(config)
})
afterAll(async () => {
  await app?.close()
  await discord?.close()
  await s3Server?.close()
})

function get(target = app, headers: Record<string, string> = { 'x-api-key': API_KEY }) {
  return target.inject({ method: 'GET', url: '/api/admin/notifications', headers })
}

function put(payload: unknown, headers: Record<string, string> = { 'x-api-key': API_KEY }) {
  return app.inject({
    method: 'PUT',
    url: '/api/admin/notifications',
    headers,
    payload: payload as object,
  })
}

describe('GET/PUT /api/admin/notifications', () => {
  it('needs the API key', async () => {
    const response = await get(app, {})
    expect(response.statusCode).toBe(403)
    expect(response.body).toBe('{"message":"Forbidden"}')
    expect((await put({ notifyOnShare: true }, {})).statusCode).toBe(403)
  })

  it('starts with Discord ready and both notifications off', async () => {
    const response = await get()
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.json()).toEqual({
      discord: { configured: true, state: 'ok' },
      notifyOnArchive: false,
      notifyOnShare: false,
      allowMentions: false,
    })
  })

  it('turns notifications on and keeps them in the records table', async () => {
    const response = await put({ notifyOnArchive: true })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({
      discord: { configured: true, state: 'ok' },
      notifyOnArchive: true,
      notifyOnShare: false,
      allowMentions: false,
    })
    expect(await app.records.get(NOTIFICATIONS_RECORD_KEY)).toEqual({
      version: 1,
      notifyOnArchive: true,
      notifyOnShare: false,
    })
    // Another instance (a restart, another Lambda) reads the same settings.
    const other = await buildApp(config)
    try {
      expect((await get(other)).json()).toMatchObject({ notifyOnArchive: true })
    } finally {
      await other.close()
    }
  })

  it('turns mentions on and off for Discord messages sent as events, kept in the record', async () => {
    expect((await put({ allowMentions: true })).json()).toMatchObject({ allowMentions: true })
    expect(await app.records.get(NOTIFICATIONS_RECORD_KEY)).toMatchObject({ allowMentions: true })
    expect((await get()).json()).toMatchObject({ allowMentions: true })
    expect((await put({ allowMentions: 'yes' })).statusCode).toBe(400)
    expect((await put({ allowMentions: false })).json()).toMatchObject({ allowMentions: false })
    expect(await app.records.get(NOTIFICATIONS_RECORD_KEY)).toMatchObject({ allowMentions: false })
  })

  it('keeps both of two toggles changed at once by two instances (an optimistic lock)', async () => {
    const other = await buildApp(config)
    try {
      await put({ notifyOnArchive: false, notifyOnShare: false })
      const change = (target: FastifyInstance, payload: object) =>
        target.inject({
          method: 'PUT',
          url: '/api/admin/notifications',
          headers: { 'x-api-key': API_KEY },
          payload,
        })
      // Five of each, every one from both instances at once.
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, n) =>
          n % 2 ? change(app, { notifyOnArchive: true }) : change(other, { notifyOnShare: true }),
        ),
      )
      expect(answers.map((answer) => answer.statusCode)).toEqual(Array(10).fill(200))
      expect((await get()).json()).toMatchObject({ notifyOnArchive: true, notifyOnShare: true })
      expect(await app.records.get(NOTIFICATIONS_RECORD_KEY)).toMatchObject({
        notifyOnArchive: true,
        notifyOnShare: true,
      })
    } finally {
      await other.close()
      await put({ notifyOnArchive: true, notifyOnShare: false })
    }
  })

  it('refuses unknown properties and non-boolean toggles', async () => {
    const unknown = await put({ notifyOnEverything: true })
    expect(unknown.statusCode).toBe(400)
    expect(unknown.json()).toMatchObject({
      code: 'VALIDATION',
      message: 'body has an unknown property "notifyOnEverything"',
    })
    expect((await put({ notifyOnShare: 'yes' })).statusCode).toBe(400)
    const notJson = await app.inject({
      method: 'PUT',
      url: '/api/admin/notifications',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      payload: '{"notifyOnShare": tru',
    })
    expect(notJson.statusCode).toBe(400)
    expect(notJson.json()).toMatchObject({ code: 'MALFORMED_JSON' })
    expect((await put(['notifyOnShare'])).statusCode).toBe(400)
    expect((await get()).json()).toMatchObject({ notifyOnArchive: true, notifyOnShare: false })
  })

  it('posts an archived push when notifyOnArchive is on, and records the delivery', async () => {
    discord.received.length = 0
    await app.notify('archived', {
      repo: 'octo/hello',
      branch: 'main',
      commit: 'abcdef0123456789',
      archiveKey: 'octo/hello/main.zip',
    })
    await app.notify('shared', { shareId: 'x' })
    await app.notifier.settled()
    expect(discord.received).toHaveLength(1)
    expect(discord.received[0]?.embeds[0]?.title).toBe('Push archived: octo/hello (main)')
    expect((await get()).json().discord.lastDeliveredAt).toEqual(expect.any(String))
  })

  it('posts a shared meme when notifyOnShare is on, linked at PUBLIC_ORIGIN', async () => {
    await put({ notifyOnShare: true })
    discord.received.length = 0
    const { key } = await uploadThroughPolicy(app, await makePicture('png'), 'a.png', 'image/png')
    const shared = await app.inject({
      method: 'POST',
      url: '/api/shares',
      headers: BEHIND_CLOUDFRONT,
      payload: { image: key, captions: [{ text: 'Shared', x: 0.5, y: 0.2 }] },
    })
    expect(shared.statusCode).toBe(201)
    await app.notifier.settled()
    expect(discord.received.map((m) => m.embeds[0]?.title)).toEqual(['A meme was shared: Shared'])
    expect(discord.received[0]?.embeds[0]?.url).toBe(`${PUBLIC_ORIGIN}${shared.json().url}`)
    await put({ notifyOnShare: false })
  })

  it("on AWS, hands a share's notification to Step Functions before the answer leaves", async () => {
    const sfn = await startStepFunctionsStandIn()
    const awsConfig = testConfig(s3Server.endpoint, {
      ADMIN_API_KEYS: API_KEY,
      DISCORD_WEBHOOK_URL: discord.url,
      PUBLIC_ORIGIN,
      EVENTS_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:delivery',
      STEP_FUNCTIONS_ENDPOINT: sfn.endpoint,
      RECORDS_TABLE: config.recordsTable,
    })
    awsConfig.events.stepFunctionsCredentials = { accessKeyId: 'AKIDSFN', secretAccessKey: 'x' }
    const awsApp = await buildApp(awsConfig)
    try {
      await put({ notifyOnShare: true })
      discord.received.length = 0
      const { key } = await uploadThroughPolicy(
        awsApp,
        await makePicture('png'),
        'a.png',
        'image/png',
      )
      // Nothing runs after a Lambda's answer: the start must be made before it, not after.
      const shared = await awsApp.inject({
        method: 'POST',
        url: '/api/shares',
        headers: BEHIND_CLOUDFRONT,
        payload: { image: key, captions: [{ text: 'On AWS', x: 0.5, y: 0.2 }] },
      })
      expect(shared.statusCode).toBe(201)
      expect(sfn.calls.map((call) => call.target)).toEqual(['AWSStepFunctions.StartExecution'])
      expect(JSON.parse(sfn.calls[0]!.body.input!)).toMatchObject({
        delivery: { kind: 'notification', notification: 'shared' },
        message: { embeds: [{ title: 'A meme was shared: On AWS' }] },
      })

      // A Step Functions that never answers holds the share up by the hand-off's 2 s at most,
      // and fails nothing.
      sfn.state.answer = () => 'stall'
      const started = Date.now()
      const stalled = await awsApp.inject({
        method: 'POST',
        url: '/api/shares',
        headers: BEHIND_CLOUDFRONT,
        payload: { image: key, captions: [{ text: 'Stalled', x: 0.5, y: 0.2 }] },
      })
      expect(stalled.statusCode).toBe(201)
      expect(Date.now() - started).toBeLessThan(4000)
      expect(discord.received.map((m) => m.embeds[0]?.title)).toEqual([])
    } finally {
      await put({ notifyOnShare: false })
      await awsApp.close()
      await sfn.close()
    }
  }, 20_000)

  it('posts a shared meme to the URL its secret holds now, read again when a minute old', async () => {
    const next = await startDiscord()
    const arn = secretArn('DISCORD_WEBHOOK_URL')
    const secrets = { [arn]: discord.url }
    const sm = await startFakeSecretsManager(secrets)
    const lambdaConfig = testConfig(s3Server.endpoint, {
      ADMIN_API_KEYS: API_KEY,
      DISCORD_WEBHOOK_URL: discord.url,
      DISCORD_WEBHOOK_URL_SECRET_ARN: arn,
      // The same settings record as the app the toggle is put to: another instance.
      RECORDS_TABLE: config.recordsTable,
    })
    lambdaConfig.secretsManager = sm.settings
    const lambdaApp = await buildApp(lambdaConfig)
    await put({ notifyOnShare: true })
    discord.received.length = 0
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() })
    try {
      const { key } = await uploadThroughPolicy(
        lambdaApp,
        await makePicture('png'),
        'a.png',
        'image/png',
      )
      secrets[arn] = next.url
      vi.setSystemTime(Date.now() + 61_000)
      const shared = await lambdaApp.inject({
        method: 'POST',
        url: '/api/shares',
        payload: { image: key, captions: [{ text: 'Rotated', x: 0.5, y: 0.2 }] },
      })
      expect(shared.statusCode).toBe(201)
      await lambdaApp.notifier.settled()
    } finally {
      vi.useRealTimers()
      await put({ notifyOnShare: false })
      await lambdaApp.close()
      await sm.close()
      await next.close()
    }
    expect(discord.received).toHaveLength(0)
    expect(next.received.map((m) => m.embeds[0]?.title)).toEqual(['A meme was shared: Rotated'])
    expect(sm.requests).toEqual([arn])
  })

  it('says Discord is unused without DISCORD_WEBHOOK_URL, and notify does nothing', async () => {
    const bare = await buildApp(testConfig(s3Server.endpoint, { ADMIN_API_KEYS: API_KEY }))
    try {
      const view = (await get(bare)).json()
      expect(view.discord).toEqual({ configured: false, state: 'unused' })
      await expect(bare.notify('archived', { repo: 'a/b' })).resolves.toBeUndefined()
    } finally {
      await bare.close()
    }
  })
})
