/**
 * On Lambda the stack hands the app Secrets Manager ARNs, not secret values
 * (`ADMIN_API_KEYS_SECRET_ARN`, `GITHUB_WEBHOOK_SECRET_ARN`, `DISCORD_WEBHOOK_URL_SECRET_ARN`).
 * `resolveSecretEnv` reads them once at cold start, before `loadConfig`, and fills in the
 * variables they stand for. A variable set directly wins over its ARN, and its secret is not
 * read. Secrets are plain strings, used as stored (the stack's secrets are; a JSON key/value
 * secret is not unpacked). A secret that cannot be read fails the cold start, naming the
 * variable and the secret but never a value, rather than running without admin keys.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager'

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
} as const

type SecretVariable = keyof typeof SECRET_VARIABLES

/** `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>` → `<name>-<suffix>`. */
function secretName(secretId: string): string {
  const marker = ':secret:'
  const at = secretId.indexOf(marker)
  return at === -1 ? secretId : secretId.slice(at + marker.length)
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:'
  } catch {
    return false
  }
}

async function readSecret(
  client: SecretsManagerClient,
  name: SecretVariable,
  secretId: string,
): Promise<string> {
  const where = `secret "${secretName(secretId)}" (from ${SECRET_VARIABLES[name]})`
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
 * not an absolute https URL leaves `DISCORD_WEBHOOK_URL` unset, with a one-line notice.
 */
export async function resolveSecretEnv(env: Env, client?: SecretsManagerClient): Promise<Env> {
  const names = Object.keys(SECRET_VARIABLES) as SecretVariable[]
  const pending = names.flatMap((name) => {
    const secretId = env[SECRET_VARIABLES[name]]?.trim()
    return secretId && !env[name]?.trim() ? [{ name, secretId }] : []
  })
  if (pending.length === 0) return { ...env }

  const sm = client ?? new SecretsManagerClient({})
  const values = await Promise.all(pending.map((s) => readSecret(sm, s.name, s.secretId)))

  const resolved: Env = { ...env }
  pending.forEach(({ name, secretId }, i) => {
    const value = values[i] as string
    if (name === 'DISCORD_WEBHOOK_URL' && !isHttpsUrl(value.trim())) {
      process.stderr.write(
        `DISCORD_WEBHOOK_URL: secret "${secretName(secretId)}" holds no https URL yet; ` +
          'Discord forwarding stays off\n',
      )
      return
    }
    resolved[name] = value
  })
  return resolved
}
