import type { S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DeliveryMemory,
  archiveKey,
  branchAllowed,
  deliveryKey,
  deliverySummary,
  findDelivery,
  hookSecrets,
  keptHeaders,
  keptPayload,
  listDeliveries,
  listHooks,
  markHandled,
  newHook,
  planPush,
  publicHook,
  putDelivery,
  putHook,
  readHook,
  rotatedHook,
  wasHandled,
  type DeliveryRecord,
} from '../../src/services/webhook-store.ts'
import { startTestS3, testConfig, testS3Client } from '../support/test-app.ts'

const SHA = 'c0ffee0000000000000000000000000000000001'
const NOW = new Date('2025-03-04T05:06:07.089Z')

/** The fields of GitHub's push payload the receiver reads. */
function push(overrides: Record<string, unknown> = {}) {
  return {
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: SHA,
    deleted: false,
    repository: { name: 'site', full_name: 'octo/site', owner: { name: 'octo', login: 'octo' } },
    pusher: { name: 'mona', email: 'mona@example.com' },
    ...overrides,
  }
}

describe('planPush', () => {
  it('archives a push to a branch, slashes kept', () => {
    expect(planPush(push({ ref: 'refs/heads/feature/x-1' }), [])).toEqual({
      action: 'archive',
      owner: 'octo',
      repo: 'site',
      branch: 'feature/x-1',
      sha: SHA,
      pusher: 'mona',
    })
  })

  it.each([
    [{ deleted: true, after: '0'.repeat(40) }, 'branch deleted'],
    [{ after: '0'.repeat(40) }, 'branch deleted'],
    [{ ref: 'refs/tags/v1.0.0' }, 'tag push (v1.0.0)'],
    [{ ref: 'refs/notes/commits' }, 'not a branch (refs/notes/commits)'],
  ])('ignores %o', (overrides, reason) => {
    expect(planPush(push(overrides), [])).toMatchObject({
      action: 'ignore',
      reason,
      repo: 'octo/site',
    })
  })

  it('ignores a branch outside the allow-list', () => {
    expect(planPush(push({ ref: 'refs/heads/dev' }), ['main'])).toMatchObject({
      action: 'ignore',
      reason: "branch dev is not in the hook's branches",
      branch: 'dev',
    })
  })

  it.each([
    ['no ref', { ref: undefined }],
    ['an owner with a slash', { repository: { name: 'site', owner: { login: '../x' } } }],
    ['a branch with ..', { ref: 'refs/heads/a/../b' }],
    ['a short sha', { after: 'abc' }],
  ])('refuses a payload with %s', (_case, overrides) => {
    expect(() => planPush(push(overrides), [])).toThrow(
      expect.objectContaining({ code: 'BAD_PAYLOAD' }),
    )
  })
})

describe('branchAllowed', () => {
  it('takes every branch when the list is empty, else names and * patterns', () => {
    expect(branchAllowed('anything/at/all', [])).toBe(true)
    expect(branchAllowed('main', ['main'])).toBe(true)
    expect(branchAllowed('mainline', ['main'])).toBe(false)
    expect(branchAllowed('release/1.2', ['release/*'])).toBe(true)
    expect(branchAllowed('release/1/hotfix', ['release/*'])).toBe(false)
    expect(branchAllowed('release.x', ['release.*'])).toBe(true)
    expect(branchAllowed('releaseAx', ['release.*'])).toBe(false)
  })
})

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

describe('what a delivery record keeps', () => {
  it("keeps GitHub's headers, the content type and the user agent, nothing else", () => {
    expect(
      keptHeaders({
        'content-type': 'application/json',
        'user-agent': 'GitHub-Hookshot/abc',
        'x-github-event': 'push',
        'x-github-delivery': 'd',
        'x-hub-signature-256': 'sha256=00',
        'x-api-key': 'admin-key',
        authorization: 'Bearer t',
        cookie: 'c',
      }),
    ).toEqual({
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/abc',
      'x-github-event': 'push',
      'x-github-delivery': 'd',
      'x-hub-signature-256': 'sha256=00',
    })
  })

  it('cuts the payload at the cap and says so', () => {
    expect(keptPayload(Buffer.from('abcdef'), 4)).toEqual({ payload: 'abcd', truncated: true })
    expect(keptPayload(Buffer.from('abcd'), 4)).toEqual({ payload: 'abcd', truncated: false })
  })

  it('keys deliveries by time then id, and archives by prefix, owner, repo and branch', () => {
    expect(deliveryKey('0123456789abcdef', NOW.toISOString(), 'abc-1')).toBe(
      'webhooks/0123456789abcdef/deliveries/20250304T050607.089Z-abc-1.json',
    )
    expect(archiveKey('builds/', 'octo', 'site', 'feature/x')).toBe(
      'builds/octo/site/feature/x.zip',
    )
  })
})

describe('DeliveryMemory', () => {
  it('claims an id once per hook, until it is released', () => {
    const memory = new DeliveryMemory(2)
    expect(memory.claim('a', '1')).toBe(true)
    expect(memory.claim('a', '1')).toBe(false)
    expect(memory.claim('b', '1')).toBe(true)
    memory.release('a', '1')
    expect(memory.claim('a', '1')).toBe(true)
    memory.claim('a', '2')
    memory.claim('a', '3')
    // The oldest is forgotten beyond the limit.
    expect(memory.claim('a', '1')).toBe(true)
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

  function record(
    deliveryId: string,
    receivedAt: string,
    outcome: 'pong' | 'duplicate',
  ): DeliveryRecord {
    return {
      version: 1,
      hookId: '00000000000000aa',
      deliveryId,
      receivedAt,
      event: 'ping',
      verified: true,
      status: 200,
      outcome,
      durationMs: 3,
      requestHeaders: { 'x-github-event': 'ping' },
      payload: '{}',
      truncated: false,
      response: outcome === 'pong' ? { ok: true } : { duplicate: true },
    }
  }

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

  it('lists deliveries newest first and finds the newest record of an id', async () => {
    await putDelivery(client, bucket, record('one', '2025-03-04T05:06:07.000Z', 'pong'))
    await putDelivery(client, bucket, record('two', '2025-03-04T05:06:08.000Z', 'pong'))
    await putDelivery(client, bucket, record('one', '2025-03-04T05:06:09.000Z', 'duplicate'))
    const listed = await listDeliveries(client, bucket, '00000000000000aa')
    expect(listed.map((d) => [d.deliveryId, d.outcome])).toEqual([
      ['one', 'duplicate'],
      ['two', 'pong'],
      ['one', 'pong'],
    ])
    expect(listed[0]).not.toHaveProperty('payload')
    expect(deliverySummary(await findDelivery(client, bucket, '00000000000000aa', 'one'))).toEqual(
      listed[0],
    )
    await expect(findDelivery(client, bucket, '00000000000000aa', 'three')).rejects.toMatchObject({
      code: 'DELIVERY_NOT_FOUND',
    })
  })

  it('remembers handled delivery ids in S3', async () => {
    expect(await wasHandled(client, bucket, '00000000000000aa', 'one')).toBe(false)
    await markHandled(client, bucket, '00000000000000aa', 'one')
    expect(await wasHandled(client, bucket, '00000000000000aa', 'one')).toBe(true)
    expect(await wasHandled(client, bucket, '00000000000000bb', 'one')).toBe(false)
  })
})
