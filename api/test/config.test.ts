import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.ts'

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      s3: { region: 'us-east-1', forcePathStyle: false },
      uploadBucket: 'meme-studio-uploads',
      archiveBucket: 'meme-studio-archives',
      dataDir: '.data',
      maxUploadBytes: 10_485_760,
      maxPixels: 40_000_000,
      maxEdge: 2048,
      render: {
        concurrency: availableParallelism(),
        maxBytesInFlight: 256 * 1024 * 1024,
        maxQueued: Math.ceil(availableParallelism() / 2),
        cacheBytes: 32 * 1024 * 1024,
      },
      adminApiKeys: [],
      usage: { rate: 10, burst: 20, quota: 10_000, quotaPeriod: 'DAY' },
      appOrigins: ['http://127.0.0.1:3000', 'http://localhost:3000'],
      github: { baseUrl: 'https://github.com' },
    })
    expect(config.s3.endpoint).toBeUndefined()
  })

  it('links to the local server unless PUBLIC_ORIGIN says where the site is', () => {
    expect(loadConfig({}).publicOrigin).toBe('http://127.0.0.1:3000')
    expect(loadConfig({ HOST: '::1', PORT: '8080' }).publicOrigin).toBe('http://[::1]:8080')
    expect(loadConfig({ PUBLIC_ORIGIN: 'https://Memes.Example/' }).publicOrigin).toBe(
      'https://memes.example',
    )
    expect(loadConfig({ PUBLIC_ORIGIN: 'https://memes.example:8443' }).publicOrigin).toBe(
      'https://memes.example:8443',
    )
  })

  it.each([
    ['memes.example', 'must be an absolute http(s) origin'],
    ['ftp://memes.example', 'must be an http(s) origin'],
    ['https://memes.example/prod', 'without a path'],
    ['https://memes.example/?x=1', 'without a path'],
    ['https://user:pw@memes.example', 'without a path'],
  ])('refuses PUBLIC_ORIGIN %s', (value, problem) => {
    expect(() => loadConfig({ PUBLIC_ORIGIN: value })).toThrow(problem)
  })

  it('knows the Discord secret to read again, and where Secrets Manager is', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:discord-AbCdEf'
    expect(loadConfig({})).toMatchObject({ secretsManager: {} })
    expect(loadConfig({}).discordWebhookUrlSecretArn).toBeUndefined()
    const config = loadConfig({
      DISCORD_WEBHOOK_URL_SECRET_ARN: arn,
      SECRETS_MANAGER_ENDPOINT: 'http://127.0.0.1:4566/',
    })
    expect(config.discordWebhookUrlSecretArn).toBe(arn)
    expect(config.secretsManager).toEqual({ endpoint: 'http://127.0.0.1:4566' })
  })

  it('keeps the embedded S3 on loopback whatever HOST says, unless EMBEDDED_S3_HOST is set', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).embeddedS3Host).toBe('127.0.0.1')
    expect(loadConfig({ EMBEDDED_S3_HOST: '192.168.1.20' }).embeddedS3Host).toBe('192.168.1.20')
  })

  it('takes a HOOK_SECRETS_KEY of 32 characters or more', () => {
    expect(loadConfig({}).hookSecretsKey).toBeUndefined()
    expect(loadConfig({ HOOK_SECRETS_KEY: 'k'.repeat(32) }).hookSecretsKey).toBe('k'.repeat(32))
    expect(() => loadConfig({ HOOK_SECRETS_KEY: 'k'.repeat(31) })).toThrow(
      'HOOK_SECRETS_KEY must be at least 32 characters, got 31',
    )
  })

  it('uses path-style addressing when an endpoint is given', () => {
    const config = loadConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000/' })
    expect(config.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true })
    expect(
      loadConfig({ S3_ENDPOINT: 'http://x', S3_FORCE_PATH_STYLE: 'false' }).s3.forcePathStyle,
    ).toBe(false)
  })

  it('reads lists and periods', () => {
    const config = loadConfig({ ADMIN_API_KEYS: ' a, b ,,c ', USAGE_QUOTA_PERIOD: 'week' })
    expect(config.adminApiKeys).toEqual([
      { key: 'a', scope: 'admin' },
      { key: 'b', scope: 'admin' },
      { key: 'c', scope: 'admin' },
    ])
    expect(config.usage.quotaPeriod).toBe('WEEK')
  })

  it('reads each API key with its scope: key:scope, a plain key being admin', () => {
    const config = loadConfig({
      ADMIN_API_KEYS: 'k1:tools, k2:jobs ,k3:admin,k4,a:b:tools,c:d:admin,k1:tools',
    })
    expect(config.adminApiKeys).toEqual([
      { key: 'k1', scope: 'tools' },
      { key: 'k2', scope: 'jobs' },
      { key: 'k3', scope: 'admin' },
      { key: 'k4', scope: 'admin' },
      // A key may hold ':' when its scope is written after it.
      { key: 'a:b', scope: 'tools' },
      { key: 'c:d', scope: 'admin' },
    ])
  })

  it.each([
    ['s3cret-key:Tools', 'ADMIN_API_KEYS entry 1 of 1 ends in an unknown scope'],
    ['ok,s3cret-key:superuser', 'ADMIN_API_KEYS entry 2 of 2 ends in an unknown scope'],
    ['s3cret-key:', 'ADMIN_API_KEYS entry 1 of 1 ends in an unknown scope'],
    ['s3cret:key', 'ADMIN_API_KEYS entry 1 of 1 ends in an unknown scope'],
    [':tools', 'ADMIN_API_KEYS entry 1 of 1 has a scope but no key'],
    ['ok, :admin', 'ADMIN_API_KEYS entry 2 of 2 has a scope but no key'],
    ['s3cret-key:tools,s3cret-key', 'ADMIN_API_KEYS entry 2 of 2 gives a key listed before'],
  ])('refuses ADMIN_API_KEYS=%j without echoing a key', (value, problem) => {
    let error: unknown
    try {
      loadConfig({ ADMIN_API_KEYS: value })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    expect(message).toContain(problem)
    for (const secret of ['s3cret', 'superuser', 'Tools']) expect(message).not.toContain(secret)
  })

  it('reads the usage plan', () => {
    const config = loadConfig({
      USAGE_RATE: '1',
      USAGE_BURST: '1',
      USAGE_QUOTA: '1000000000',
      USAGE_QUOTA_PERIOD: 'Month',
    })
    expect(config.usage).toEqual({ rate: 1, burst: 1, quota: 1_000_000_000, quotaPeriod: 'MONTH' })
  })

  it('quotes a bad value as it was written', () => {
    expect(() => loadConfig({ USAGE_QUOTA_PERIOD: 'year' })).toThrow(
      'USAGE_QUOTA_PERIOD must be one of DAY, WEEK, MONTH, got "year"',
    )
  })

  it('reads the picture size and render limits', () => {
    const config = loadConfig({
      MAX_EDGE: '1024',
      RENDER_MEMORY_BYTES: '1048576',
      RENDER_QUEUE_LENGTH: '0',
      PICTURE_CACHE_BYTES: '0',
    })
    expect(config.maxEdge).toBe(1024)
    expect(config.render).toEqual({
      concurrency: availableParallelism(),
      maxBytesInFlight: 1_048_576,
      maxQueued: 0,
      cacheBytes: 0,
    })
    // As many renders at once as cores, and one waiting for every two, unless told otherwise.
    expect(loadConfig({ RENDER_CONCURRENCY: '3' }).render).toMatchObject({
      concurrency: 3,
      maxQueued: 2,
    })
    expect(loadConfig({ RENDER_CONCURRENCY: '1' }).render.maxQueued).toBe(1)
    expect(loadConfig({ RENDER_CONCURRENCY: '8' }).render.maxQueued).toBe(4)
    expect(loadConfig({}).render.maxQueued).toBe(Math.ceil(availableParallelism() / 2))
    expect(loadConfig({ MAX_EDGE: '256' }).maxEdge).toBe(256)
    expect(loadConfig({ MAX_EDGE: '8192' }).maxEdge).toBe(8192)
  })

  it('reads the queues: SQS by URL (and endpoint), else the embedded queue and its limits', () => {
    expect(loadConfig({}).queues).toEqual({
      region: 'us-east-1',
      visibilitySeconds: 120,
      maxReceives: 3,
    })
    const queues = loadConfig({
      JOBS_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/meme-studio-jobs',
      SQS_ENDPOINT: 'http://127.0.0.1:9324/',
      S3_REGION: 'eu-west-1',
      QUEUE_VISIBILITY_SECONDS: '1',
      QUEUE_MAX_RECEIVES: '10',
    }).queues
    expect(queues).toEqual({
      jobsUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/meme-studio-jobs',
      endpoint: 'http://127.0.0.1:9324',
      region: 'eu-west-1',
      visibilitySeconds: 1,
      maxReceives: 10,
    })
    expect(loadConfig({ QUEUE_VISIBILITY_SECONDS: '43200' }).queues.visibilitySeconds).toBe(43_200)
  })

  it('reads the Discord delivery state machine and where Step Functions is', () => {
    expect(loadConfig({}).events).toEqual({ auth: 'sigv4' })
    const events = loadConfig({
      EVENTS_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:delivery',
      STEP_FUNCTIONS_ENDPOINT: 'http://127.0.0.1:8083/',
    }).events
    expect(events).toMatchObject({
      stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:delivery',
      stepFunctionsEndpoint: 'http://127.0.0.1:8083',
    })
  })

  it('lets the app verify event signatures unless told to trust API Gateway', () => {
    expect(loadConfig({}).events.auth).toBe('sigv4')
    expect(loadConfig({ EVENTS_AUTH: 'SigV4' }).events.auth).toBe('sigv4')
    expect(loadConfig({ EVENTS_AUTH: 'api-gateway-iam' }).events.auth).toBe('api-gateway-iam')
    expect(() => loadConfig({ EVENTS_AUTH: 'none' })).toThrow(
      'EVENTS_AUTH must be one of sigv4, api-gateway-iam, got "none"',
    )
  })

  it.each([
    ['MAX_EDGE', '255'],
    ['QUEUE_VISIBILITY_SECONDS', '0'],
    ['QUEUE_VISIBILITY_SECONDS', '43201'],
    ['QUEUE_VISIBILITY_SECONDS', '2m'],
    ['QUEUE_MAX_RECEIVES', '0'],
    ['QUEUE_MAX_RECEIVES', '1001'],
    ['SQS_ENDPOINT', 'localhost:9324'],
    ['STEP_FUNCTIONS_ENDPOINT', 'localhost:8083'],
    ['JOBS_QUEUE_URL', 'sqs/meme-studio-jobs'],
    ['MAX_EDGE', '8193'],
    ['MAX_EDGE', 'large'],
    ['RENDER_MEMORY_BYTES', '1000'],
    ['RENDER_QUEUE_LENGTH', '-1'],
    ['RENDER_CONCURRENCY', '0'],
    ['PICTURE_CACHE_BYTES', '32MB'],
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['MAX_UPLOAD_BYTES', '-5'],
    ['MAX_UPLOAD_BYTES', '1e6'],
    ['MAX_PIXELS', '0'],
    ['S3_ENDPOINT', 'localhost:9000'],
    ['S3_ENDPOINT', 'ftp://files'],
    ['S3_FORCE_PATH_STYLE', 'maybe'],
    ['S3_BUCKET', 'Bad_Bucket'],
    ['ARCHIVE_BUCKET', 'meme-studio-uploads'],
    ['USAGE_RATE', 'fast'],
    ['USAGE_RATE', '0'],
    ['USAGE_BURST', '0'],
    ['USAGE_BURST', '2.5'],
    ['USAGE_QUOTA', '0'],
    ['USAGE_QUOTA', '-10'],
    ['USAGE_QUOTA', '1000000001'],
    ['USAGE_QUOTA_PERIOD', 'YEAR'],
    ['USAGE_QUOTA_PERIOD', 'HOUR'],
    ['GITHUB_BASE_URL', 'github.com'],
    ['DISCORD_WEBHOOK_URL', 'not a url'],
    ['EVENTS_ACCESS_KEY_ID', 'AKID'],
    ['EVENTS_AUTH', 'iam'],
    ['LOG_LEVEL', 'loud'],
  ])('stops on %s=%j with a message naming the variable', (variable, value) => {
    let error: unknown
    try {
      loadConfig({ [variable]: value })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const expected = variable === 'EVENTS_ACCESS_KEY_ID' ? 'EVENTS_SECRET_ACCESS_KEY' : variable
    expect((error as ConfigError).variable).toBe(expected)
    expect((error as ConfigError).message).toMatch(new RegExp(`^${expected} `))
  })
})
