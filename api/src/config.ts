/**
 * The app's configuration, read from the environment once at start. Routes never read
 * `process.env`; a bad value stops the process with a message naming the variable.
 */
import { availableParallelism } from 'node:os'
import type { S3ClientConfig } from '@aws-sdk/client-s3'
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager'
import { API_KEY_SCOPES, type ApiKeyScope } from '@meme-studio/meme-core/schema'

export interface S3Settings {
  /** Unset: the AWS endpoint for the region (or, locally, the embedded S3 fills it in). */
  endpoint?: string
  region: string
  forcePathStyle: boolean
  /** Unset: the SDK's default credential chain (Lambda role, profile, env). */
  credentials?: S3ClientConfig['credentials']
}

/** The records table's DynamoDB (`DYNAMODB_ENDPOINT`); the region is S3's. */
export interface DynamoDbSettings {
  /** Unset: AWS's endpoint for the region (or, locally, the embedded DynamoDB fills it in). */
  endpoint?: string
  region: string
  /** Unset: the SDK's default credential chain (Lambda role, profile, env). */
  credentials?: S3ClientConfig['credentials']
}

/** The app's queues: SQS where a queue's URL is set, else the embedded queue. */
export interface QueueSettings {
  jobsUrl?: string
  archivesUrl?: string
  /** `SQS_ENDPOINT`: unset, AWS's for the region (S3's); set for stand-ins and tests. */
  endpoint?: string
  region: string
  /** Unset: the SDK's default credential chain (Lambda role, profile, env). */
  credentials?: S3ClientConfig['credentials']
  /**
   * `QUEUE_VISIBILITY_SECONDS`: how long a message received by the embedded queue stays
   * hidden before another try may take it; longer than a render. On AWS the queue's own
   * visibility timeout applies (the stack sets it); a job's lease is derived from this one.
   */
  visibilitySeconds: number
  /**
   * `QUEUE_MAX_RECEIVES`: receives before a message goes to the dead-letter queue (SQS's
   * maxReceiveCount, which the stack sets on AWS).
   */
  maxReceives: number
}

/** Where secrets are read again while the app runs (see `discordWebhookUrlSecretArn`). */
export interface SecretsManagerSettings {
  /** `SECRETS_MANAGER_ENDPOINT`; unset: AWS's, for the region the SDK finds (Lambda's). */
  endpoint?: string
  /** Unset: the SDK's (`AWS_REGION`, which Lambda sets). */
  region?: string
  /** Unset: the SDK's default credential chain (the Lambda role). */
  credentials?: SecretsManagerClientConfig['credentials']
}

/**
 * How much rendering one process takes on. A render keeps a core busy (decoding and
 * encoding on libvips' threads, layout and blending on the event loop), so the process runs
 * about as many at once as it has cores and queues one per core: a render waits at most
 * about one render's time for its turn, and a request beyond that is told BUSY at once
 * rather than kept waiting seconds. Decoded pictures are what fill memory: a 2048×1536 RGB
 * picture is 9 MiB, and the 40-megapixel upload it may come from is up to 160 MiB while
 * libvips decodes it. The defaults aim to keep a busy process near 512 MiB (Node, the app
 * and its native libraries take ~180 MiB of that): at most 256 MiB held by renders, and
 * 32 MiB of decoded pictures kept for re-renders (three at the largest default size,
 * thirteen at 1024×768).
 */
export interface RenderSettings {
  /** `RENDER_CONCURRENCY`: renders that work on the cores at once; the cores by default. */
  concurrency: number
  /**
   * `RENDER_MEMORY_BYTES`: bytes renders may hold at once: decoded pixels, and uploads
   * being read (counted at MAX_UPLOAD_BYTES each until their size is known).
   */
  maxBytesInFlight: number
  /**
   * `RENDER_QUEUE_LENGTH`: renders that may be in flight beyond those (reading their
   * picture, or waiting for their turn or for memory) before others are refused with 503
   * BUSY; one for every two renders at once by default (at least one). With one per core,
   * 16 clients on 2 cores waited 3.5 to 5.9 times one client's p50 at the 95th percentile;
   * with one for two, 2.8 to 4.7 times (README, Performance).
   */
  maxQueued: number
  /** `PICTURE_CACHE_BYTES`: decoded pictures kept for re-renders; 0 keeps none. */
  cacheBytes: number
}

export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH'

