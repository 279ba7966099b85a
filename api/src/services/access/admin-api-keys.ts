import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * The admin keys: ADMIN_API_KEYS when set; otherwise one generated on first start and
 * kept in the data directory (readable by its owner only), so it survives restarts.
 */
export async function resolveAdminApiKeys(
  configured: readonly string[],
  dataDir: string,
): Promise<{ keys: string[]; generated: boolean }> {
  if (configured.length > 0) return { keys: [...configured], generated: false }
  const file = join(dataDir, 'admin-api-key')
  try {
    const stored = (await readFile(file, 'utf8')).trim()
    if (stored) return { keys: [stored], generated: false }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const key = randomBytes(24).toString('base64url')
  await mkdir(dataDir, { recursive: true })
  await writeFile(file, `${key}\n`, { mode: 0o600 })
  return { keys: [key], generated: true }
}
