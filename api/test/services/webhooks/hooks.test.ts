import { beforeAll, describe, expect, it } from 'vitest'
import { createRecordStore } from '../../../src/plugins/app/records.ts'
import type { RecordStore } from '../../../src/services/records/record-store.ts'
import {
  changedHook,
  createHook,
  deleteHook,
  editHook,
  hookSecrets,
  listHooks,
  newHook,
  publicHook,
  readHook,
  rotatedHook,
} from '../../../src/services/webhooks/hooks.ts'
import { ensureTestTable, testConfig } from '../../support/test-app.ts'

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
