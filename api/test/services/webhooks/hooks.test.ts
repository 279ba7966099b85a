import type { S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  hookSecrets,
  listHooks,
  newHook,
  publicHook,
  putHook,
  readHook,
  rotatedHook,
} from '../../../src/services/webhooks/hooks.ts'
import { startTestS3, testConfig, testS3Client } from '../../support/test-app.ts'

const NOW = new Date('2025-03-04T05:06:07.089Z')

describe('hooks and their secrets', () => {
  it('creates a hook with a 32-byte hex secret, every branch, no prefix, root stripped', () => {
    const hook = newHook({ name: 'site' }, NOW)
    expect(hook).toMatchObject({ name: 'site', branches: [], prefix: '', stripRoot: true })
    expect(hook.hookId).toMatch(/^[0-9a-f]{16}$/)
    expect(hook.secret).toMatch(/^[0-9a-f]{64}$/)
  })

  it('keeps the previous secret until the grace ends', () => {
    const hook = newHook({ name: 'site' }, NOW)
    const rotated = rotatedHook(hook, 60, NOW)
    expect(rotated.secret).not.toBe(hook.secret)
    expect(rotated.previousSecretExpiresAt).toBe('2025-03-04T05:07:07.089Z')
    expect(hookSecrets(rotated, new Date(NOW.getTime() + 59_999))).toEqual([
      rotated.secret,
      hook.secret,
    ])
    expect(hookSecrets(rotated, new Date(NOW.getTime() + 60_000))).toEqual([rotated.secret])
    expect(hookSecrets(rotatedHook(hook, 0, NOW), NOW)).toHaveLength(1)
  })

  it('shows a hook without its secrets, with the payload URL', () => {
    const hook = rotatedHook(newHook({ name: 'site' }, NOW), 60, NOW)
    const shown = publicHook(hook, 'https://memes.example', NOW)
    expect(JSON.stringify(shown)).not.toContain(hook.secret)
    expect(JSON.stringify(shown)).not.toContain(hook.previousSecret)
    expect(shown).toMatchObject({
      payloadUrl: `https://memes.example/api/webhooks/github/${hook.hookId}`,
      contentType: 'application/json',
      previousSecretExpiresAt: hook.previousSecretExpiresAt,
    })
    expect(
      publicHook(hook, 'https://memes.example', new Date(NOW.getTime() + 60_000)),
    ).not.toHaveProperty('previousSecretExpiresAt')
  })
})

describe('records in S3', () => {
  let s3: Awaited<ReturnType<typeof startTestS3>>
  let client: S3Client
  const bucket = 'meme-studio-uploads'

  beforeAll(async () => {
    s3 = await startTestS3()
    client = testS3Client(testConfig(s3.endpoint))
  })
  afterAll(async () => {
    client.destroy()
    await s3.close()
  })

  it('writes, reads and lists hooks', async () => {
    const first = newHook({ name: 'first' }, NOW)
    const second = newHook({ name: 'second', branches: ['main'] }, new Date(NOW.getTime() + 1))
    await putHook(client, bucket, second)
    await putHook(client, bucket, first)
    expect(await readHook(client, bucket, first.hookId)).toEqual(first)
    expect((await listHooks(client, bucket)).map((hook) => hook.name)).toEqual(['first', 'second'])
    await expect(readHook(client, bucket, 'ffffffffffffffff')).rejects.toMatchObject({
      code: 'HOOK_NOT_FOUND',
    })
    await expect(readHook(client, bucket, '../x')).rejects.toMatchObject({ code: 'HOOK_NOT_FOUND' })
  })
})
