import { randomBytes } from 'node:crypto'
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppConfig } from '../src/config.ts'
import { migrateRecordsFromS3 } from '../src/migrate-records.ts'
import { MIGRATION_MARKER } from '../src/services/records/migrate-from-s3.ts'
import { buildApp, startTestS3, testConfig, testS3Client } from './support/test-app.ts'

/**
 * The start-up move of the records an earlier version kept as JSON in S3, end to end: each
 * domain's own tests check its records in detail; this one checks that start runs them all
 * once, that what they moved is what the API then serves, and that a failed run is retried.
 */
const API_KEY = 'migrate-records-test-key-0123456789'
const UPLOADS = 'meme-studio-uploads'
const JOB_ID = 'AbC_-09xYzAbC_-09xYzAb'

let s3: Awaited<ReturnType<typeof startTestS3>>
let config: AppConfig
let app: FastifyInstance
let storage: S3Client

beforeAll(async () => {
  s3 = await startTestS3()
  config = testConfig(s3.endpoint, { ADMIN_API_KEYS: API_KEY })
  app = await buildApp(config)
  storage = testS3Client(config)
})
afterAll(async () => {
  storage.destroy()
  await app.close()
  await s3.close()
})

async function putOld(key: string, body: unknown) {
  await storage.send(
    new PutObjectCommand({
      Bucket: UPLOADS,
      Key: key,
      Body: JSON.stringify(body),
      ContentType: 'application/json',
    }),
  )
}

const admin = { 'x-api-key': API_KEY }

describe('moving the S3 JSON records at start', () => {
  it('moves hooks, jobs and settings once, and the API serves them', async () => {
    const hookId = randomBytes(8).toString('hex')
    await putOld(`hooks/${hookId}.json`, {
      version: 1,
      hookId,
      name: 'Old site',
      branches: ['main'],
      prefix: 'old/',
      stripRoot: true,
      createdAt: '2026-01-02T03:04:05.000Z',
      updatedAt: '2026-01-02T03:04:05.000Z',
      secret: randomBytes(32).toString('hex'),
    })
    const now = new Date().toISOString()
    await putOld(`jobs/${JOB_ID}.json`, {
      version: 1,
      jobId: JOB_ID,
      status: 'failed',
      request: { image: 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png', captions: [] },
      createdAt: now,
      updatedAt: now,
      error: { code: 'IMAGE_NOT_FOUND', message: 'gone' },
    })
    await putOld('app/notifications.json', {
      version: 1,
      notifyOnArchive: true,
      notifyOnShare: false,
    })

    const report = await migrateRecordsFromS3(app, config)
    expect(report).toEqual({
      ran: true,
      copied: { webhooks: 1, jobs: 1, notifications: 1 },
    })

    const hooks = await app.inject({ url: '/api/admin/webhooks', headers: admin })
    expect(hooks.statusCode).toBe(200)
    expect(JSON.stringify(hooks.json())).toContain('Old site')
    const job = await app.inject({ url: `/api/jobs/${JOB_ID}`, headers: admin })
    expect(job.statusCode).toBe(200)
    expect(job.json()).toMatchObject({ jobId: JOB_ID, status: 'failed' })
    const settings = await app.inject({ url: '/api/admin/notifications', headers: admin })
    expect(settings.json()).toMatchObject({ notifyOnArchive: true, notifyOnShare: false })

    // Once: the marker says it is done, and the next start reads only that.
    expect(await app.records.get(MIGRATION_MARKER)).toMatchObject({ status: 'done' })
    expect(await migrateRecordsFromS3(app, config)).toEqual({ ran: false, copied: {} })
  })

  it('leaves no marker when a store fails, so the next start tries again', async () => {
    const broken = testConfig('http://127.0.0.1:9', { ADMIN_API_KEYS: API_KEY })
    const brokenApp = await buildApp(broken)
    try {
      expect(await migrateRecordsFromS3(brokenApp, broken)).toBeUndefined()
      expect(await brokenApp.records.get(MIGRATION_MARKER)).toBeUndefined()
    } finally {
      await brokenApp.close()
    }
  })
})