export interface AppConfig {
  logLevel: string
  host: string
  port: number
  s3: S3Settings
  uploadBucket: string
  archiveBucket: string
  dynamodb: DynamoDbSettings
  /**
   * `RECORDS_TABLE`: the DynamoDB table of the app's records (jobs, hooks, deliveries,
   * idempotency keys, settings); S3 keeps the bytes.
   */
  recordsTable: string
  /**
   * The SQS queues background work goes through (`JOBS_QUEUE_URL`, `ARCHIVES_QUEUE_URL`).
   * Unset: the embedded queue, kept in the records table, which this process consumes.
   */
  queues: QueueSettings
  dataDir: string
  /**
   * `EMBEDDED_S3_HOST`: where the local runner's embedded S3 listens, loopback unless set on
   * purpose (an address on the LAN, to upload from a phone). Not HOST: the site may listen
   * on every interface while the stores stay local. The embedded DynamoDB is always loopback.
   */
  embeddedS3Host: string
  maxUploadBytes: number
  maxPixels: number
  /** Pictures are scaled down to this longer edge before captions are drawn. */
  maxEdge: number
  render: RenderSettings
  /**
   * `ADMIN_API_KEYS`: the API keys and what each may use. Empty: the local runner generates
   * one admin key and keeps it in `dataDir`.
   */
  adminApiKeys: ScopedApiKey[]
  usage: { rate: number; burst: number; quota: number; quotaPeriod: QuotaPeriod }
  /**
   * `PUBLIC_ORIGIN`: where people and GitHub reach the site (`https://memes.example`), the one
   * source of every public link the app builds: share pages, the Discord share link, webhook
   * Payload URLs. Never the request's Host: behind CloudFront that is API Gateway's own host,
   * without the stage.
   */
  publicOrigin: string
  /** Origins allowed to upload to the embedded S3 from a browser. */
  appOrigins: string[]
  github: { webhookSecret?: string; baseUrl: string; token?: string }
  /**
   * `HOOK_SECRETS_KEY` (on Lambda from `HOOK_SECRETS_KEY_SECRET_ARN`): what hook secrets are
   * sealed with in the records table. Unset: the local runner generates one into DATA_DIR.
   */
  hookSecretsKey?: string
  httpsProxy?: string
  discordWebhookUrl?: string
  /**
   * `DISCORD_WEBHOOK_URL_SECRET_ARN`, when the URL came from that secret (on Lambda): the
   * notifier reads it again when its value is a minute old, so a new URL takes effect without
   * a cold start. Unset when `DISCORD_WEBHOOK_URL` was given directly.
   */
  discordWebhookUrlSecretArn?: string
  secretsManager: SecretsManagerSettings
  events: {
    /**
     * `EVENTS_AUTH`: `sigv4` (the app verifies the signature against the keys below) or
     * `api-gateway-iam` (on Lambda behind API Gateway's IAM authorization, which has already
     * verified it: the app only checks that the request came with an IAM identity).
     */
    auth: EventsAuth
    accessKeyId?: string
    secretAccessKey?: string
    /**
     * `EVENTS_STATE_MACHINE_ARN`: the Step Functions state machine that delivers events to
     * Discord. Unset: the same definition runs in this process (aws-local-stepfunctions).
     */
    stateMachineArn?: string
    /** `STEP_FUNCTIONS_ENDPOINT`: unset, AWS's for the region (S3's); set for stand-ins. */
    stepFunctionsEndpoint?: string
    /** Unset: the SDK's default credential chain (the Lambda role); tests set their own. */
    stepFunctionsCredentials?: S3ClientConfig['credentials']
  }
}

export type EventsAuth = 'sigv4' | 'api-gateway-iam'

/** An API key and its scope (`ADMIN_API_KEYS=key:scope,…`). */
export interface ScopedApiKey {
  key: string
  scope: ApiKeyScope
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`)
    this.name = 'ConfigError'
  }
}

type Env = Record<string, string | undefined>

const MIB = 1024 * 1024

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value ? value : undefined
}

/** Key material used as given (HKDF does not stretch it): long enough to be guessed by no one. */
function hookSecretsKey(env: Env): string | undefined {
  const value = text(env, 'HOOK_SECRETS_KEY')
  if (value !== undefined && value.length < 32) {
    throw new ConfigError('HOOK_SECRETS_KEY', `must be at least 32 characters, got ${value.length}`)
  }
  return value
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`)
  }
  return value
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = text(env, name)?.toLowerCase()
  if (raw === undefined) return fallback
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new ConfigError(name, `must be true or false, got "${raw}"`)
}

function url(env: Env, name: string, fallback?: string): string | undefined {
  const raw = text(env, name) ?? fallback
  if (raw === undefined) return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got "${raw}"`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`)
  }
  return raw.replace(/\/+$/, '')
}

