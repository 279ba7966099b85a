import { randomUUID } from 'node:crypto'
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signGithubPayload } from '../../src/services/signatures/github-signature.ts'
import { BEHIND_CLOUDFRONT, PUBLIC_ORIGIN } from '../support/behind-cloudfront.ts'
import { buildApp, startTestS3, testConfig, testS3Client } from '../support/test-app.ts'

const API_KEY = 'admin-webhooks-test-key-0123456789'
const DEFAULT_SECRET = 'default-hook-secret'

let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance
let storage: S3Client

beforeAll(async () => {
  s3 = await startTestS3()
  app = await buildApp(
    testConfig(s3.endpoint, {
      ADMIN_API_KEYS: API_KEY,
      USAGE_RATE: '10000',
      USAGE_BURST: '10000',
      GITHUB_WEBHOOK_SECRET: DEFAULT_SECRET,
      PUBLIC_ORIGIN,
    }),
  )
  storage = testS3Client(testConfig(s3.endpoint))
})
afterAll(async () => {
  storage.destroy()
  await app.close()
  await s3.close()
})

function admin(options: InjectOptions) {
  return app.inject({
    ...options,
    headers: { 'x-api-key': API_KEY, ...BEHIND_CLOUDFRONT, ...options.headers },
  })
}

interface HookAnswer {
  hook: Record<string, unknown> & { hookId: string; payloadUrl: string }
  secret: string
}

async function create(settings: Record<string, unknown> = {}): Promise<HookAnswer> {
  const response = await admin({
    method: 'POST',
    url: '/api/admin/webhooks',
    payload: { name: 'Site', ...settings },
  })
  expect(response.statusCode).toBe(201)
  return response.json()
}

async function ping(hookId: string, payload: object | undefined = {}) {
  return admin({ method: 'POST', url: `/api/admin/webhooks/${hookId}/ping`, payload })
}

/** A ping as GitHub sends it, signed with `secret`. */
function signedPing(hookId: string, secret: string) {
  const body = JSON.stringify({ zen: 'Rotate.', hook_id: 1 })
  return app.inject({
    method: 'POST',
    url: `/api/webhooks/github/${hookId}`,
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'ping',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': signGithubPayload(secret, body),
    },
    payload: body,
  })
}

describe('the API key', () => {
  it('is required', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/admin/webhooks' })
    expect(response.statusCode).toBe(403)
    expect(response.json()).toEqual({ message: 'Forbidden' })
  })
})

