import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { resolveSecretEnv } from '../src/lambda-secrets.ts'
import { secretArn, startFakeSecretsManager } from './support/fake-secrets-manager.ts'

const ADMIN = secretArn('MemeStudioApi-AdminApiKey')
const GITHUB = secretArn('MemeStudioApi-GithubWebhookSecret')
const DISCORD = secretArn('MemeStudioApi-DiscordWebhookUrl')
const PLACEHOLDER = secretArn('Placeholder-DiscordWebhookUrl')
const DISCORD_URL = 'https://discord.com/api/webhooks/123/abc'

let sm: Awaited<ReturnType<typeof startFakeSecretsManager>>
let client: SecretsManagerClient

beforeAll(async () => {
  sm = await startFakeSecretsManager({
    [ADMIN]: 'admin-key-from-secret',
    [GITHUB]: 'github-secret-from-secret',
    [DISCORD]: DISCORD_URL,
    [PLACEHOLDER]: 'Xq3vGgk2LrT9pW0aZcY7hJ1mN4bD8eF6sUoQiKlE',
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
