import { mkdtemp, rm } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, inject } from 'vitest'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { buildApp as buildAppFromConfig } from '../../src/app.ts'
import { loadConfig, type AppConfig } from '../../src/config.ts'
import { startEmbeddedS3 } from '../../src/embedded-s3.ts'
import { createDynamoDbClient } from '../../src/plugins/app/records.ts'
import { createS3Client } from '../../src/plugins/app/storage.ts'
import { ensureRecordsTable } from '../../src/services/records/records-table.ts'
import { rememberAwsNames } from './aws-names.ts'

/**
 * The pair tests sign with: a fixed one, so that every app a test builds is taken by every
 * embedded S3 it starts (the local runner generates its own, embedded-s3.ts).
 */
export const TEST_STORE_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

/** What the apps tests build seal hook secrets with. */
export const TEST_HOOK_SECRETS_KEY = 'test-hook-secrets-key-of-32-characters-at-least'

/**
 * A real S3 protocol server (s3rver behind the embedded S3's gate) in a temporary directory,
 * with the app's buckets; it takes requests signed with TEST_STORE_CREDENTIALS.
 */
export async function startTestS3() {
  const dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-test-'))
  const config = loadConfig({ DATA_DIR: dataDir })
  const s3 = await startEmbeddedS3({
    host: '127.0.0.1',
    dataDir,
    buckets: [config.uploadBucket, config.archiveBucket],
    corsOrigins: ['http://127.0.0.1:3000'],
    credentials: TEST_STORE_CREDENTIALS,
    region: config.s3.region,
    maxUploadBytes: config.maxUploadBytes,
  })
  return {
    endpoint: s3.endpoint,
    dataDir,
    changes: s3.changes,
    async close() {
      await s3.close()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * The app's config pointed at `endpoint` for S3 and at the run's dynalite for its records,
 * in a table of its own (created by `buildApp`), with overrides as environment variables.
 */
export function testConfig(endpoint: string, env: Record<string, string> = {}): AppConfig {
  const config = loadConfig({
    S3_ENDPOINT: endpoint,
    DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
    RECORDS_TABLE: `test-${randomUUID()}`,
    HOOK_SECRETS_KEY: TEST_HOOK_SECRETS_KEY,
    ...env,
  })
  config.s3.credentials = TEST_STORE_CREDENTIALS
  config.dynamodb.credentials = TEST_STORE_CREDENTIALS
  // Known to the AWS call recorder even when the app is built without `buildApp` below.
  rememberAwsNames(config)
  return config
}

/** Creates the config's records table (on AWS the stack does); a stalled endpoint is skipped. */
export async function ensureTestTable(config: AppConfig): Promise<void> {
  if (config.dynamodb.endpoint !== inject('dynamodbEndpoint')) return
  const client = createDynamoDbClient(config.dynamodb)
  try {
    await ensureRecordsTable(client, config.recordsTable)
  } finally {
    client.destroy()
  }
}

export function testS3Client(config: AppConfig): S3Client {
  return createS3Client(config.s3)
}

export async function putUpload(config: AppConfig, key: string, body: Buffer, contentType: string) {
  const s3 = testS3Client(config)
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: config.uploadBucket,
        Key: key,
        Body: body,
        ContentType: contentType,
      }),
    )
  } finally {
    s3.destroy()
  }
}

/**
 * The app, with its records table created, and its buckets, table and secrets known to the
 * AWS call recorder by their roles.
 */
export async function buildApp(
  config: AppConfig,
  options?: Parameters<typeof buildAppFromConfig>[1],
): Promise<FastifyInstance> {
  rememberAwsNames(config)
  await ensureTestTable(config)
  return buildAppFromConfig(config, options)
}

/**
 * An HTTP server on loopback standing in for S3 where s3rver cannot misbehave on cue:
 * it records every request and answers what the test says.
 */
export async function startFakeS3(
  answer: (req: IncomingMessage) => { status: number; body?: string },
) {
  const requests: { method: string; url: string }[] = []
  const server: Server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' })
    const { status, body } = answer(req)
    res.writeHead(status, { 'content-type': 'application/xml' })
    res.end(body ?? '')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

/**
 * For a suite whose requests must be refused before S3 is called: an app whose S3 answers
 * 500 to everything, built before the suite's tests and closed after them. `requests` lists
 * what reached S3 (nothing should).
 */
export function useAppWithoutS3(): {
  app: FastifyInstance
  requests: { method: string; url: string }[]
} {
  const state = {} as { app: FastifyInstance; requests: { method: string; url: string }[] }
  let fake: Awaited<ReturnType<typeof startFakeS3>> | undefined
  beforeAll(async () => {
    fake = await startFakeS3(() => ({ status: 500 }))
    state.requests = fake.requests
    state.app = await buildApp(testConfig(fake.endpoint))
  })
  afterAll(async () => {
    await state.app?.close()
    await fake?.close()
  })
  return state
}
