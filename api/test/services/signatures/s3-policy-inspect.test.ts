import { describe, expect, it } from 'vitest'
import {
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
