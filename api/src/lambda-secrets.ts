/**
 * On Lambda the stack hands the app Secrets Manager ARNs, not secret values
 * (`ADMIN_API_KEYS_SECRET_ARN`, `GITHUB_WEBHOOK_SECRET_ARN`, `DISCORD_WEBHOOK_URL_SECRET_ARN`,
 * `GITHUB_TOKEN_SECRET_ARN`, `HOOK_SECRETS_KEY_SECRET_ARN`; the scoped API keys' `TOOLS_API_KEY_SECRET_ARN` and
 * `JOBS_API_KEY_SECRET_ARN`, which join ADMIN_API_KEYS). `resolveSecretEnv` reads them once at cold start, before
 * `loadConfig`, and fills in the variables they stand for. A variable set directly wins over
 * its ARN: its secret is not read, and the ARN is left out of the environment it returns, so
 * nothing reads it later either. The Discord URL is also read again while the function runs
 * (`RefreshingSecret`), so a new URL takes effect within a minute. Secrets are plain strings, used as stored (the stack's secrets are; a JSON key/value
 * secret is not unpacked). A secret that cannot be read fails the cold start, naming the
 * variable and the secret but never a value, rather than running without admin keys.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { SecretsManagerSettings } from './config.ts'

type Env = Record<string, string | undefined>

/**
 * The variables that may come from a secret, and the variable holding that secret's ARN, as
 * the stack sets them (`GITHUB_WEBHOOK_SECRET`'s is `GITHUB_WEBHOOK_SECRET_ARN`, not
 * `…_SECRET_SECRET_ARN`).
 */
export const SECRET_VARIABLES = {
  ADMIN_API_KEYS: 'ADMIN_API_KEYS_SECRET_ARN',
  GITHUB_WEBHOOK_SECRET: 'GITHUB_WEBHOOK_SECRET_ARN',
  DISCORD_WEBHOOK_URL: 'DISCORD_WEBHOOK_URL_SECRET_ARN',
  GITHUB_TOKEN: 'GITHUB_TOKEN_SECRET_ARN',
  // What hook secrets are sealed with in the records table (services/access/secret-box.ts).
  HOOK_SECRETS_KEY: 'HOOK_SECRETS_KEY_SECRET_ARN',
} as const

export type SecretVariable = keyof typeof SECRET_VARIABLES

/**
 * The scoped API keys, one secret each (the stack makes one per scope, as API Gateway has one
 * API key per scope in the usage plan). They join the admin key read from
 * `ADMIN_API_KEYS_SECRET_ARN` in ADMIN_API_KEYS as `key:scope` (config.ts), unless
 * ADMIN_API_KEYS is set directly, which then names every key.
 */
export const SCOPED_KEY_SECRETS = {
  tools: 'TOOLS_API_KEY_SECRET_ARN',
  jobs: 'JOBS_API_KEY_SECRET_ARN',
} as const

/** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>` → `<name>-<suffix>`. */
function secretName(secretId: string): string {
  const marker = ':secret:'
  const at = secretId.indexOf(marker)
  return at === -1 ? secretId : secretId.slice(at + marker.length)
}

/**
 * A Discord webhook URL: https, or http to this machine (a local stand-in). The secret the
 * stack creates holds a random placeholder until someone stores the URL: that is none.
 */
function isDiscordUrl(value: string): boolean {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)
  return url.protocol === 'https:' || (url.protocol === 'http:' && loopback)
}

async function readSecret(
  client: SecretsManagerClient,
  name: SecretVariable,
  secretId: string,
  from: string = SECRET_VARIABLES[name],
): Promise<string> {
  const where = `secret "${secretName(secretId)}" (from ${from})`
  let value: string | undefined
  try {
    value = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    throw new Error(`${name}: could not read ${where}: ${reason}`, { cause: error })
  }
  if (value === undefined) throw new Error(`${name}: ${where} has no string value`)
  return value
}

/**
 * A copy of `env` with each secret-backed variable filled in from its ARN, read in parallel.
 * Makes no request (and no client) when there is nothing to read. The Discord secret starts
 * as a generated placeholder until someone stores the webhook URL in it: any value that is
 * not an absolute https URL (or http to loopback) leaves `DISCORD_WEBHOOK_URL` unset, with a
 * one-line notice.
 */
