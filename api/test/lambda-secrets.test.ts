import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadConfig } from '../src/config.ts'
import { RefreshingSecret, discordUrlFromSecret, resolveSecretEnv } from '../src/lambda-secrets.ts'
import { secretArn, startFakeSecretsManager } from './support/fake-secrets-manager.ts'
import { startStalledServer } from './support/stalled-server.ts'

const ADMIN = secretArn('MemeStudioApi-AdminApiKey')
const GITHUB = secretArn('MemeStudioApi-GithubWebhookSecret')
const DISCORD = secretArn('MemeStudioApi-DiscordWebhookUrl')
const PLACEHOLDER = secretArn('Placeholder-DiscordWebhookUrl')
const TOKEN = secretArn('MemeStudioApi-GithubToken')
const HOOK_KEY = secretArn('MemeStudioApi-HookSecretsKey')
const TOOLS = secretArn('MemeStudioApi-ToolsApiKey')
const JOBS = secretArn('MemeStudioApi-JobsApiKey')
const DISCORD_URL = 'https://discord.com/api/webhooks/123/abc'

let sm: Awaited<ReturnType<typeof startFakeSecretsManager>>
let client: SecretsManagerClient

beforeAll(async () => {
  sm = await startFakeSecretsManager({
    [ADMIN]: 'admin-key-from-secret',
    [GITHUB]: 'github-secret-from-secret',
    [DISCORD]: DISCORD_URL,
    [PLACEHOLDER]: 'Xq3vGgk2LrT9pW0aZcY7hJ1mN4bD8eF6sUoQiKlE',
    [TOKEN]: 'github_pat_from_secret',
    [HOOK_KEY]: 'hook-secrets-key-from-secret-32-characters-long',
    [TOOLS]: 'tools-key-from-secret\n',
    [JOBS]: 'jobs-key-from-secret',
  })
  client = new SecretsManagerClient({
    endpoint: sm.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  })
})
afterAll(() => sm.close())
afterEach(() => {
  sm.requests.length = 0
  vi.restoreAllMocks()
})

describe('resolveSecretEnv: the scoped API keys', () => {
  it('joins the tools and jobs keys to the admin key in ADMIN_API_KEYS as key:scope', async () => {
    const env = {
      ADMIN_API_KEYS_SECRET_ARN: ADMIN,
      TOOLS_API_KEY_SECRET_ARN: TOOLS,
      JOBS_API_KEY_SECRET_ARN: JOBS,
    }
    const resolved = await resolveSecretEnv(env, client)
    expect(resolved.ADMIN_API_KEYS).toBe(
      'admin-key-from-secret,tools-key-from-secret:tools,jobs-key-from-secret:jobs',
    )
    expect(loadConfig(resolved).adminApiKeys).toEqual([
      { key: 'admin-key-from-secret', scope: 'admin' },
      { key: 'tools-key-from-secret', scope: 'tools' },
      { key: 'jobs-key-from-secret', scope: 'jobs' },
    ])
    expect([...sm.requests].sort()).toEqual([ADMIN, JOBS, TOOLS].sort())
  })

  it('reads none of them when ADMIN_API_KEYS is set directly', async () => {
    const resolved = await resolveSecretEnv(
      { ADMIN_API_KEYS: 'k:tools', TOOLS_API_KEY_SECRET_ARN: TOOLS, JOBS_API_KEY_SECRET_ARN: JOBS },
      client,
    )
    expect(resolved).toEqual({ ADMIN_API_KEYS: 'k:tools' })
    expect(sm.requests).toEqual([])
  })

  it('fails the cold start naming the variable when a key cannot be read, never a value', async () => {
    await expect(
      resolveSecretEnv(
        { ADMIN_API_KEYS_SECRET_ARN: ADMIN, TOOLS_API_KEY_SECRET_ARN: secretArn('Gone') },
        client,
      ),
    ).rejects.toThrow(
      /ADMIN_API_KEYS: could not read secret "Gone.*" \(from TOOLS_API_KEY_SECRET_ARN\)/,
    )
  })
})

