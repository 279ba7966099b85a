/**
 * The local runner: config from the environment, the embedded S3 and DynamoDB when no
 * S3_ENDPOINT or DYNAMODB_ENDPOINT is given, the built SPA, and a listening server that stops
 * cleanly on Ctrl-C. Its banner ends with the settings a second process needs to share this
 * one's embedded stores, as `VAR=value` pairs.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  describeAdminKeys,
  generatedKeyFile,
  resolveAdminApiKeys,
} from './services/access/admin-api-keys.ts'
import { buildApp } from './app.ts'
import { migrateRecordsFromS3 } from './migrate-records.ts'
import { resolveHookSecretsKey, SecretBoxError } from './services/access/secret-box.ts'
import { sealStoredHookSecrets } from './services/webhooks/hooks.ts'
import { ConfigError, loadConfig, type AppConfig } from './config.ts'
import { startEmbeddedDynamoDb, type EmbeddedDynamoDb } from './embedded-dynamodb.ts'
import { resolveEmbeddedCredentials, startEmbeddedS3, type EmbeddedS3 } from './embedded-s3.ts'
import { localLogger } from './local-logger.ts'

const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url))

function fail(message: string): never {
  console.error(`meme-studio: ${message}`)
  process.exit(1)
}

let config: AppConfig
try {
  config = loadConfig(process.env)
} catch (error) {
  if (error instanceof ConfigError) fail(`configuration error: ${error.message}`)
  throw error
}

// One pair for both embedded stores, generated once and kept in DATA_DIR, so that a second
// process can be given them as AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
const embeddedStores =
  !config.s3.endpoint || !config.dynamodb.endpoint
    ? await resolveEmbeddedCredentials(config.dataDir)
    : undefined

let embedded: EmbeddedS3 | undefined
if (!config.s3.endpoint && embeddedStores) {
  embedded = await startEmbeddedS3({
    host: config.embeddedS3Host,
    dataDir: config.dataDir,
    buckets: [config.uploadBucket, config.archiveBucket],
    corsOrigins: config.appOrigins,
    credentials: embeddedStores.credentials,
    region: config.s3.region,
    maxUploadBytes: config.maxUploadBytes,
  })
  config.s3 = {
    ...config.s3,
    endpoint: embedded.endpoint,
    forcePathStyle: true,
    credentials: embeddedStores.credentials,
  }
}

let embeddedDynamoDb: EmbeddedDynamoDb | undefined
if (!config.dynamodb.endpoint && embeddedStores) {
  embeddedDynamoDb = await startEmbeddedDynamoDb({
    dataDir: config.dataDir,
    table: config.recordsTable,
    region: config.dynamodb.region,
    credentials: embeddedStores.credentials,
  })
  config.dynamodb = {
    ...config.dynamodb,
    endpoint: embeddedDynamoDb.endpoint,
    credentials: embeddedStores.credentials,
  }
}

async function closeStores() {
  await embedded?.close()
  await embeddedDynamoDb?.close()
}

const adminKeys = await resolveAdminApiKeys(config.adminApiKeys, config.dataDir)
config.adminApiKeys = adminKeys.keys

const hookSecretsKey = config.hookSecretsKey
  ? undefined
  : await resolveHookSecretsKey(config.dataDir)
config.hookSecretsKey ??= hookSecretsKey?.key

const webRoot = existsSync(join(WEB_ROOT, 'index.html')) ? WEB_ROOT : undefined
const app = await buildApp(config, {
  webRoot,
  logger: localLogger(config.logLevel),
  // Every write to the embedded S3 passes through it, a second process's too: renders here are
  // told of each change rather than asking S3 for a cached picture's ETag.
  objectChanges: embedded?.changes,
  // A second without renders, then glibc gives back what it kept from them.
  trimAfterIdleMs: 1000,
})

let stopping = false
async function stop(signal: string) {
  stopping = true
  console.log(`\nmeme-studio: ${signal} received, stopping…`)
  await app.close()
  await closeStores()
  process.exit(0)
}
process.once('SIGINT', () => void stop('SIGINT'))
process.once('SIGTERM', () => void stop('SIGTERM'))

// Before listening, so that no request sees the table half filled.
await app.ready()
await migrateRecordsFromS3(app, config)
// A key that does not open the stored secrets stops the start; a store that is down does not
// (the hooks are sealed on their next write, or at the next start).
try {
  await sealStoredHookSecrets(app.records)
} catch (error) {
  if (!(error instanceof SecretBoxError)) {
    app.log.warn({ err: error }, 'hook secrets not sealed yet; the next start tries again')
  } else {
    await app.close()
    await closeStores()
    fail(error.message)
  }
}

try {
  await app.listen({ host: config.host, port: config.port })
} catch (error) {
  await closeStores()
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE') fail(`port ${config.port} is in use; set PORT to another one`)
  throw error
}

// In the background, once listening: a gallery asking meanwhile waits for the same drawing.
app.templates.prepareStarters().catch((error: unknown) => {
  if (!stopping)
    app.log.warn({ err: error }, 'starter templates not stored yet; drawn on first use')
})

const address = app.server.address()
const port = typeof address === 'object' && address ? address.port : config.port
const host = config.host.includes(':') ? `[${config.host}]` : config.host
console.log(
  [
    '',
    `  meme-studio is running at http://${host}:${port}/`,
    `  API docs:      http://${host}:${port}/api/docs`,
    `  admin API key: ${describeAdminKeys(adminKeys.keys, adminKeys.origin, generatedKeyFile(resolve(config.dataDir)))}`,
    embedded
      ? `  storage:       embedded S3 at ${embedded.endpoint}, listening on ${embedded.listening} (files in ${join(resolve(config.dataDir), 's3')})`
      : `  storage:       ${config.s3.endpoint ?? `AWS S3 (${config.s3.region})`}`,
    embeddedDynamoDb
      ? `  records:       embedded DynamoDB at ${embeddedDynamoDb.endpoint}, listening on ${embeddedDynamoDb.listening} (files in ${join(resolve(config.dataDir), 'dynamodb')})`
      : `  records:       ${config.dynamodb.endpoint ?? `AWS DynamoDB (${config.dynamodb.region})`}, table ${config.recordsTable}`,
    webRoot ? '' : '  web app:       not built; run `pnpm --filter @meme-studio/web build`',
    '',
    '  A second process shares these stores when started with another PORT and DATA_DIR and:',
    ...sharedSettings().map((line) => `    ${line}`),
    '',
    '  Press Ctrl-C to stop.',
    '',
  ].join('\n'),
)

/**
 * What a second `pnpm start` needs to use this process's stores and see the same records,
 * as `VAR=value` lines: endpoints, the credentials the embedded stores take (from the
 * environment in the second process, through the SDK's default chain), names and a generated admin key.
 */
