import { describe, expect, it } from 'vitest'
import {
  checkPolicyForm,
  inspectS3Policy,
  parseCredential,
} from '../../../src/services/signatures/s3-policy-inspect.ts'

const policyOf = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64')

describe('inspectS3Policy', () => {
  const policy = policyOf({ expiration: '2030-01-01T00:00:00Z', conditions: [] })

  it.each([
    ['ten minutes before', '2029-12-31T23:50:00Z', false, 600],
    ['at the moment it expires', '2030-01-01T00:00:00Z', true, 0],
    ['a second after', '2030-01-01T00:00:01Z', true, -1],
  ])('reads the expiry %s', async (_case, now, expired, inSeconds) => {
    const { expiration } = await inspectS3Policy({ policy }, new Date(now))
    expect(expiration).toEqual({ expiresAt: '2030-01-01T00:00:00.000Z', expired, inSeconds })
  })

  it('explains a size range in bytes and in binary units', async () => {
    const { conditions } = await inspectS3Policy(
      {
        policy: policyOf({
          expiration: '2030-01-01T00:00:00Z',
          conditions: [['content-length-range', 0, 1536]],
        }),
      },
      new Date('2029-01-01T00:00:00Z'),
    )
    expect(conditions[0]?.explanation).toBe(
      'The file must be 0 bytes to 1.5 KiB (0 to 1536 bytes).',
    )
  })
})

describe('parseCredential', () => {
  it('splits a credential scope', () => {
    expect(parseCredential('AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request')).toEqual({
      accessKeyId: 'AKIDEXAMPLE',
      date: '20150830',
      region: 'us-east-1',
      service: 's3',
    })
  })

  it.each([
    'AKIDEXAMPLE/20150830/us-east-1/s3',
    'AKIDEXAMPLE/2015-08-30/us-east-1/s3/aws4_request',
    'AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request/extra',
    '/20150830/us-east-1/s3/aws4_request',
  ])('refuses %j', (value) => {
    expect(parseCredential(value)).toBeNull()
  })
})

describe('checkPolicyForm', () => {
  const conditions = [
    { bucket: 'uploads' },
    ['eq', '$key', 'uploads/a.png'],
    ['starts-with', '$x-amz-meta-tag', 'memes/'],
    ['content-length-range', 1, 100],
    { 'Content-Type': 'image/png' },
  ]
  const inspect = async (list: unknown[] = conditions) =>
    inspectS3Policy(
      { policy: policyOf({ expiration: '2030-01-01T00:00:00Z', conditions: list }) },
      new Date('2029-01-01T00:00:00Z'),
    )
  const fields = (extra: Record<string, string> = {}) =>
    new Map(
      Object.entries({
        key: 'uploads/a.png',
        'x-amz-meta-tag': 'memes/cat',
        'content-type': 'image/png',
        policy: 'ignored',
        'x-amz-signature': 'ignored',
        'x-ignore-note': 'ignored',
        ...extra,
      }),
    )

  it('accepts a form that meets every condition', async () => {
    expect(
      checkPolicyForm(await inspect(), { bucket: 'uploads', fields: fields(), fileSize: 100 }),
    ).toBeNull()
  })

  it.each([
    ['another key', { key: 'uploads/b.png' }, ['eq', '$key', 'uploads/a.png']],
    [
      'a key outside the prefix',
      { 'x-amz-meta-tag': 'cat' },
      ['starts-with', '$x-amz-meta-tag', 'memes/'],
    ],
    ['another type', { 'content-type': 'text/html' }, { 'Content-Type': 'image/png' }],
  ])('refuses %s, naming the condition', async (_case, extra, condition) => {
    expect(
      checkPolicyForm(await inspect(), { bucket: 'uploads', fields: fields(extra), fileSize: 5 }),
    ).toEqual({ reason: 'condition-failed', condition })
  })

  it('refuses a missing field and another bucket', async () => {
    const noKey = fields()
    noKey.delete('key')
    const policy = await inspect()
    expect(checkPolicyForm(policy, { bucket: 'uploads', fields: noKey, fileSize: 5 })).toEqual({
      reason: 'condition-failed',
      condition: ['eq', '$key', 'uploads/a.png'],
    })
    expect(checkPolicyForm(policy, { bucket: 'other', fields: fields(), fileSize: 5 })).toEqual({
      reason: 'condition-failed',
      condition: { bucket: 'uploads' },
    })
  })

  it('checks the real file size against the range, both ends', async () => {
    const policy = await inspect()
    expect(checkPolicyForm(policy, { bucket: 'uploads', fields: fields(), fileSize: 101 })).toEqual(
      { reason: 'too-large' },
    )
    expect(checkPolicyForm(policy, { bucket: 'uploads', fields: fields(), fileSize: 0 })).toEqual({
      reason: 'too-small',
    })
  })

  it('refuses a field no condition names', async () => {
    expect(
      checkPolicyForm(await inspect(), {
        bucket: 'uploads',
        fields: fields({ success_action_redirect: 'https://evil.example' }),
        fileSize: 5,
      }),
    ).toEqual({ reason: 'extra-field', field: 'success_action_redirect' })
  })

  it('refuses a policy with a condition S3 cannot read', async () => {
    expect(
      checkPolicyForm(await inspect([...conditions, ['ends-with', '$key', '.png']]), {
        bucket: 'uploads',
        fields: fields(),
        fileSize: 5,
      }),
    ).toEqual({ reason: 'condition-failed', condition: ['ends-with', '$key', '.png'] })
  })
})
