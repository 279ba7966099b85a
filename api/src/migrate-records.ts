/**
 * The one-time move of records that earlier versions kept as JSON in the upload bucket into
 * the records table, run where the app starts: the local server after it is ready, the control
 * function at cold start (its role may read the old prefixes; the render function's may not).
 */
import type { FastifyInstance } from 'fastify'
import type { AppConfig } from './config.ts'
import { migrateJobsFromS3 } from './services/jobs/job-store.ts'
import { migrateNotificationsFromS3 } from './services/notifications/notifications-migration.ts'
import {
  migrateS3RecordsOnce,
  type MigrationReport,
  type S3Migration,
} from './services/records/migrate-from-s3.ts'
import { migrateWebhooksFromS3 } from './services/webhooks/migrate-from-s3.ts'

export const S3_MIGRATIONS: readonly S3Migration[] = [
  { name: 'webhooks', run: migrateWebhooksFromS3 },
  { name: 'jobs', run: (s3, bucket, records, log) => migrateJobsFromS3(s3, bucket, records, log) },
  { name: 'notifications', run: migrateNotificationsFromS3 },
]

/**
 * Moves the records once. A failure (a store down at start) is logged and the app serves
 * anyway: the marker is written only after a whole run, so the next start tries again.
 */
export async function migrateRecordsFromS3(
  app: FastifyInstance,
  config: AppConfig,
): Promise<MigrationReport | undefined> {
  try {
    return await migrateS3RecordsOnce(
      app.s3,
      config.uploadBucket,
      app.records,
      app.log,
      S3_MIGRATIONS,
    )
  } catch (error) {
    app.log.warn({ err: error }, 'records not moved from S3 yet; the next start tries again')
    return undefined
  }
}