export async function resolveSecretEnv(env: Env, client?: SecretsManagerClient): Promise<Env> {
  const names = Object.keys(SECRET_VARIABLES) as SecretVariable[]
  const resolved: Env = { ...env }
  for (const name of names) if (env[name]?.trim()) delete resolved[SECRET_VARIABLES[name]]
  const pending = names.flatMap((name) => {
    const secretId = env[SECRET_VARIABLES[name]]?.trim()
    return secretId && !env[name]?.trim() ? [{ name, secretId }] : []
  })

  const scopedKeys = Object.entries(SCOPED_KEY_SECRETS).flatMap(([scope, variable]) => {
    const secretId = env[variable]?.trim()
    if (env.ADMIN_API_KEYS?.trim()) delete resolved[variable]
    return secretId && !env.ADMIN_API_KEYS?.trim() ? [{ scope, variable, secretId }] : []
  })
  if (pending.length === 0 && scopedKeys.length === 0) return resolved

  const sm = client ?? secretsManagerClient({})
  const [values, scopedValues] = await Promise.all([
    Promise.all(pending.map((s) => readSecret(sm, s.name, s.secretId))),
    Promise.all(scopedKeys.map((k) => readSecret(sm, 'ADMIN_API_KEYS', k.secretId, k.variable))),
  ])

  pending.forEach(({ name, secretId }, i) => {
    const value = values[i] as string
    if (name === 'DISCORD_WEBHOOK_URL' && !isDiscordUrl(value.trim())) {
      process.stderr.write(
        `DISCORD_WEBHOOK_URL: secret "${secretName(secretId)}" holds no https URL yet; ` +
          'Discord forwarding stays off\n',
      )
      return
    }
    resolved[name] = value
  })
  if (scopedKeys.length > 0) {
    const entries = scopedKeys.map(
      ({ scope }, i) => `${(scopedValues[i] as string).trim()}:${scope}`,
    )
    resolved.ADMIN_API_KEYS = [resolved.ADMIN_API_KEYS, ...entries].filter(Boolean).join(',')
  }
  return resolved
}

/**
 * A client for reading secrets at cold start (with the SDK's defaults) and while the app runs
 * (as `config.secretsManager` says).
 */
export function secretsManagerClient(settings: SecretsManagerSettings): SecretsManagerClient {
  // A stalled read holds up a delivery, or at cold start the whole function: give up within
  // 2 × 3 s (plus a retry's backoff of at most 100 ms), under Lambda's 10 s init phase.
  return new SecretsManagerClient({
    ...settings,
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: 2000,
      requestTimeout: 3000,
      // Without this an expired requestTimeout only logs a warning and the read never ends.
      throwOnRequestTimeout: true,
    },
  })
}

/** The Discord secret's value as a webhook URL, or none (the placeholder). */
export function discordUrlFromSecret(value: string): string | undefined {
  const trimmed = value.trim()
  return isDiscordUrl(trimmed) ? trimmed.replace(/\/+$/, '') : undefined
}

/**
 * A secret read again, before its next use, once the value in hand is older than `ttlMs`: a
 * value changed in Secrets Manager takes effect within that time, without a cold start. The
 * value read at cold start is the first one. A read that fails keeps the last value (and is
 * tried again after `ttlMs`): Secrets Manager being slow is no reason to stop delivering.
 */
export class RefreshingSecret<T> {
  #value: T
  #readAt: number
  #reading?: Promise<T>

  constructor(
    private readonly options: {
      client: () => SecretsManagerClient
      name: SecretVariable
      secretId: string
      /** What the secret's text means, e.g. {@link discordUrlFromSecret}. */
      parse: (value: string) => T
      initial: T
      ttlMs: number
      now?: () => number
      onError?: (error: Error) => void
    },
  ) {
    this.#value = options.initial
    this.#readAt = this.#now()
  }

  #now(): number {
    return (this.options.now ?? Date.now)()
  }

  async value(): Promise<T> {
    if (this.#now() - this.#readAt < this.options.ttlMs) return this.#value
    this.#reading ??= this.#read().finally(() => (this.#reading = undefined))
    return this.#reading
  }

  async #read(): Promise<T> {
    const { client, name, secretId, parse, onError } = this.options
    try {
      this.#value = parse(await readSecret(client(), name, secretId))
    } catch (error) {
      onError?.(error as Error)
    }
    this.#readAt = this.#now()
    return this.#value
  }
}
