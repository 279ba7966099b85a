import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import type { AppConfig } from '../../../src/config.ts'
import type { S3Migration } from '../../../src/services/records/migrate-from-s3.ts'
import { migrateNotificationsFromS3 } from '../../../src/services/notifications/notifications-migration.ts'
import {
  NOTIFICATIONS_RECORD_KEY,
  eventRecordKey,
} from '../../../src/services/notifications/notification-settings.ts'
import { buildApp, startTestS3, testConfig, testS3Client } from '../../support/test-app.ts'

const API_KEY = 'migrate-notifications-test-key-0123'
const DAY_MS = 24 * 60 * 60 * 1000

let storage: S3Client

/** The migration as the startup wiring runs it (its `S3Migration` shape). */
const migration: S3Migration = { name: 'notifications', run: migrateNotificationsFromS3 }

/** Each test its own S3 (the bucket's contents are what is migrated) and its own table. */
async function withApp(test: (app: FastifyInstance, config: AppConfig) => Promise<void>) {
  const s3Server = await startTestS3()
  const config = testConfig(s3Server.endpoint, { ADMIN_API_KEYS: API_KEY })
  const app = await buildApp(config)
  storage = testS3Client(config)
  try {
    await test(app, config)
  } finally {
    storage.destroy()
    await app.close()
    await s3Server.close()
  }
}

async function putOld(bucket: string, key: string, body: unknown) {
  await storage.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: typeof body === 'string' ? body : JSON.stringify(body),
      ContentType: 'application/json',
    }),
  )
}

function recorder() {
  const warnings: string[] = []
  const log = {
    warn: (first: unknown, second?: unknown) =>
      warnings.push(typeof first === 'string' ? first : String(second)),
    info: () => {},
    error: () => {},
    debug: () => {},
  } as unknown as FastifyBaseLogger
  return { log, warnings }
}

describe('migrateNotificationsFromS3', () => {
  it('copies the settings and the recent event markers once; the admin page shows them', async () => {
    await withApp(async (app, config) => {
      const bucket = config.uploadBucket
      const recent = new Date(Date.now() - DAY_MS).toISOString()
      const old = new Date(Date.now() - 8 * DAY_MS).toISOString()
      await putOld(bucket, 'app/notifications.json', {
        version: 1,
        notifyOnArchive: true,
        notifyOnShare: false,
        lastDeliveredAt: recent,
        lastError: `${old}: Discord answered 500 (3 tries)`,
      })
      const hostileId = '../deploy/42 ?#'
      await putOld(bucket, `events/${encodeURIComponent(hostileId)}.json`, {
        id: hostileId,
        deliveredAt: recent,
        attempts: 2,
        discordMessageId: '111',
      })
      await putOld(bucket, 'events/deploy-1.json', {
        id: 'deploy-1',
        deliveredAt: recent,
        attempts: 1,
      })
      // Delivered more than 7 days ago: its key would have expired by now.
      await putOld(bucket, 'events/ancient.json', { id: 'ancient', deliveredAt: old, attempts: 1 })
      // Damaged: not JSON; an id that is not the key's; no date.
      await putOld(bucket, 'events/torn.json', '{"id":"torn","deliv')
      await putOld(bucket, 'events/other.json', { id: 'not-other', deliveredAt: recent })
      await putOld(bucket, 'events/undated.json', { id: 'undated' })

      const { log, warnings } = recorder()
      expect(await migration.run(app.s3, bucket, app.records, log)).toBe(3)
      expect(warnings).toHaveLength(3)

      expect(await app.records.get(NOTIFICATIONS_RECORD_KEY)).toEqual({
        version: 1,
        notifyOnArchive: true,
        notifyOnShare: false,
        lastDeliveredAt: recent,
        lastError: `${old}: Discord answered 500 (3 tries)`,
      })
      expect(await app.records.get(eventRecordKey(hostileId))).toEqual({
        version: 1,
        eventId: hostileId,
        status: 'delivered',
        attempt: 1,
        receivedAt: recent,
        deliveredAt: recent,
        discordMessageId: '111',
      })
      expect(await app.records.get(eventRecordKey('deploy-1'))).toMatchObject({
        status: 'delivered',
      })
      for (const skipped of ['ancient', 'torn', 'not-other', 'other', 'undated']) {
        expect(await app.records.get(eventRecordKey(skipped))).toBeUndefined()
      }
      const view = await app.inject({
        method: 'GET',
        url: '/api/admin/notifications',
        headers: { 'x-api-key': API_KEY },
      })
      expect(view.json()).toMatchObject({
        notifyOnArchive: true,
        discord: { lastDeliveredAt: recent },
      })

      // Again (a second start, another instance): nothing more.
      expect(await migration.run(app.s3, bucket, app.records, recorder().log)).toBe(0)
    })
  })

  it('never overwrites what the table has: settings changed since are newer', async () => {
    await withApp(async (app, config) => {
      const bucket = config.uploadBucket
      await app.inject({
        method: 'PUT',
        url: '/api/admin/notifications',
        headers: { 'x-api-key': API_KEY },
        payload: { notifyOnShare: true },
      })
      const now = new Date().toISOString()
      await app.records.create(eventRecordKey('deploy-2'), {
        version: 1,
        eventId: 'deploy-2',
        status: 'started',
        attempt: 3,
        receivedAt: now,
      })
      await putOld(bucket, 'app/notifications.json', {
        version: 1,
        notifyOnArchive: true,
        notifyOnShare: false,
      })
      await putOld(bucket, 'events/deploy-2.json', { id: 'deploy-2', deliveredAt: now })
      expect(await migration.run(app.s3, bucket, app.records, recorder().log)).toBe(0)
      expect(await app.records.get(NOTIFICATIONS_RECORD_KEY)).toMatchObject({
        notifyOnArchive: false,
        notifyOnShare: true,
      })
      expect(await app.records.get(eventRecordKey('deploy-2'))).toMatchObject({
        status: 'started',
        attempt: 3,
      })
    })
  })

  it('copies nothing from a bucket without them, and skips a settings record of another version', async () => {
    await withApp(async (app, config) => {
      expect(await migration.run(app.s3, config.uploadBucket, app.records, recorder().log)).toBe(0)
      await putOld(config.uploadBucket, 'app/notifications.json', { version: 2, everything: true })
      const { log, warnings } = recorder()
      expect(await migration.run(app.s3, config.uploadBucket, app.records, log)).toBe(0)
      expect(warnings).toEqual(['app/notifications.json is not a version 1 record; not copied'])
      expect(await app.records.get(NOTIFICATIONS_RECORD_KEY)).toBeUndefined()
    })
  })
})
