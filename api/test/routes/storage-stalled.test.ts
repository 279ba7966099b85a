import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { signGithubPayload } from '../../src/services/signatures/github-signature.ts'
import { startStalledServer } from '../support/stalled-server.ts'
import { startDiscordStandIn } from '../support/stand-ins.ts'
import { buildApp, startTestS3, testConfig } from '../support/test-app.ts'

/**
 * Issue 12: a store that accepts the connection and never answers held `POST /api/meme` for
 * minutes. Every route that needs storage must give up with 503 `STORAGE_UNAVAILABLE` inside
 * API Gateway's limit; 10 s is that bound. Three apps: one whose S3 stalls (its records table
 * answers), one whose records table stalls (its S3 answers), one whose both stall. A route
 * that needs only the store that answers must answer as usual, in time.
 */
const BOUND_MS = 10_000
const API_KEY = 'stalled-storage-test-key-0123456789'
const EVENTS_KEY_ID = 'AKIASTALLEDTEST'
const EVENTS_SECRET = 'stalled-storage-test-secret-access-key'
const UPLOAD = 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png'
const CAPTIONS = [{ text: 'Top text', x: 0.5, y: 0.15 }]
const SHARE_ID = 'AbC_-09xYzAbC_-09xYzAb'
const HOOK_ID = '0123456789abcdef'
const DELIVERY_ID = '6f1e2d3c-4b5a-4978-8877-665544332211'

type Store = 's3' | 'records'
type Mode = 'S3' | 'DynamoDB' | 'both'
const STALLED: Record<Mode, Store[]> = {
  S3: ['s3'],
  DynamoDB: ['records'],
  both: ['s3', 'records'],
}

let stalled: Awaited<ReturnType<typeof startStalledServer>>
let s3: Awaited<ReturnType<typeof startTestS3>>
let discord: Awaited<ReturnType<typeof startDiscordStandIn>>
const apps = {} as Record<Mode, FastifyInstance>

beforeAll(async () => {
  stalled = await startStalledServer()
  s3 = await startTestS3()
  // With Discord set up an event needs the records table (its id's key); without, it is
  // answered "not forwarded" from the configuration alone.
  discord = await startDiscordStandIn()
  const env = {
    DISCORD_WEBHOOK_URL: discord.webhookUrl,
    ADMIN_API_KEYS: API_KEY,
    EVENTS_ACCESS_KEY_ID: EVENTS_KEY_ID,
    EVENTS_SECRET_ACCESS_KEY: EVENTS_SECRET,
    USAGE_RATE: '10000',
    USAGE_BURST: '10000',
  }
  apps.S3 = await buildApp(testConfig(stalled.endpoint, env))
  apps.DynamoDB = await buildApp(
    testConfig(s3.endpoint, { ...env, DYNAMODB_ENDPOINT: stalled.endpoint }),
  )
  apps.both = await buildApp(
    testConfig(stalled.endpoint, { ...env, DYNAMODB_ENDPOINT: stalled.endpoint }),
  )
})
afterAll(async () => {
  await Promise.all(Object.values(apps).map((app) => app.close()))
  await stalled?.close()
  await s3?.close()
  await discord?.close()
})

async function timed(app: FastifyInstance, options: InjectOptions) {
  const started = performance.now()
  const response = await app.inject(options)
  return { response, elapsedMs: performance.now() - started }
}

const admin = { 'x-api-key': API_KEY }

async function signedEvent(body: string) {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: testConfig(stalled.endpoint).s3.region,
    credentials: { accessKeyId: EVENTS_KEY_ID, secretAccessKey: EVENTS_SECRET },
    sha256: Hash.bind(null, 'sha256'),
  })
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: 'localhost',
    path: '/api/events',
    headers: { host: 'localhost:80', 'content-type': 'application/json' },
    body,
  })
  return signed.headers
}

function githubDelivery(): InjectOptions {
  const body = Buffer.from('{"zen":"Keep it logically awesome.","hook_id":1}')
  return {
    method: 'POST',
    url: `/api/webhooks/github/${HOOK_ID}`,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/044aadd',
      'x-github-event': 'ping',
      'x-github-delivery': DELIVERY_ID,
      'x-hub-signature-256': signGithubPayload('any secret', body),
    },
    payload: body,
  }
}

