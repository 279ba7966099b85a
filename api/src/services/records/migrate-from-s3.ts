import { tracingChannel } from 'node:diagnostics_channel'
import type { S3Client } from '@aws-sdk/client-s3'
import type { FastifyBaseLogger } from 'fastify'
import type { RecordStore } from './record-store.ts'

/**
 * One domain's move of the records that earlier versions kept as JSON in the upload bucket
 * (`hooks/`, `webhooks/`, `jobs/`, `app/notifications.json`, `events/`) into the records
 * table. Each is idempotent: it creates items only where none exist (`records.create`), so
 * running it twice, or in two instances at once, never overwrites a newer record.
 */
export interface S3Migration {
  name: string
  run(s3: S3Client, bucket: string, records: RecordStore, log: FastifyBaseLogger): Promise<number>
}

/**
 * Each domain's move runs inside this channel's trace, its context `{ name }`, so that its
 * calls can be told apart: the tests' AWS call recorder attributes them to the control
 * function, which moves the records on AWS, and infra checks its role allows them.
 */
const migrationChannel = tracingChannel<unknown, { name: string }>('meme-studio.records.migration')

/** The marker that says the move is done: later starts skip it after one read. */
export const MIGRATION_MARKER = { pk: 'migration', sk: 's3-records-v1' }

export interface MigrationReport {
  /** False when the marker said it was done before. */
  ran: boolean
  /** Records copied, per domain. */
  copied: Record<string, number>
}

/**
 * Moves the S3 JSON records once. The marker is written only after every domain finished, so
 * a start that fails half way (a store down) runs it again next time; the domains' own
 * idempotence makes that safe. Two instances starting at once may both run it, harmlessly.
 */
export async function migrateS3RecordsOnce(
  s3: S3Client,
  bucket: string,
  records: RecordStore,
  log: FastifyBaseLogger,
  migrations: readonly S3Migration[],
): Promise<MigrationReport> {
  if ((await records.get(MIGRATION_MARKER))?.status === 'done') return { ran: false, copied: {} }
  const copied: Record<string, number> = {}
  for (const migration of migrations) {
    copied[migration.name] = await migrationChannel.tracePromise(
      () => migration.run(s3, bucket, records, log),
      { name: migration.name },
    )
  }
  await records.put(MIGRATION_MARKER, {
    status: 'done',
    at: new Date().toISOString(),
    copied,
  })
  const total = Object.values(copied).reduce((sum, count) => sum + count, 0)
  if (total > 0) log.info({ copied }, 'moved records from S3 JSON into the records table')
  return { ran: true, copied }
}