function sharedSettings(): string[] {
  const settings: Record<string, string | undefined> = {
    S3_ENDPOINT: config.s3.endpoint,
    S3_REGION: config.s3.region,
    S3_BUCKET: config.uploadBucket,
    ARCHIVE_BUCKET: config.archiveBucket,
    DYNAMODB_ENDPOINT: config.dynamodb.endpoint,
    RECORDS_TABLE: config.recordsTable,
    JOBS_QUEUE_URL: config.queues.jobsUrl,
    ARCHIVES_QUEUE_URL: config.queues.archivesUrl,
    SQS_ENDPOINT: config.queues.endpoint,
    // The embedded queue's semantics must be the same in every process that polls it.
    QUEUE_VISIBILITY_SECONDS: String(config.queues.visibilitySeconds),
    QUEUE_MAX_RECEIVES: String(config.queues.maxReceives),
    EVENTS_STATE_MACHINE_ARN: config.events.stateMachineArn,
    STEP_FUNCTIONS_ENDPOINT: config.events.stepFunctionsEndpoint,
    // A generated key only: configured keys are never printed (the second process is given
    // the same ADMIN_API_KEYS by whoever gave them to this one).
    ADMIN_API_KEYS: adminKeys.origin === 'configured' ? undefined : adminKeys.keys[0]?.key,
    // Likewise a generated key only: without it the second process opens no hook's secrets.
    HOOK_SECRETS_KEY: hookSecretsKey?.key,
    ...(embeddedStores
      ? {
          AWS_ACCESS_KEY_ID: embeddedStores.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: embeddedStores.credentials.secretAccessKey,
        }
      : {}),
  }
  return Object.entries(settings)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([name, value]) => `${name}=${value}`)
}
