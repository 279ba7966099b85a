import { randomUUID } from 'node:crypto'
import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppConfig } from '../../../src/config.ts'
import { createDynamoDbClient, createRecordStore } from '../../../src/plugins/app/records.ts'
import { secretBox } from '../../../src/services/access/secret-box.ts'
import { signGithubPayload } from '../../../src/services/signatures/github-signature.ts'
import type { RecordStore } from '../../../src/services/records/record-store.ts'
import {
  changedHook,
  createHook,
  deleteHook,
  editHook,
  hookKey,
  hookSecrets,
  listHooks,
  newHook,
  publicHook,
  readHook,
  rotatedHook,
  sealHookSecretsIn,
  sealStoredHookSecrets,
} from '../../../src/services/webhooks/hooks.ts'
import {
  buildApp,
  ensureTestTable,
  testConfig,
  TEST_HOOK_SECRETS_KEY,
} from '../../support/test-app.ts'

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

describe('records in the table', () => {
  let records: RecordStore

  beforeAll(async () => {
    const config = testConfig('http://127.0.0.1:1')
    await ensureTestTable(config)
    records = createRecordStore(config.dynamodb, config.recordsTable)
    sealHookSecretsIn(records, secretBox(TEST_HOOK_SECRETS_KEY, 'hook secrets'))
  })

  it('creates, reads, lists (oldest first), edits and deletes hooks', async () => {
    const first = newHook({ name: 'first' }, NOW)
    const second = newHook({ name: 'second', branches: ['main'] }, new Date(NOW.getTime() + 1))
    await createHook(records, second)
    await createHook(records, first)
    await expect(createHook(records, first)).rejects.toMatchObject({ code: 'CONFLICT' })
    expect(await readHook(records, first.hookId)).toEqual(first)
    expect((await listHooks(records)).map((hook) => hook.name)).toEqual(['first', 'second'])

    const renamed = await editHook(records, first.hookId, (hook) =>
      changedHook(hook, { name: 'renamed' }, NOW),
    )
    expect(renamed.name).toBe('renamed')
    expect(await readHook(records, first.hookId)).toEqual(renamed)

    await deleteHook(records, first.hookId)
    await expect(readHook(records, first.hookId)).rejects.toMatchObject({ code: 'HOOK_NOT_FOUND' })
    // An edit never brings a deleted hook back.
    await expect(editHook(records, first.hookId, (hook) => hook)).rejects.toMatchObject({
      code: 'HOOK_NOT_FOUND',
    })
    await expect(readHook(records, first.hookId)).rejects.toMatchObject({ code: 'HOOK_NOT_FOUND' })
    for (const hookId of ['ffffffffffffffff', '../x', 'default']) {
      await expect(readHook(records, hookId)).rejects.toMatchObject({ code: 'HOOK_NOT_FOUND' })
    }
  })

  it('keeps both of two concurrent edits', async () => {
    const hook = newHook({ name: 'site' }, NOW)
    await createHook(records, hook)
    await Promise.all([
      editHook(records, hook.hookId, (current) => changedHook(current, { name: 'both' }, NOW)),
      editHook(records, hook.hookId, (current) => rotatedHook(current, 600, NOW)),
    ])
    const stored = await readHook(records, hook.hookId)
    expect(stored.name).toBe('both')
    expect(stored.previousSecret).toBe(hook.secret)
  })
})

