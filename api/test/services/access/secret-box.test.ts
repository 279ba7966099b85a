import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  isSealed,
  resolveHookSecretsKey,
  SecretBoxError,
  secretBox,
} from '../../../src/services/access/secret-box.ts'

const KEY = 'a-key-material-of-at-least-32-characters'

describe('secretBox', () => {
  const box = secretBox(KEY, 'hook secrets')

  it('seals into a versioned value that holds nothing of the plain text, and opens it', () => {
    const sealed = box.seal('the secret', 'hook/0123456789abcdef/secret')
    expect(sealed).toMatch(/^sealed:v1:[A-Za-z0-9_-]+$/)
    expect(sealed).not.toContain('the secret')
    expect(isSealed(sealed)).toBe(true)
    expect(box.open(sealed, 'hook/0123456789abcdef/secret')).toBe('the secret')
    // A fresh IV each time: equal secrets do not look equal.
    expect(box.seal('the secret', 'hook/0123456789abcdef/secret')).not.toBe(sealed)
  })

  it.each([
    ['another hook', 'hook/fedcba9876543210/secret'],
    ['another field', 'hook/0123456789abcdef/accessToken'],
  ])('does not open a value moved to %s', (_case, context) => {
    const sealed = box.seal('the secret', 'hook/0123456789abcdef/secret')
    expect(() => box.open(sealed, context)).toThrow(SecretBoxError)
  })

  it('does not open with another key or purpose, nor an edited value', () => {
    const sealed = box.seal('the secret', 'c')
    expect(() => secretBox(`${KEY}!`, 'hook secrets').open(sealed, 'c')).toThrow(SecretBoxError)
    expect(() => secretBox(KEY, 'other').open(sealed, 'c')).toThrow(SecretBoxError)
    const bytes = Buffer.from(sealed.slice('sealed:v1:'.length), 'base64url')
    bytes[14]! ^= 1
    expect(() => box.open(`sealed:v1:${bytes.toString('base64url')}`, 'c')).toThrow(SecretBoxError)
    expect(() => box.open('sealed:v1:AAAA', 'c')).toThrow('cut short')
    expect(() => box.open('plain', 'c')).toThrow('not sealed')
  })

  it('refuses key material shorter than 32 characters', () => {
    expect(() => secretBox('x'.repeat(31), 'p')).toThrow('at least 32 characters')
  })
})

describe('resolveHookSecretsKey', () => {
  it('generates a key once into DATA_DIR/hook-secrets.key, readable by its owner only', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-box-'))
    try {
      const first = await resolveHookSecretsKey(dataDir)
      expect(first.generated).toBe(true)
      expect(first.key.length).toBeGreaterThanOrEqual(32)
      expect(first.file).toBe(join(dataDir, 'hook-secrets.key'))
      expect((await stat(first.file)).mode & 0o777).toBe(0o600)
      expect((await readFile(first.file, 'utf8')).trim()).toBe(first.key)
      expect(await resolveHookSecretsKey(dataDir)).toEqual({ ...first, generated: false })
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