/** Which stores each route needs: the S3 buckets, the records table, or both. */
const NEEDS: Record<string, Store[]> = {
  'POST /api/meme': ['s3'],
  'POST /api/shares': ['s3'],
  'GET /api/shares/:id': ['s3'],
  'GET /m/:id': ['s3'],
  'POST /api/jobs': ['records'],
  'GET /api/jobs/:jobId': ['records'],
  'GET /api/admin/webhooks': ['records'],
  'POST /api/admin/webhooks': ['records'],
  'GET /api/admin/webhooks/:hookId': ['records'],
  'GET /api/admin/webhooks/:hookId/deliveries': ['records'],
  'PATCH /api/admin/webhooks/:hookId': ['records'],
  'DELETE /api/admin/webhooks/:hookId': ['records'],
  'POST /api/admin/webhooks/:hookId/rotate-secret': ['records'],
  'GET /api/admin/webhooks/:hookId/deliveries/:deliveryId': ['records'],
  'POST /api/admin/webhooks/:hookId/deliveries/:deliveryId/redeliver': ['records'],
  'POST /api/admin/webhooks/:hookId/ping': ['records'],
  'GET /api/admin/notifications': ['records'],
  'PUT /api/admin/notifications': ['records'],
  'POST /api/webhooks/github/:hookId': ['records'],
  'POST /api/events': ['records'],
}

async function storageRequests(): Promise<Record<string, InjectOptions>> {
  const eventBody = JSON.stringify({ id: 'stalled-1', title: 'stalled' })
  const requests: Record<string, InjectOptions> = {
    'POST /api/meme': {
      method: 'POST',
      url: '/api/meme',
      payload: { image: UPLOAD, captions: CAPTIONS },
    },
    'POST /api/shares': {
      method: 'POST',
      url: '/api/shares',
      payload: { image: UPLOAD, captions: CAPTIONS },
    },
    'GET /api/shares/:id': { method: 'GET', url: `/api/shares/${SHARE_ID}` },
    'GET /m/:id': { method: 'GET', url: `/m/${SHARE_ID}` },
    'POST /api/jobs': {
      method: 'POST',
      url: '/api/jobs',
      headers: admin,
      payload: { image: UPLOAD, captions: CAPTIONS },
    },
    'GET /api/jobs/:jobId': { method: 'GET', url: `/api/jobs/${SHARE_ID}`, headers: admin },
    'GET /api/admin/webhooks': { method: 'GET', url: '/api/admin/webhooks', headers: admin },
    'POST /api/admin/webhooks': {
      method: 'POST',
      url: '/api/admin/webhooks',
      headers: admin,
      payload: { name: 'Site' },
    },
    'GET /api/admin/webhooks/:hookId': {
      method: 'GET',
      url: `/api/admin/webhooks/${HOOK_ID}`,
      headers: admin,
    },
    'GET /api/admin/webhooks/:hookId/deliveries': {
      method: 'GET',
      url: `/api/admin/webhooks/${HOOK_ID}/deliveries`,
      headers: admin,
    },
    'PATCH /api/admin/webhooks/:hookId': {
      method: 'PATCH',
      url: `/api/admin/webhooks/${HOOK_ID}`,
      headers: admin,
      payload: { name: 'Renamed' },
    },
    'DELETE /api/admin/webhooks/:hookId': {
      method: 'DELETE',
      url: `/api/admin/webhooks/${HOOK_ID}`,
      headers: admin,
    },
    'POST /api/admin/webhooks/:hookId/rotate-secret': {
      method: 'POST',
      url: `/api/admin/webhooks/${HOOK_ID}/rotate-secret`,
      headers: admin,
      payload: { graceSeconds: 600 },
    },
    'GET /api/admin/webhooks/:hookId/deliveries/:deliveryId': {
      method: 'GET',
      url: `/api/admin/webhooks/${HOOK_ID}/deliveries/${DELIVERY_ID}`,
      headers: admin,
    },
    'POST /api/admin/webhooks/:hookId/deliveries/:deliveryId/redeliver': {
      method: 'POST',
      url: `/api/admin/webhooks/${HOOK_ID}/deliveries/${DELIVERY_ID}/redeliver`,
      headers: admin,
      payload: {},
    },
    'POST /api/admin/webhooks/:hookId/ping': {
      method: 'POST',
      url: `/api/admin/webhooks/${HOOK_ID}/ping`,
      headers: admin,
      payload: {},
    },
    'GET /api/admin/notifications': {
      method: 'GET',
      url: '/api/admin/notifications',
      headers: admin,
    },
    'PUT /api/admin/notifications': {
      method: 'PUT',
      url: '/api/admin/notifications',
      headers: admin,
      payload: { notifyOnShare: true },
    },
    'POST /api/webhooks/github/:hookId': githubDelivery(),
    'POST /api/events': {
      method: 'POST',
      url: '/api/events',
      headers: await signedEvent(eventBody),
      payload: eventBody,
    },
  }
  return requests
}

