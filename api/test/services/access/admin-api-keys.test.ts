import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resolveAdminApiKeys } from '../../../src/services/access/admin-api-keys.ts'

let dataDir: string
beforeEach(async () => {
  dataDir = join(await mkdtemp(join(tmpdir(), 'meme-studio-keys-')), 'nested')
})
afterEach(() => rm(dataDir, { recursive: true, force: true }))

describe('resolveAdminApiKeys', () => {
  it('uses ADMIN_API_KEYS as given and writes nothing', async () => {
    expect(await resolveAdminApiKeys(['k1', 'k2'], dataDir)).toEqual({
      keys: ['k1', 'k2'],
      generated: false,
    })
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('generates a key once, keeps it private, and reuses it on the next start', async () => {
    const first = await resolveAdminApiKeys([], dataDir)
    expect(first.generated).toBe(true)
    expect(first.keys[0]).toMatch(/^[A-Za-z0-9_-]{32}$/)
    const file = join(dataDir, 'admin-api-key')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await readFile(file, 'utf8')).trim()).toBe(first.keys[0])
    expect(await resolveAdminApiKeys([], dataDir)).toEqual({ keys: first.keys, generated: false })
  })
})