describe('hooks', () => {
  it('creates a hook with defaults, its Payload URL at PUBLIC_ORIGIN, and shows its secret once', async () => {
    const { hook, secret } = await create()
    expect(secret).toMatch(/^[0-9a-f]{64}$/)
    expect(hook).toEqual({
      hookId: expect.stringMatching(/^[0-9a-f]{16}$/),
      name: 'Site',
      provider: 'github',
      baseUrl: 'https://github.com',
      hasAccessToken: false,
      branches: [],
      prefix: '',
      stripRoot: true,
      payloadUrl: `${PUBLIC_ORIGIN}/api/webhooks/github/${hook.hookId}`,
      contentType: 'application/json',
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    })

    const got = await admin({ method: 'GET', url: `/api/admin/webhooks/${hook.hookId}` })
    expect(got.json()).toEqual({ hook })
    expect(got.headers['cache-control']).toBe('no-store')
    const listed = await admin({ method: 'GET', url: '/api/admin/webhooks' })
    expect(listed.body).not.toContain(secret)
    expect(listed.body).not.toContain(DEFAULT_SECRET)
    const hooks = listed.json<{ hooks: HookAnswer['hook'][] }>().hooks
    expect(hooks[0]).toMatchObject({
      hookId: 'default',
      name: 'Default (GITHUB_WEBHOOK_SECRET)',
      prefix: '',
      payloadUrl: `${PUBLIC_ORIGIN}/api/webhooks/github`,
    })
    expect(hooks).toContainEqual(hook)
  })

  it.each([
    ['an unknown property', { name: 'x', secret: 'mine' }, 'body has an unknown property "secret"'],
    ['an empty name', { name: '' }, undefined],
    ['a prefix without a trailing slash', { name: 'x', prefix: 'builds' }, undefined],
    ['a prefix climbing up', { name: 'x', prefix: '../builds/' }, undefined],
    ['a branch with a space', { name: 'x', branches: ['my branch'] }, undefined],
  ])('refuses %s', async (_case, payload, message) => {
    const response = await admin({ method: 'POST', url: '/api/admin/webhooks', payload })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'VALIDATION', ...(message ? { message } : {}) })
  })

  it('changes a hook', async () => {
    const { hook } = await create()
    const response = await admin({
      method: 'PATCH',
      url: `/api/admin/webhooks/${hook.hookId}`,
      payload: { branches: ['main', 'release/*'], prefix: 'builds/site/', stripRoot: false },
    })
    expect(response.statusCode).toBe(200)
    expect(response.json().hook).toMatchObject({
      hookId: hook.hookId,
      name: 'Site',
      branches: ['main', 'release/*'],
      prefix: 'builds/site/',
      stripRoot: false,
    })
  })

  it('keeps both of two concurrent changes to a hook', async () => {
    const { hook } = await create()
    const [named, branched] = await Promise.all([
      admin({ method: 'PATCH', url: `/api/admin/webhooks/${hook.hookId}`, payload: { name: 'A' } }),
      admin({
        method: 'PATCH',
        url: `/api/admin/webhooks/${hook.hookId}`,
        payload: { branches: ['main'], prefix: 'b/' },
      }),
    ])
    expect([named.statusCode, branched.statusCode]).toEqual([200, 200])
    const got = await admin({ method: 'GET', url: `/api/admin/webhooks/${hook.hookId}` })
    expect(got.json().hook).toMatchObject({ name: 'A', branches: ['main'], prefix: 'b/' })
  })

  it('keeps a change and a rotation made at once, and both secrets work', async () => {
    const { hook, secret } = await create()
    const [changed, rotated] = await Promise.all([
      admin({
        method: 'PATCH',
        url: `/api/admin/webhooks/${hook.hookId}`,
        payload: { name: 'Renamed' },
      }),
      admin({
        method: 'POST',
        url: `/api/admin/webhooks/${hook.hookId}/rotate-secret`,
        payload: { graceSeconds: 600 },
      }),
    ])
    expect([changed.statusCode, rotated.statusCode]).toEqual([200, 200])
    const got = (await admin({ method: 'GET', url: `/api/admin/webhooks/${hook.hookId}` })).json()
    expect(got.hook).toMatchObject({ name: 'Renamed', previousSecretExpiresAt: expect.any(String) })
    for (const key of [secret, rotated.json<HookAnswer>().secret]) {
      expect((await signedPing(hook.hookId, key)).statusCode).toBe(200)
    }
  })

  it('deletes a hook and keeps its deliveries until they expire', async () => {
    const { hook } = await create()
    expect((await ping(hook.hookId)).statusCode).toBe(200)
    const deleted = await admin({ method: 'DELETE', url: `/api/admin/webhooks/${hook.hookId}` })
    expect(deleted.statusCode).toBe(204)
    const got = await admin({ method: 'GET', url: `/api/admin/webhooks/${hook.hookId}` })
    expect(got.statusCode).toBe(404)
    expect(got.json()).toMatchObject({ code: 'HOOK_NOT_FOUND' })
    const again = await admin({ method: 'DELETE', url: `/api/admin/webhooks/${hook.hookId}` })
    expect(again.statusCode).toBe(404)
    // A change that comes after the delete does not bring the hook back.
    const late = await admin({
      method: 'PATCH',
      url: `/api/admin/webhooks/${hook.hookId}`,
      payload: { name: 'Back?' },
    })
    expect(late.statusCode).toBe(404)
    const kept = await app.records.query(`delivery#${hook.hookId}`, { skPrefix: 'at#' })
    expect(kept).toHaveLength(1)
    expect(kept[0]).toMatchObject({ outcome: 'pong' })
  })

  it('keeps hooks and deliveries in the records table, nothing in the upload bucket', async () => {
    const { hook, secret } = await create()
    await ping(hook.hookId)
    const item = await app.records.get({ pk: 'hook', sk: hook.hookId })
    // The secret is there sealed (services/access/secret-box.ts), never in plain text.
    expect(item).toMatchObject({
      hookId: hook.hookId,
      secret: expect.stringMatching(/^sealed:v1:/),
    })
    expect(JSON.stringify(item)).not.toContain(secret)
    for (const prefix of ['hooks/', 'webhooks/']) {
      const listed = await storage.send(
        new ListObjectsV2Command({ Bucket: 'meme-studio-uploads', Prefix: prefix }),
      )
      expect(listed.KeyCount).toBe(0)
    }
  })

  it('answers 404 for a hook that is not there', async () => {
    for (const hookId of ['0123456789abcdef', 'not-an-id']) {
      const response = await admin({ method: 'GET', url: `/api/admin/webhooks/${hookId}` })
      expect(response.statusCode).toBe(404)
      expect(response.json()).toMatchObject({ code: 'HOOK_NOT_FOUND' })
    }
  })

  it.each([
    ['PATCH', '', { name: 'mine' }],
    ['DELETE', '', undefined],
    ['POST', '/rotate-secret', {}],
  ] as const)(
    'refuses %s%s on the default hook: 409 HOOK_READ_ONLY',
    async (method, path, payload) => {
      const response = await admin({ method, url: `/api/admin/webhooks/default${path}`, payload })
      expect(response.statusCode).toBe(409)
      expect(response.json()).toMatchObject({ code: 'HOOK_READ_ONLY' })
    },
  )
})