/** An absolute http(s) origin: scheme, host and port, no path, query or credentials. */
function origin(env: Env, name: string, fallback: string): string {
  const raw = text(env, name) ?? fallback
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) origin, got "${raw}"`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) origin, got "${raw}"`)
  }
  if (
    parsed.pathname !== '/' ||
    parsed.search ||
    parsed.hash ||
    parsed.username ||
    parsed.password
  ) {
    throw new ConfigError(
      name,
      `must be an origin alone (scheme, host, port), without a path, got "${raw}"`,
    )
  }
  return parsed.origin
}

function list(env: Env, name: string): string[] {
  return (text(env, name) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
}

/**
 * `key:scope,…`, a plain `key` being an admin key. An entry with a ':' in it is scoped: what
 * follows its last ':' must be a scope, so a key that itself contains ':' is written with its
 * scope (`a:b:admin`). An empty key, an unknown scope, or one key given two scopes is refused.
 * Errors name the entry by position, never by its text: it is a secret.
 */
function scopedApiKeys(env: Env, name: string): ScopedApiKey[] {
  const entries = list(env, name)
  const keys = new Map<string, ScopedApiKey>()
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1} of ${entries.length}`
    const at = entry.lastIndexOf(':')
    const scope = at === -1 ? 'admin' : API_KEY_SCOPES.find((s) => s === entry.slice(at + 1))
    if (!scope) {
      throw new ConfigError(
        name,
        `${where} ends in an unknown scope: write key:tools, key:jobs, key:admin or the key alone (admin)`,
      )
    }
    const key = at === -1 ? entry : entry.slice(0, at).trim()
    if (key === '') throw new ConfigError(name, `${where} has a scope but no key`)
    const earlier = keys.get(key)
    if (earlier && earlier.scope !== scope) {
      throw new ConfigError(name, `${where} gives a key listed before another scope`)
    }
    keys.set(key, { key, scope })
  })
  return [...keys.values()]
}

/** S3 bucket naming rules, so a typo fails at start rather than on the first upload. */
function bucket(env: Env, name: string, fallback: string): string {
  const value = text(env, name) ?? fallback
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) || value.includes('..')) {
    throw new ConfigError(name, `must be a valid S3 bucket name, got "${value}"`)
  }
  return value
}

/** DynamoDB's table naming rules. */
function tableName(env: Env, name: string, fallback: string): string {
  const value = text(env, name) ?? fallback
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(value)) {
    throw new ConfigError(name, `must be a valid DynamoDB table name, got "${value}"`)
  }
  return value
}

function oneOf<T extends string>(env: Env, name: string, options: readonly T[], fallback: T): T {
  const raw = text(env, name)
  if (raw === undefined) return fallback
  const value = raw.toUpperCase()
  if (!(options as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${options.join(', ')}, got "${raw}"`)
  }
  return value as T
}

function eventsAuth(env: Env): EventsAuth {
  const raw = text(env, 'EVENTS_AUTH')
  if (raw === undefined) return 'sigv4'
  const value = raw.toLowerCase()
  if (value !== 'sigv4' && value !== 'api-gateway-iam') {
    throw new ConfigError('EVENTS_AUTH', `must be one of sigv4, api-gateway-iam, got "${raw}"`)
  }
  return value
}

