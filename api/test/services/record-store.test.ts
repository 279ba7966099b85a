import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRecordStore } from '../../src/plugins/app/records.ts'
import type { RecordStore } from '../../src/services/records/record-store.ts'
import { ensureTestTable, testConfig } from '../support/test-app.ts'

describe('the record store (on dynalite)', () => {
  let clock = Date.parse('2026-12-05T12:00:00Z')
  let store: RecordStore
  beforeAll(async () => {
    const config = testConfig('http://127.0.0.1:9')
    await ensureTestTable(config)
    store = createRecordStore(config.dynamodb, config.recordsTable, () => clock)
  })
  afterAll(() => store.doc.destroy())

  it('creates a key once of 20 concurrent tries', async () => {
    const key = { pk: 'idem#concurrent', sk: 'key' }
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) => store.create(key, { by: n })),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    const winner = results.indexOf(true)
    expect(await store.get(key)).toEqual({ by: winner })
  })

  it('keeps every one of 20 concurrent edits (optimistic lock)', async () => {
    const key = { pk: 'counter', sk: 'c' }
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.edit<{ count: number; by: number[] }>(key, (current) => ({
          count: (current?.count ?? 0) + 1,
          by: [...(current?.by ?? []), 1],
        })),
      ),
    )
    const stored = (await store.read(key))!
    expect(stored.value).toEqual({ count: 20, by: Array(20).fill(1) })
    expect(stored.lockVersion).toBe(20)
  })

  it('treats an expired item as gone, for reads, queries and creation', async () => {
    const key = { pk: 'expiring', sk: 'a' }
    expect(await store.create(key, { n: 1 }, { expiresAt: clock + 60_000 })).toBe(true)
    expect(await store.create(key, { n: 2 }, { expiresAt: clock + 60_000 })).toBe(false)
    expect(await store.query('expiring')).toEqual([{ n: 1, sk: 'a' }])
    clock += 61_000
    // dynalite never deletes it (nor does DynamoDB at once): the store ignores it.
    expect(await store.get(key)).toBeUndefined()
    expect(await store.query('expiring')).toEqual([])
    expect(await store.create(key, { n: 3 })).toBe(true)
    expect(await store.get(key)).toEqual({ n: 3 })
  })

  it('queries newest first, with a prefix and a limit', async () => {
    for (const sk of ['d#1', 'd#2', 'd#3', 'e#1']) await store.put({ pk: 'list', sk }, { sk2: sk })
    const found = await store.query('list', { skPrefix: 'd#', descending: true, limit: 2 })
    expect(found.map((item) => item.sk)).toEqual(['d#3', 'd#2'])
  })
})
