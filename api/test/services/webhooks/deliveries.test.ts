import type { S3Client } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DeliveryRecord } from '../../../src/schemas/records.ts'
import {
  DeliveryMemory,
  deliveryKey,
  deliverySummary,
  findDelivery,
  keptHeaders,
  keptPayload,
  listDeliveries,
  markHandled,
  putDelivery,
  wasHandled,
} from '../../../src/services/webhooks/deliveries.ts'
import { startTestS3, testConfig, testS3Client } from '../../support/test-app.ts'

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

  it('keys deliveries by time then id', () => {
    expect(deliveryKey('0123456789abcdef', NOW.toISOString(), 'abc-1')).toBe(
      'webhooks/0123456789abcdef/deliveries/20250304T050607.089Z-abc-1.json',
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