describe('resolveSecretEnv', () => {
  it('fills in all three variables from their secrets', async () => {
    const env = {
      LOG_LEVEL: 'info',
      ADMIN_API_KEYS_SECRET_ARN: ADMIN,
      GITHUB_WEBHOOK_SECRET_ARN: GITHUB,
      DISCORD_WEBHOOK_URL_SECRET_ARN: DISCORD,
    }
    const resolved = await resolveSecretEnv(env, client)
    expect(resolved).toEqual({
      ...env,
      ADMIN_API_KEYS: 'admin-key-from-secret',
      GITHUB_WEBHOOK_SECRET: 'github-secret-from-secret',
      DISCORD_WEBHOOK_URL: DISCORD_URL,
    })
    expect(resolved).not.toBe(env)
    expect(env).not.toHaveProperty('ADMIN_API_KEYS')
    expect([...sm.requests].sort()).toEqual([ADMIN, DISCORD, GITHUB].sort())
  })

  it('fills in HOOK_SECRETS_KEY from HOOK_SECRETS_KEY_SECRET_ARN', async () => {
    const resolved = await resolveSecretEnv({ HOOK_SECRETS_KEY_SECRET_ARN: HOOK_KEY }, client)
    expect(resolved.HOOK_SECRETS_KEY).toBe('hook-secrets-key-from-secret-32-characters-long')
    expect(sm.requests).toEqual([HOOK_KEY])
  })

  it('fills in GITHUB_TOKEN from GITHUB_TOKEN_SECRET_ARN', async () => {
    const resolved = await resolveSecretEnv({ GITHUB_TOKEN_SECRET_ARN: TOKEN }, client)
    expect(resolved.GITHUB_TOKEN).toBe('github_pat_from_secret')
    expect(sm.requests).toEqual([TOKEN])
  })

  it('leaves out the ARN of a value set directly, so nothing reads that secret later', async () => {
    const resolved = await resolveSecretEnv(
      { DISCORD_WEBHOOK_URL: DISCORD_URL, DISCORD_WEBHOOK_URL_SECRET_ARN: DISCORD },
      client,
    )
    expect(resolved).toEqual({ DISCORD_WEBHOOK_URL: DISCORD_URL })
    expect(sm.requests).toEqual([])
  })

  it('keeps a value set directly and does not read its secret', async () => {
    const resolved = await resolveSecretEnv(
      { ADMIN_API_KEYS: 'explicit-key', ADMIN_API_KEYS_SECRET_ARN: ADMIN },
      client,
    )
    expect(resolved.ADMIN_API_KEYS).toBe('explicit-key')
    expect(sm.requests).toEqual([])
  })

  it('treats the generated Discord placeholder as unset, without printing it', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const resolved = await resolveSecretEnv({ DISCORD_WEBHOOK_URL_SECRET_ARN: PLACEHOLDER }, client)
    expect(resolved).not.toHaveProperty('DISCORD_WEBHOOK_URL')
    expect(sm.requests).toEqual([PLACEHOLDER])
    expect(stderr).toHaveBeenCalledTimes(1)
    const notice = String(stderr.mock.calls[0]?.[0])
    expect(notice).toMatch(/^DISCORD_WEBHOOK_URL: .*\n$/)
    expect(notice).not.toContain('Xq3vGgk2')
  })

  it('rejects naming the variable and the secret when a secret is missing', async () => {
    const missing = secretArn('MemeStudioApi-Gone')
    const result = resolveSecretEnv(
      { ADMIN_API_KEYS_SECRET_ARN: ADMIN, GITHUB_WEBHOOK_SECRET_ARN: missing },
      client,
    )
    await expect(result).rejects.toThrow(/^GITHUB_WEBHOOK_SECRET: .*"MemeStudioApi-Gone-AbCdEf"/)
    await expect(result).rejects.toThrow(/ResourceNotFoundException/)
    await expect(result).rejects.not.toThrow(/admin-key-from-secret/)
  })

  it('returns the environment unchanged and asks nothing when no ARN is set', async () => {
    const env = { ADMIN_API_KEYS: 'k1,k2', LOG_LEVEL: 'warn' }
    expect(await resolveSecretEnv(env, client)).toEqual(env)
    expect(sm.requests).toEqual([])
  })
})