export function loadConfig(env: Env): AppConfig {
  const host = text(env, 'HOST') ?? '127.0.0.1'
  const port = integer(env, 'PORT', 3000, 0, 65535)
  const endpoint = url(env, 'S3_ENDPOINT')
  const dynamodbEndpoint = url(env, 'DYNAMODB_ENDPOINT')
  const region = text(env, 'S3_REGION') ?? 'us-east-1'
  const secretsManagerEndpoint = url(env, 'SECRETS_MANAGER_ENDPOINT')
  const renderConcurrency = integer(env, 'RENDER_CONCURRENCY', availableParallelism(), 1, 1024)
  const accessKeyId = text(env, 'EVENTS_ACCESS_KEY_ID')
  const secretAccessKey = text(env, 'EVENTS_SECRET_ACCESS_KEY')
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) {
    throw new ConfigError(
      accessKeyId ? 'EVENTS_SECRET_ACCESS_KEY' : 'EVENTS_ACCESS_KEY_ID',
      'must be set together with its pair',
    )
  }
  const uploadBucket = bucket(env, 'S3_BUCKET', 'meme-studio-uploads')
  const archiveBucket = bucket(env, 'ARCHIVE_BUCKET', 'meme-studio-archives')
  if (uploadBucket === archiveBucket) {
    throw new ConfigError('ARCHIVE_BUCKET', 'must differ from S3_BUCKET')
  }
  const localOrigins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`]
  const localOrigin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  return {
    logLevel: oneOf(
      env,
      'LOG_LEVEL',
      ['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'],
      'INFO',
    ).toLowerCase(),
    host,
    port,
    s3: {
      ...(endpoint ? { endpoint } : {}),
      region,
      forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', endpoint !== undefined),
    },
    uploadBucket,
    archiveBucket,
    dynamodb: { ...(dynamodbEndpoint ? { endpoint: dynamodbEndpoint } : {}), region },
    recordsTable: tableName(env, 'RECORDS_TABLE', 'meme-studio-records'),
    queues: {
      ...(url(env, 'JOBS_QUEUE_URL') ? { jobsUrl: url(env, 'JOBS_QUEUE_URL') } : {}),
      ...(url(env, 'ARCHIVES_QUEUE_URL') ? { archivesUrl: url(env, 'ARCHIVES_QUEUE_URL') } : {}),
      ...(url(env, 'SQS_ENDPOINT') ? { endpoint: url(env, 'SQS_ENDPOINT') } : {}),
      region,
      // SQS allows 0 to 43 200 s; 0 would hand a message to the next poll while it runs.
      visibilitySeconds: integer(env, 'QUEUE_VISIBILITY_SECONDS', 120, 1, 43_200),
      // SQS's maxReceiveCount range.
      maxReceives: integer(env, 'QUEUE_MAX_RECEIVES', 3, 1, 1000),
    },
    dataDir: text(env, 'DATA_DIR') ?? '.data',
    embeddedS3Host: text(env, 'EMBEDDED_S3_HOST') ?? '127.0.0.1',
    maxUploadBytes: integer(env, 'MAX_UPLOAD_BYTES', 10 * 1024 * 1024, 1, 5 * 1024 ** 3),
    maxPixels: integer(env, 'MAX_PIXELS', 40_000_000, 1, 1_000_000_000),
    maxEdge: integer(env, 'MAX_EDGE', 2048, 256, 8192),
    render: {
      maxBytesInFlight: integer(env, 'RENDER_MEMORY_BYTES', 256 * MIB, MIB, 64 * 1024 * MIB),
      concurrency: renderConcurrency,
      maxQueued: integer(env, 'RENDER_QUEUE_LENGTH', Math.ceil(renderConcurrency / 2), 0, 10_000),
      cacheBytes: integer(env, 'PICTURE_CACHE_BYTES', 32 * MIB, 0, 64 * 1024 * MIB),
    },
    adminApiKeys: scopedApiKeys(env, 'ADMIN_API_KEYS'),
    usage: {
      rate: integer(env, 'USAGE_RATE', 10, 1, 1_000_000),
      burst: integer(env, 'USAGE_BURST', 20, 1, 1_000_000),
      quota: integer(env, 'USAGE_QUOTA', 10_000, 1, 1_000_000_000),
      quotaPeriod: oneOf(env, 'USAGE_QUOTA_PERIOD', ['DAY', 'WEEK', 'MONTH'], 'DAY'),
    },
    publicOrigin: origin(env, 'PUBLIC_ORIGIN', localOrigin),
    appOrigins: list(env, 'APP_ORIGINS').length ? list(env, 'APP_ORIGINS') : localOrigins,
    github: {
      webhookSecret: text(env, 'GITHUB_WEBHOOK_SECRET'),
      baseUrl: url(env, 'GITHUB_BASE_URL', 'https://github.com') as string,
      token: text(env, 'GITHUB_TOKEN'),
    },
    hookSecretsKey: hookSecretsKey(env),
    httpsProxy: url(env, 'HTTPS_PROXY'),
    discordWebhookUrl: url(env, 'DISCORD_WEBHOOK_URL'),
    discordWebhookUrlSecretArn: text(env, 'DISCORD_WEBHOOK_URL_SECRET_ARN'),
    secretsManager: secretsManagerEndpoint ? { endpoint: secretsManagerEndpoint } : {},
    events: {
      auth: eventsAuth(env),
      accessKeyId,
      secretAccessKey,
      ...(text(env, 'EVENTS_STATE_MACHINE_ARN')
        ? { stateMachineArn: text(env, 'EVENTS_STATE_MACHINE_ARN') }
        : {}),
      ...(url(env, 'STEP_FUNCTIONS_ENDPOINT')
        ? { stepFunctionsEndpoint: url(env, 'STEP_FUNCTIONS_ENDPOINT') }
        : {}),
    },
  }
}