describe('secret rotation', () => {
  it('gives a new secret and keeps the previous one for the grace period', async () => {
    const { hook, secret } = await create()
    const before = Date.now()
    const response = await admin({
      method: 'POST',
      url: `/api/admin/webhooks/${hook.hookId}/rotate-secret`,
      payload: { graceSeconds: 600 },
    })
    expect(response.statusCode).toBe(200)
    const rotated = response.json<HookAnswer>()
    expect(rotated.secret).toMatch(/^[0-9a-f]{64}$/)
    expect(rotated.secret).not.toBe(secret)
    const expires = Date.parse(rotated.hook.previousSecretExpiresAt as string)
    expect(expires).toBeGreaterThanOrEqual(before + 600_000)
    expect(expires).toBeLessThanOrEqual(Date.now() + 600_000)

    const body = JSON.stringify({ zen: 'Rotate.', hook_id: 1 })
    for (const key of [secret, rotated.secret]) {
      const delivered = await app.inject({
        method: 'POST',
        url: `/api/webhooks/github/${hook.hookId}`,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'ping',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': signGithubPayload(key, body),
        },
        payload: body,
      })
      expect(delivered.statusCode).toBe(200)
    }
  })

  it('defaults to a day of grace, and refuses more than a week', async () => {
    const { hook } = await create()
    const rotated = await admin({
      method: 'POST',
      url: `/api/admin/webhooks/${hook.hookId}/rotate-secret`,
      payload: {},
    })
    const expires = Date.parse(rotated.json().hook.previousSecretExpiresAt)
    expect(Math.round((expires - Date.now()) / 1000)).toBeGreaterThan(86_390)
    const tooLong = await admin({
      method: 'POST',
      url: `/api/admin/webhooks/${hook.hookId}/rotate-secret`,
      payload: { graceSeconds: 604_801 },
    })
    expect(tooLong.statusCode).toBe(400)
    expect(tooLong.json()).toMatchObject({ code: 'VALIDATION' })
  })
})