describe('resolveSecretEnv at cold start, with a Secrets Manager that never answers', () => {
  it('fails naming the variable within 10 s instead of waiting for ever', async () => {
    const stalled = await startStalledServer()
    // The cold start's own client, pointed at the stand-in the way the SDK allows.
    vi.stubEnv('AWS_REGION', 'us-east-1')
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'test')
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test')
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', stalled.endpoint)
    const started = performance.now()
    try {
      await expect(resolveSecretEnv({ ADMIN_API_KEYS_SECRET_ARN: ADMIN })).rejects.toThrow(
        /^ADMIN_API_KEYS: could not read secret .*TimeoutError/,
      )
      expect(performance.now() - started).toBeLessThan(10_000)
      expect(stalled.accepted()).toBeGreaterThan(0)
    } finally {
      vi.unstubAllEnvs()
      await stalled.close()
    }
  }, 30_000)
})

describe('RefreshingSecret', () => {
  function discordSecret(secretId: string, clock: { now: number }, initial?: string) {
    return new RefreshingSecret({
      client: () => client,
      name: 'DISCORD_WEBHOOK_URL',
      secretId,
      parse: discordUrlFromSecret,
      initial,
      ttlMs: 60_000,
      now: () => clock.now,
    })
  }

  it('keeps the value it has for a minute, then reads the secret again before answering', async () => {
    const clock = { now: 0 }
    const secret = discordSecret(DISCORD, clock, 'https://discord.com/api/webhooks/1/old')
    expect(await secret.value()).toBe('https://discord.com/api/webhooks/1/old')
    clock.now = 59_999
    expect(await secret.value()).toBe('https://discord.com/api/webhooks/1/old')
    expect(sm.requests).toEqual([])
    clock.now = 60_000
    expect(await secret.value()).toBe(DISCORD_URL)
    expect(await secret.value()).toBe(DISCORD_URL)
    expect(sm.requests).toEqual([DISCORD])
  })

  it('reads once for callers that ask together', async () => {
    const clock = { now: 0 }
    const secret = discordSecret(DISCORD, clock)
    clock.now = 60_000
    const values = await Promise.all([secret.value(), secret.value(), secret.value()])
    expect(values).toEqual([DISCORD_URL, DISCORD_URL, DISCORD_URL])
    expect(sm.requests).toEqual([DISCORD])
  })

  it('treats a placeholder as no URL', async () => {
    const clock = { now: 60_000 }
    const secret = discordSecret(PLACEHOLDER, clock, DISCORD_URL)
    clock.now = 120_000
    expect(await secret.value()).toBeUndefined()
  })

  it('keeps the last value when the secret cannot be read, and tries again a minute later', async () => {
    const clock = { now: 0 }
    const errors: Error[] = []
    const secret = new RefreshingSecret({
      client: () => client,
      name: 'DISCORD_WEBHOOK_URL',
      secretId: secretArn('MemeStudioApi-Gone'),
      parse: discordUrlFromSecret,
      initial: DISCORD_URL,
      ttlMs: 60_000,
      now: () => clock.now,
      onError: (error) => errors.push(error),
    })
    clock.now = 60_000
    expect(await secret.value()).toBe(DISCORD_URL)
    expect(errors.map((error) => error.message)).toEqual([
      expect.stringContaining('DISCORD_WEBHOOK_URL: could not read secret "MemeStudioApi-Gone'),
    ])
    expect(await secret.value()).toBe(DISCORD_URL)
    expect(sm.requests).toHaveLength(1)
  })
})
