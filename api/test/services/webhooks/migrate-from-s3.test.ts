import { randomBytes, randomUUID } from 'node:crypto'
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppConfig } from '../../../src/config.ts'
import { signGithubPayload } from '../../../src/services/signatures/github-signature.ts'
import { basicTimestamp } from '../../../src/services/webhooks/deliveries.ts'
import { migrateWebhooksFromS3 } from '../../../src/services/webhooks/migrate-from-s3.ts'
import { buildApp, startTestS3, testConfig, testS3Client } from '../../support/test-app.ts'

const API_KEY = 'migrate-webhooks-test-key-0123456789'
const UPLOADS = 'meme-studio-uploads'
const DAY_MS = 24 * 60 * 60 * 1000

let s3: Awaited<ReturnType<typeof startTestS3>>
let config: AppConfig
let app: FastifyInstance
let storage: S3Client

beforeAll(async () => {
  s3 = await startTestS3()
  config = testConfig(s3.endpoint, {
    ADMIN_API_KEYS: API_KEY,
    USAGE_RATE: '10000',
    USAGE_BURST: '10000',
  })
  app = await buildApp(config)
  storage = testS3Client(config)
})
afterAll(async () => {
  storage.destroy()
  await app.close()
  await s3.close()
})

function admin(options: InjectOptions) {
  return app.inject({ ...options, headers: { 'x-api-key': API_KEY, ...options.headers } })
}

/** Writes a record as the version before kept it: JSON in the upload bucket. */
async function putOld(key: string, body: unknown) {
  await storage.send(
    new PutObjectCommand({
      Bucket: UPLOADS,
      Key: key,
      Body: typeof body === 'string' ? body : JSON.stringify(body),
      ContentType: 'application/json',
    }),
  )
}

function oldHook(name: string, hookId = randomBytes(8).toString('hex')) {
  return {
    version: 1,
    hookId,
    name,
    branches: ['main'],
    prefix: 'old/',
    stripRoot: true,
    createdAt: '2026-01-02T03:04:05.000Z',
    updatedAt: '2026-01-02T03:04:05.000Z',
    secret: randomBytes(32).toString('hex'),
  }
}

function oldDelivery(hookId: string, deliveryId: string, receivedAt: Date) {
  return {
    version: 1,
    hookId,
    deliveryId,
    receivedAt: receivedAt.toISOString(),
    event: 'ping',
    verified: true,
    status: 200,
    outcome: 'pong',
    durationMs: 12,
    requestHeaders: { 'x-github-event': 'ping', 'x-github-delivery': deliveryId },
    payload: '{"zen":"Old."}',
    truncated: false,
    response: { ok: true },
  }
}

function deliveryFile(hookId: string, deliveryId: string, receivedAt: Date) {
  return `webhooks/${hookId}/deliveries/${basicTimestamp(receivedAt)}-${deliveryId}.json`
}

describe('migrateWebhooksFromS3', () => {
  it('copies hooks, deliveries and handled markers once, never over newer records', async () => {
    const site = oldHook('Site')
    const legacy = oldHook('Kept the oldest way')
    const both = oldHook('Moved to hooks/')
    await putOld(`hooks/${site.hookId}.json`, site)
    await putOld(`webhooks/${legacy.hookId}/hook.json`, legacy)
    await putOld(`hooks/${both.hookId}.json`, both)
    await putOld(`webhooks/${both.hookId}/hook.json`, { ...both, name: 'Left behind' })
    // A hook the table has already (made since): its S3 copy does not overwrite it.
    const made = await admin({
      method: 'POST',
      url: '/api/admin/webhooks',
      payload: { name: 'New' },
    })
    const newer = made.json<{ hook: { hookId: string } }>().hook
    await putOld(`hooks/${newer.hookId}.json`, oldHook('Stale copy', newer.hookId))
    // Not ours: a hook id we could not have issued, and a damaged record.
    await putOld('hooks/not-an-id.json', oldHook('Foreign', 'not-an-id'))
    const damaged = oldHook('Damaged')
    await putOld(`hooks/${damaged.hookId}.json`, '{"version":1,')

    const now = Date.now()
    const first = { id: randomUUID(), at: new Date(now - 2 * DAY_MS) }
    const second = { id: randomUUID(), at: new Date(now - DAY_MS) }
    const expired = { id: randomUUID(), at: new Date(now - 31 * DAY_MS) }
    for (const { id, at } of [first, second, expired]) {
      await putOld(deliveryFile(site.hookId, id, at), oldDelivery(site.hookId, id, at))
    }
    await putOld(deliveryFile(site.hookId, randomUUID(), new Date(now)), '{"not":"a delivery"}')
    await putOld(`webhooks/${site.hookId}/handled/${second.id}`, '')

    // 3 hooks, 2 deliveries, 1 handled marker.
    expect(await migrateWebhooksFromS3(app.s3, config.uploadBucket, app.records, app.log)).toBe(6)
    expect(await migrateWebhooksFromS3(app.s3, config.uploadBucket, app.records, app.log)).toBe(0)

    const hooks = (await admin({ method: 'GET', url: '/api/admin/webhooks' })).json<{
      hooks: { hookId: string; name: string; prefix: string }[]
    }>().hooks
    expect(hooks.map((hook) => hook.name).sort()).toEqual(
      ['Kept the oldest way', 'Moved to hooks/', 'New', 'Site'].sort(),
    )
    expect(hooks.find((hook) => hook.hookId === site.hookId)).toMatchObject({ prefix: 'old/' })

    const listed = await admin({
      method: 'GET',
      url: `/api/admin/webhooks/${site.hookId}/deliveries`,
    })
    expect(
      listed.json<{ deliveries: { deliveryId: string }[] }>().deliveries.map((d) => d.deliveryId),
    ).toEqual([second.id, first.id])
    const detail = await admin({
      method: 'GET',
      url: `/api/admin/webhooks/${site.hookId}/deliveries/${first.id}`,
    })
    expect(detail.json().delivery).toMatchObject({
      deliveryId: first.id,
      outcome: 'pong',
      payload: '{"zen":"Old."}',
    })

    // A delivery handled before the move is still a duplicate after it; its secret still works.
    const ping = (deliveryId: string) => {
      const body = '{"zen":"Again."}'
      return app.inject({
        method: 'POST',
        url: `/api/webhooks/github/${site.hookId}`,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'ping',
          'x-github-delivery': deliveryId,
          'x-hub-signature-256': signGithubPayload(site.secret, body),
        },
        payload: body,
      })
    }
    expect((await ping(second.id)).json()).toEqual({ duplicate: true })
    expect((await ping(randomUUID())).json()).toEqual({ ok: true })
  })
})