describe('hook secrets at rest', () => {
  let config: AppConfig
  let records: RecordStore

  beforeAll(async () => {
    config = testConfig('http://127.0.0.1:1')
    await ensureTestTable(config)
    records = createRecordStore(config.dynamodb, config.recordsTable)
    sealHookSecretsIn(records, secretBox(TEST_HOOK_SECRETS_KEY, 'hook secrets'))
  })

  /** The item as anyone who reaches the table reads it, through DynamoDB's own API. */
  async function rawItem(hookId: string): Promise<string> {
    const client = createDynamoDbClient(config.dynamodb)
    try {
      const answer = await client.send(
        new GetItemCommand({
          TableName: config.recordsTable,
          Key: { pk: { S: 'hook' }, sk: { S: hookId } },
        }),
      )
      expect(answer.Item).toBeDefined()
      return JSON.stringify(answer.Item)
    } finally {
      client.destroy()
    }
  }

  it('stores no secret, previous secret or access token in plain text', async () => {
    const hook = rotatedHook(
      newHook({ name: 'gitlab', provider: 'gitlab', accessToken: 'glpat-token-in-plain' }, NOW),
      600,
      NOW,
    )
    await createHook(records, hook)
    const raw = await rawItem(hook.hookId)
    for (const secret of [hook.secret, hook.previousSecret!, 'glpat-token-in-plain']) {
      expect(raw).not.toContain(secret)
    }
    expect(raw).toMatch(/"secret":\{"S":"sealed:v1:[A-Za-z0-9_-]+"\}/)
    expect(await readHook(records, hook.hookId)).toEqual(hook)
  })

  it('does not open a sealed value copied onto another hook', async () => {
    const first = newHook({ name: 'first' }, NOW)
    const second = newHook({ name: 'second' }, NOW)
    await createHook(records, first)
    await createHook(records, second)
    const sealed = JSON.parse(await rawItem(first.hookId)) as { secret: { S: string } }
    await records.put(hookKey(second.hookId), {
      ...(await records.get(hookKey(second.hookId))),
      secret: sealed.secret.S,
    })
    await expect(readHook(records, second.hookId)).rejects.toThrow(
      /HOOK_SECRETS_KEY does not open its secret/,
    )
    await deleteHook(records, second.hookId)
  })

  it('reads a record stored with its secret in plain text, and seals it at start', async () => {
    const hook = newHook({ name: 'old' }, NOW)
    await records.create(hookKey(hook.hookId), hook)
    expect(await rawItem(hook.hookId)).toContain(hook.secret)
    expect(await readHook(records, hook.hookId)).toEqual(hook)
    expect(await sealStoredHookSecrets(records)).toBe(1)
    expect(await rawItem(hook.hookId)).not.toContain(hook.secret)
    expect(await readHook(records, hook.hookId)).toEqual(hook)
    expect(await sealStoredHookSecrets(records)).toBe(0)
  })

  it('seals a plain record on its next write', async () => {
    const hook = newHook({ name: 'old' }, NOW)
    await records.create(hookKey(hook.hookId), hook)
    await editHook(records, hook.hookId, (current) => changedHook(current, { name: 'new' }, NOW))
    expect(await rawItem(hook.hookId)).not.toContain(hook.secret)
    expect((await readHook(records, hook.hookId)).secret).toBe(hook.secret)
  })

  it('refuses to read with another key, naming HOOK_SECRETS_KEY, at start too', async () => {
    const hook = newHook({ name: 'keyed' }, NOW)
    await createHook(records, hook)
    const other = createRecordStore(config.dynamodb, config.recordsTable)
    sealHookSecretsIn(
      other,
      secretBox('another-key-of-thirty-two-characters-or-more', 'hook secrets'),
    )
    try {
      await expect(readHook(other, hook.hookId)).rejects.toThrow(/HOOK_SECRETS_KEY/)
      await expect(sealStoredHookSecrets(other)).rejects.toThrow(/HOOK_SECRETS_KEY/)
    } finally {
      other.doc.destroy()
    }
  })

  it('neither seals nor opens without a key', async () => {
    const keyless = createRecordStore(config.dynamodb, config.recordsTable)
    try {
      await expect(createHook(keyless, newHook({ name: 'x' }, NOW))).rejects.toThrow(
        'HOOK_SECRETS_KEY is not set',
      )
    } finally {
      keyless.doc.destroy()
    }
  })
})

describe('a hook created through the admin API', () => {
  const API_KEY = 'hooks-test-key-0123456789abcdef'
  let config: AppConfig
  let app: Awaited<ReturnType<typeof buildApp>>

  beforeAll(async () => {
    config = testConfig('http://127.0.0.1:1', { ADMIN_API_KEYS: API_KEY })
    app = await buildApp(config)
  })
  afterAll(() => app.close())

  it('is stored sealed and still verifies deliveries signed with its secret', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/api/admin/webhooks',
      headers: { 'x-api-key': API_KEY },
      payload: { name: 'site' },
    })
    expect(created.statusCode).toBe(201)
    const { hook, secret } = created.json<{ hook: { hookId: string }; secret: string }>()
    const client = createDynamoDbClient(config.dynamodb)
    try {
      const item = await client.send(
        new GetItemCommand({
          TableName: config.recordsTable,
          Key: { pk: { S: 'hook' }, sk: { S: hook.hookId } },
        }),
      )
      expect(JSON.stringify(item.Item)).not.toContain(secret)
    } finally {
      client.destroy()
    }
    const ping = Buffer.from(JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 }))
    const deliver = (signature: string) =>
      app.inject({
        method: 'POST',
        url: `/api/webhooks/github/${hook.hookId}`,
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'ping',
          'x-github-delivery': randomUUID(),
          'x-hub-signature-256': signature,
        },
        payload: ping,
      })
    expect((await deliver(signGithubPayload(secret, ping))).statusCode).toBe(200)
    expect((await deliver(signGithubPayload('not-the-secret', ping))).statusCode).toBe(401)
  })
})
