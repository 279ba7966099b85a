import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ScopedApiKey } from '../../config.ts'

/**
 * Where the keys came from: `configured` (ADMIN_API_KEYS, never printed: whoever set them has
 * them), `new` (generated on this start) or `kept` (generated on an earlier start and read
 * back from the data directory).
 */
export type AdminKeysOrigin = 'configured' | 'new' | 'kept'

/**
 * The API keys: ADMIN_API_KEYS when set; otherwise one admin key generated on first start and
 * kept in the data directory (readable by its owner only), so it survives restarts.
 */
export async function resolveAdminApiKeys(
  configured: readonly ScopedApiKey[],
  dataDir: string,
): Promise<{ keys: ScopedApiKey[]; origin: AdminKeysOrigin }> {
  if (configured.length > 0) return { keys: [...configured], origin: 'configured' }
  const file = generatedKeyFile(dataDir)
  try {
    const stored = (await readFile(file, 'utf8')).trim()
    if (stored) return { keys: [{ key: stored, scope: 'admin' }], origin: 'kept' }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const key = randomBytes(24).toString('base64url')
  await mkdir(dataDir, { recursive: true })
  await writeFile(file, `${key}\n`, { mode: 0o600 })
  return { keys: [{ key, scope: 'admin' }], origin: 'new' }
}

export function generatedKeyFile(dataDir: string): string {
  return join(dataDir, 'admin-api-key')
}

/**
 * The banner's line about the keys. A generated key is printed (there is no other way to
 * learn it); configured keys never are, only how many there are and their scopes, since the
 * banner ends up in terminals, CI logs and screenshots.
 */
export function describeAdminKeys(
  keys: readonly ScopedApiKey[],
  origin: AdminKeysOrigin,
  keptIn: string,
): string {
  if (origin !== 'configured') {
    const key = keys[0]?.key ?? ''
    return origin === 'new' ? `${key} (new; kept in ${keptIn})` : `${key} (kept in ${keptIn})`
  }
  const counts = new Map<string, number>()
  for (const { scope } of keys) counts.set(scope, (counts.get(scope) ?? 0) + 1)
  const scopes = [...counts].map(([scope, n]) => `${n} ${scope}`).join(', ')
  return `${keys.length} from ADMIN_API_KEYS (${scopes}); not printed`
}