describe('ping, deliveries and redelivery', () => {
  it("pings a hook through the public route, signed with the hook's secret", async () => {
    const { hook, secret } = await create()
    const response = await ping(hook.hookId)
    expect(response.statusCode).toBe(200)
    const { delivery } = response.json()
    expect(delivery).toMatchObject({
      deliveryId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      event: 'ping',
      verified: true,
      status: 200,
      outcome: 'pong',
      durationMs: expect.any(Number),
    })
    expect(delivery).not.toHaveProperty('payload')

    const detail = await admin({
      method: 'GET',
      url: `/api/admin/webhooks/${hook.hookId}/deliveries/${delivery.deliveryId}`,
    })
    expect(detail.statusCode).toBe(200)
    const full = detail.json().delivery
    expect(full).toMatchObject({ ...delivery, truncated: false, response: { ok: true } })
    expect(full.payloadBytes).toBe(Buffer.byteLength(full.payload))
    expect(full.requestHeaders).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/meme-studio',
      'x-github-event': 'ping',
      'x-github-delivery': delivery.deliveryId,
    })
    expect(full.requestHeaders['x-hub-signature-256']).toBe(signGithubPayload(secret, full.payload))
    expect(JSON.parse(full.payload)).toMatchObject({
      zen: expect.any(String),
      hook_id: expect.any(Number),
      hook: {
        type: 'Repository',
        config: {
          content_type: 'json',
          url: `${PUBLIC_ORIGIN}/api/webhooks/github/${hook.hookId}`,
        },
      },
    })
    expect(detail.body).not.toContain(secret)
  })

  it('pings the default hook, with or without a body', async () => {
    expect((await ping('default')).json().delivery).toMatchObject({ outcome: 'pong' })
    expect((await ping('default', undefined)).json().delivery).toMatchObject({ outcome: 'pong' })
  })

  it('lists deliveries newest first', async () => {
    const { hook } = await create()
    const first = (await ping(hook.hookId)).json().delivery
    const second = (await ping(hook.hookId)).json().delivery
    const response = await admin({
      method: 'GET',
      url: `/api/admin/webhooks/${hook.hookId}/deliveries`,
    })
    expect(response.json()).toEqual({ deliveries: [second, first] })
  })

  it('redelivers under a new delivery id, not as a duplicate, naming the original', async () => {
    const { hook } = await create()
    const original = (await ping(hook.hookId)).json().delivery
    // After a rotation without grace: the replay is signed with the current secret.
    await admin({
      method: 'POST',
      url: `/api/admin/webhooks/${hook.hookId}/rotate-secret`,
      payload: { graceSeconds: 0 },
    })
    const response = await admin({
      method: 'POST',
      url: `/api/admin/webhooks/${hook.hookId}/deliveries/${original.deliveryId}/redeliver`,
      payload: {},
    })
    expect(response.statusCode).toBe(200)
    const { delivery } = response.json()
    expect(delivery).toMatchObject({
      event: 'ping',
      verified: true,
      outcome: 'pong',
      redeliveryOf: original.deliveryId,
    })
    expect(delivery.deliveryId).not.toBe(original.deliveryId)
  })

  it('refuses to redeliver a delivery whose signature failed', async () => {
    const { hook } = await create()
    const deliveryId = randomUUID()
    await app.inject({
      method: 'POST',
      url: `/api/webhooks/github/${hook.hookId}`,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'ping',
        'x-github-delivery': deliveryId,
        'x-hub-signature-256': signGithubPayload('forged', '{}'),
      },
      payload: '{}',
    })
    const response = await admin({
      method: 'POST',
      url: `/api/admin/webhooks/${hook.hookId}/deliveries/${deliveryId}/redeliver`,
      payload: {},
    })
    expect(response.statusCode).toBe(409)
    expect(response.json()).toMatchObject({ code: 'DELIVERY_NOT_REPLAYABLE' })
  })

  it('answers 404 for a delivery that is not there', async () => {
    const { hook } = await create()
    for (const path of ['', '/redeliver']) {
      const response = await admin({
        method: path ? 'POST' : 'GET',
        url: `/api/admin/webhooks/${hook.hookId}/deliveries/${randomUUID()}${path}`,
        ...(path ? { payload: {} } : {}),
      })
      expect(response.statusCode).toBe(404)
      expect(response.json()).toMatchObject({ code: 'DELIVERY_NOT_FOUND' })
    }
  })
})
