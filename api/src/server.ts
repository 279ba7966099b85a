/**
 * The local runner: config from the environment, the embedded S3 when no S3_ENDPOINT is
 * given, the built SPA, and a listening server that stops cleanly on Ctrl-C.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { resolveAdminApiKeys } from './services/access/admin-api-keys.ts'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { EMBEDDED_S3_CREDENTIALS, startEmbeddedS3, type EmbeddedS3 } from './embedded-s3.ts'

const WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url))

function fail(message: string): never {
  console.error(`meme-studio: ${message}`)
  process.exit(1)
}

let config
try {
  config = loadConfig(process.env)
} catch (error) {
  if (error instanceof ConfigError) fail(`configuration error: ${error.message}`)
  throw error
}

let embedded: EmbeddedS3 | undefined
if (!config.s3.endpoint) {
  embedded = await startEmbeddedS3({
    host: config.host,
    dataDir: config.dataDir,
    buckets: [config.uploadBucket, config.archiveBucket],
    corsOrigins: config.appOrigins,
  })
  config.s3 = {
    ...config.s3,
    endpoint: embedded.endpoint,
    forcePathStyle: true,
    credentials: EMBEDDED_S3_CREDENTIALS,
  }
}

const adminKeys = await resolveAdminApiKeys(config.adminApiKeys, config.dataDir)
config.adminApiKeys = adminKeys.keys

const webRoot = existsSync(join(WEB_ROOT, 'index.html')) ? WEB_ROOT : undefined
const app = await buildApp(config, {
  webRoot,
  logger: { level: config.logLevel },
})

async function stop(signal: string) {
  console.log(`\nmeme-studio: ${signal} received, stopping…`)
  await app.close()
  await embedded?.close()
  process.exit(0)
}
process.once('SIGINT', () => void stop('SIGINT'))
process.once('SIGTERM', () => void stop('SIGTERM'))

try {
  await app.listen({ host: config.host, port: config.port })
} catch (error) {
  await embedded?.close()
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE') fail(`port ${config.port} is in use; set PORT to another one`)
  throw error
}

const address = app.server.address()
const port = typeof address === 'object' && address ? address.port : config.port
const host = config.host.includes(':') ? `[${config.host}]` : config.host
console.log(
  [
    '',
    `  meme-studio is running at http://${host}:${port}/`,
    `  API docs:      http://${host}:${port}/api/docs`,
    `  admin API key: ${adminKeys.keys[0]}${
      config.adminApiKeys.length > 1 ? ` (and ${config.adminApiKeys.length - 1} more)` : ''
    }${adminKeys.generated ? ` (new; kept in ${join(resolve(config.dataDir), 'admin-api-key')})` : ''}`,
    embedded
      ? `  storage:       embedded S3 at ${embedded.endpoint} (files in ${join(resolve(config.dataDir), 's3')})`
      : `  storage:       ${config.s3.endpoint ?? `AWS S3 (${config.s3.region})`}`,
    webRoot ? '' : '  web app:       not built; run `pnpm --filter @meme-studio/web build`',
    '  Press Ctrl-C to stop.',
    '',
  ].join('\n'),
)