// Concurrent: each test waits out the same stall, so the file takes one bound, not one per test.
describe.concurrent('a store that accepts connections and never answers', () => {
  it.for<Mode>(['S3', 'DynamoDB', 'both'])(
    'with %s stalled, answers every route that needs it 503 STORAGE_UNAVAILABLE within 10 s, the others as usual',
    { timeout: 30_000 },
    async (mode, { expect }) => {
      const requests = await storageRequests()
      expect(Object.keys(requests).sort()).toEqual(Object.keys(NEEDS).sort())
      // All at once: the whole set takes one bound, not one per route.
      const answers = await Promise.all(
        Object.entries(requests).map(async ([route, options]) => ({
          route,
          ...(await timed(apps[mode], options)),
        })),
      )
      const seen = answers.map(({ route, response, elapsedMs }) => ({
        route,
        unavailable: response.statusCode === 503,
        code: response.statusCode === 503 ? codeOf(response) : undefined,
        inTime: elapsedMs < BOUND_MS,
      }))
      expect(seen).toEqual(
        Object.keys(requests).map((route) => {
          const unavailable = NEEDS[route]!.some((store) => STALLED[mode].includes(store))
          return {
            route,
            unavailable,
            // The share page is for people: its 503 is a page saying so, not the JSON body.
            code: !unavailable
              ? undefined
              : route === 'GET /m/:id'
                ? SHARE_PAGE_UNAVAILABLE
                : 'STORAGE_UNAVAILABLE',
            inTime: true,
          }
        }),
      )
    },
  )

  it.for<Mode>(['S3', 'DynamoDB'])(
    'answers GET /api/health 503 naming the stalled %s within 10 s',
    { timeout: 30_000 },
    async (mode, { expect }) => {
      const { response, elapsedMs } = await timed(apps[mode], { method: 'GET', url: '/api/health' })
      expect(response.statusCode).toBe(503)
      expect(elapsedMs).toBeLessThan(BOUND_MS)
      expect(response.json()).toEqual(
        mode === 'S3'
          ? {
              status: 'error',
              storage: expect.stringMatching(/^storage is unreachable/),
              records: 'ok',
            }
          : {
              status: 'error',
              storage: 'ok',
              records: expect.stringMatching(/^the records table is unreachable/),
            },
      )
    },
  )

  it('keeps answering routes that do not need storage while a storage call is stalled', async ({
    expect,
  }) => {
    const app = apps.both
    const before = stalled.accepted()
    const pendingMeme = timed(app, {
      method: 'POST',
      url: '/api/meme',
      payload: { image: UPLOAD, captions: CAPTIONS },
    })
    const pendingJob = timed(app, {
      method: 'POST',
      url: '/api/jobs',
      headers: admin,
      payload: { image: UPLOAD, captions: CAPTIONS },
    })
    // Wait until both stalled calls have reached the store, so they are in flight for what follows.
    while (stalled.accepted() < before + 2) await new Promise((resolve) => setTimeout(resolve, 10))
    const started = performance.now()
    const limits = await app.inject({ method: 'GET', url: '/api/limits' })
    const policy = await app.inject({
      method: 'GET',
      url: '/api/sign-s3-request',
      query: { filename: 'cat.png', contentType: 'image/png' },
    })
    const hmac = await app.inject({
      method: 'POST',
      url: '/api/admin/hmac',
      headers: admin,
      payload: {
        algorithm: 'sha256',
        key: 'key',
        keyEncoding: 'utf8',
        message: 'The quick brown fox jumps over the lazy dog',
        messageEncoding: 'utf8',
      },
    })
    const elapsedMs = performance.now() - started
    expect([limits.statusCode, policy.statusCode, hmac.statusCode]).toEqual([200, 200, 200])
    expect(elapsedMs).toBeLessThan(1000)
    expect((await pendingMeme).response.statusCode).toBe(503)
    expect((await pendingJob).response.statusCode).toBe(503)
  }, 30_000)
})

const SHARE_PAGE_UNAVAILABLE = 'the page: This meme cannot be shown right now'

/** The error body's code, or for a page, whether it is the share page's 503 page. */
function codeOf(response: LightMyRequestResponse): unknown {
  if (response.headers['content-type'] === 'text/html; charset=utf-8') {
    return response.body.includes('This meme cannot be shown right now')
      ? SHARE_PAGE_UNAVAILABLE
      : response.body.slice(0, 80)
  }
  try {
    return (response.json() as { code?: unknown }).code
  } catch {
    return response.body.slice(0, 80)
  }
}
