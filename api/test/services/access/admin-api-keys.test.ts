import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  describeAdminKeys,
  resolveAdminApiKeys,
} from '../../../src/services/access/admin-api-keys.ts'

let dataDir: string
beforeEach(async () => {
  dataDir = join(await mkdtemp(join(tmpdir(), 'meme-studio-keys-')), 'nested')
})
afterEach(() => rm(dataDir, { recursive: true, force: true }))

describe('resolveAdminApiKeys', () => {
  it('uses ADMIN_API_KEYS as given and writes nothing', async () => {
    const configured = [
      { key: 'k1', scope: 'admin' as const },
      { key: 'k2', scope: 'tools' as const },
    ]
    expect(await resolveAdminApiKeys(configured, dataDir)).toEqual({
      keys: configured,
      origin: 'configured',
    })
    await expect(stat(dataDir)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('generates an admin key once, keeps it private, and reuses it on the next start', async () => {
    const first = await resolveAdminApiKeys([], dataDir)
    expect(first.origin).toBe('new')
    expect(first.keys).toEqual([
      { key: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/), scope: 'admin' },
    ])
    const file = join(dataDir, 'admin-api-key')
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await readFile(file, 'utf8')).trim()).toBe(first.keys[0]?.key)
    expect(await resolveAdminApiKeys([], dataDir)).toEqual({ keys: first.keys, origin: 'kept' })
  })
})

describe('describeAdminKeys', () => {
  it('prints a generated key, new or kept, and where it is kept', () => {
    const keys = [{ key: 'gen3rated-key', scope: 'admin' as const }]
    expect(describeAdminKeys(keys, 'new', '/data/admin-api-key')).toBe(
      'gen3rated-key (new; kept in /data/admin-api-key)',
    )
    expect(describeAdminKeys(keys, 'kept', '/data/admin-api-key')).toBe(
      'gen3rated-key (kept in /data/admin-api-key)',
    )
  })

  it('never prints a configured key: how many, and their scopes', () => {
    const line = describeAdminKeys(
      [
        { key: 'c0nfigured-admin', scope: 'admin' },
        { key: 'c0nfigured-tools', scope: 'tools' },
        { key: 'c0nfigured-tools-2', scope: 'tools' },
      ],
      'configured',
      '/data/admin-api-key',
    )
    expect(line).toBe('3 from ADMIN_API_KEYS (1 admin, 2 tools); not printed')
    expect(line).not.toContain('c0nfigured')
  })
})
