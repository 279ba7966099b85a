import { beforeAll, describe, expect, it } from 'vitest'
import { createRecordStore } from '../../../src/plugins/app/records.ts'
import type { DeliveryRecord } from '../../../src/schemas/records.ts'
import type { RecordStore } from '../../../src/services/records/record-store.ts'
import {
  DELIVERY_KEPT_MS,
  claimDelivery,
  deliveryKey,
  deliverySummary,
  editDelivery,
  findDelivery,
  keptHeaders,
  keptPayload,
  listDeliveries,
  putDelivery,
  releaseDelivery,
} from '../../../src/services/webhooks/deliveries.ts'
import { ensureTestTable, testConfig } from '../../support/test-app.ts'

const NOW = new Date('2025-03-04T05:06:07.089Z')

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

  it('keys deliveries by hook, then time, then id', () => {
    expect(deliveryKey('0123456789abcdef', NOW.toISOString(), 'abc-1')).toEqual({
      pk: 'delivery#0123456789abcdef',
      sk: 'at#20250304T050607.089Z#abc-1',
    })
  })
})

describe('records in the table', () => {
  let records: RecordStore
  let clock = Date.now()
  const hookId = '00000000000000aa'

  beforeAll(async () => {
    // No S3 here: the records live in DynamoDB alone.
    const config = testConfig('http://127.0.0.1:1')
    await ensureTestTable(config)
    records = createRecordStore(config.dynamodb, config.recordsTable, () => clock)
  })

  function record(
    deliveryId: string,
    receivedAt: string,
    outcome: 'pong' | 'duplicate' | 'queued',
    hook = hookId,
  ): DeliveryRecord {
    return {
      version: 1,
      hookId: hook,
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
      response: outcome === 'duplicate' ? { duplicate: true } : { ok: true },
    }
  }

  it('lists deliveries newest first and finds the newest record of an id', async () => {
    const base = Date.now()
    const at = (ms: number) => new Date(base + ms).toISOString()
    await putDelivery(records, record('one', at(0), 'pong'))
    await putDelivery(records, record('two', at(1000), 'pong'))
    await putDelivery(records, record('one', at(2000), 'duplicate'))
    // Another hook's, and an id that begins like one of these: neither is found.
    await putDelivery(records, record('one', at(3000), 'pong', '00000000000000bb'))
    await putDelivery(records, record('one-more', at(4000), 'pong'))
    const listed = await listDeliveries(records, hookId)
    expect(listed.map((d) => [d.deliveryId, d.outcome])).toEqual([
      ['one-more', 'pong'],
      ['one', 'duplicate'],
      ['two', 'pong'],
      ['one', 'pong'],
    ])
    expect(listed[0]).not.toHaveProperty('payload')
    expect(await listDeliveries(records, hookId, 2)).toHaveLength(2)
    expect(deliverySummary(await findDelivery(records, hookId, 'one'))).toEqual(listed[1])
    for (const missing of ['three', 'on', '../x', 'a#b']) {
      await expect(findDelivery(records, hookId, missing)).rejects.toMatchObject({
        code: 'DELIVERY_NOT_FOUND',
      })
    }
  })

  it('never overwrites a record: a copy another instance got the same millisecond takes the next', async () => {
    const hook = '00000000000000dd'
    const receivedAt = new Date().toISOString()
    const stored = await Promise.all([
      putDelivery(records, record('same', receivedAt, 'queued', hook)),
      putDelivery(records, record('same', receivedAt, 'duplicate', hook)),
    ])
    expect(stored.map((r) => r.receivedAt).sort()).toEqual([
      receivedAt,
      new Date(Date.parse(receivedAt) + 1).toISOString(),
    ])
    const listed = await listDeliveries(records, hook)
    expect(listed.map((d) => d.outcome).sort()).toEqual(['duplicate', 'queued'])
  })

  it('forgets deliveries 30 days after they came, though the table still holds them', async () => {
    const hook = '00000000000000cc'
    const receivedAt = new Date(clock).toISOString()
    await putDelivery(records, record('old', receivedAt, 'pong', hook))
    expect(await claimDelivery(records, hook, 'old', receivedAt)).toBe(true)
    clock += DELIVERY_KEPT_MS - 1000
    expect(await listDeliveries(records, hook)).toHaveLength(1)
    // The TTL attribute counts whole seconds, rounded up.
    clock += 2000
    try {
      expect(await listDeliveries(records, hook)).toEqual([])
      await expect(findDelivery(records, hook, 'old')).rejects.toMatchObject({
        code: 'DELIVERY_NOT_FOUND',
      })
      // dynalite never deletes: the key is there, expired, and a new claim takes it.
      expect(await claimDelivery(records, hook, 'old', new Date(clock).toISOString())).toBe(true)
    } finally {
      clock = Date.now()
    }
  })

  it('lets one of 20 concurrent claims of an id win, until it is released', async () => {
    const receivedAt = new Date().toISOString()
    const claims = await Promise.all(
      Array.from({ length: 20 }, () => claimDelivery(records, hookId, 'claimed', receivedAt)),
    )
    expect(claims.filter(Boolean)).toHaveLength(1)
    expect(await claimDelivery(records, '00000000000000bb', 'claimed', receivedAt)).toBe(true)
    await releaseDelivery(records, hookId, 'claimed')
    expect(await claimDelivery(records, hookId, 'claimed', receivedAt)).toBe(true)
  })

  it('edits a record under the lock, and leaves a missing one missing', async () => {
    const receivedAt = new Date().toISOString()
    await putDelivery(records, record('edited', receivedAt, 'queued'))
    const ref = { hookId, receivedAt, deliveryId: 'edited' }
    const moved = await Promise.all(
      Array.from({ length: 5 }, () =>
        editDelivery(records, ref, (current) =>
          current.outcome === 'queued' ? { ...current, outcome: 'archiving' } : undefined,
        ),
      ),
    )
    expect(moved.map((r) => r?.outcome)).toEqual(Array(5).fill('archiving'))
    expect((await findDelivery(records, hookId, 'edited')).outcome).toBe('archiving')
    const missing = { ...ref, deliveryId: 'never' }
    expect(await editDelivery(records, missing, (current) => current)).toBeUndefined()
    await expect(findDelivery(records, hookId, 'never')).rejects.toMatchObject({
      code: 'DELIVERY_NOT_FOUND',
    })
  })
})
