import { S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TEST_STORE_CREDENTIALS } from '../support/test-app.ts'
import type { SignedUpload } from '@meme-studio/meme-core/schema'
import { planUpload, signUploadPolicy } from '../../src/services/storage/upload-policy.ts'
import { buildApp, closedPort, testConfig } from '../support/test-app.ts'

const API_KEY = 'admin-s3-policy-test-key'
const MAX_BYTES = 10 * 1024 * 1024

let app: FastifyInstance
let s3: S3Client
let upload: SignedUpload

beforeAll(async () => {
  app = await buildApp(
    testConfig(await closedPort(), {
      ADMIN_API_KEYS: API_KEY,
      USAGE_RATE: '1000000',
      USAGE_BURST: '1000000',
      USAGE_QUOTA: '1000000000',
    }),
  )
  // Signing a POST policy is local: no request reaches this endpoint.
  s3 = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:1',
    forcePathStyle: true,
    credentials: TEST_STORE_CREDENTIALS,
  })
  upload = await signUploadPolicy(
    s3,
    'meme-studio-uploads',
    planUpload('cat.png', 'image/png'),
    MAX_BYTES,
  )
})
afterAll(async () => {
  s3.destroy()
  await app.close()
})

function inspect(payload: unknown) {
  return app.inject({
    method: 'POST',
    url: '/api/admin/s3-policy/inspect',
    headers: { 'x-api-key': API_KEY },
    payload: payload as object,
  })
}

const policyOf = (json: unknown) => Buffer.from(JSON.stringify(json)).toString('base64')
const decoded = (policy: string) => JSON.parse(Buffer.from(policy, 'base64').toString('utf8'))

interface Condition {
  index: number
  field: string | null
  match: string
  value?: string
  min?: number
  max?: number
  explanation: string
}

describe('POST /api/admin/s3-policy/inspect', () => {
  it('verifies the signature of our own upload policy and explains each condition', async () => {
    const response = await inspect({
      policy: upload.fields.Policy,
      signature: upload.fields['X-Amz-Signature'],
      credentials: { secretAccessKey: TEST_STORE_CREDENTIALS.secretAccessKey },
    })
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('no-store')
    const body = response.json()
    expect(body.policy).toEqual(decoded(upload.fields.Policy!))
    expect(body.signature).toEqual({
      status: 'match',
      expected: upload.fields['X-Amz-Signature'],
      given: upload.fields['X-Amz-Signature'],
      explanation: expect.any(String),
    })
    expect(body.problems).toEqual([])
    expect(body.credential).toEqual({
      accessKeyId: 'S3RVER',
      date: upload.fields['X-Amz-Date']!.slice(0, 8),
      region: 'us-east-1',
      service: 's3',
    })
    expect(body.expiration.expired).toBe(false)
    expect(body.expiration.expiresAt).toBe(new Date(upload.expiresAt).toISOString())
    expect(body.expiration.inSeconds).toBeGreaterThan(290)
    expect(body.expiration.inSeconds).toBeLessThanOrEqual(300)

    const conditions = body.conditions as Condition[]
    // The SDK writes X-Amz-Algorithm, X-Amz-Credential…; look fields up ignoring case.
    const byField = (field: string) =>
      conditions.find((c) => c.field?.toLowerCase() === field.toLowerCase())
    expect(byField('bucket')).toMatchObject({ match: 'exact', value: 'meme-studio-uploads' })
    expect(byField('bucket')!.explanation).toContain('"meme-studio-uploads"')
    expect(byField('key')).toMatchObject({ match: 'exact', value: upload.key })
    expect(byField('key')!.explanation).toBe(`The object key must be exactly "${upload.key}".`)
    expect(byField('content-length-range')).toMatchObject({
      match: 'range',
      min: 1,
      max: MAX_BYTES,
    })
    expect(byField('content-length-range')!.explanation).toContain('10 MiB')
    expect(byField('Content-Type')).toMatchObject({ match: 'exact', value: 'image/png' })
    expect(byField('x-amz-server-side-encryption')!.explanation).toContain('SSE-S3')
    expect(byField('x-amz-algorithm')!.explanation).toContain('Signature Version 4')
    expect(byField('x-amz-credential')!.explanation).toContain('access key S3RVER')
    expect(byField('x-amz-credential')!.explanation).toContain('region us-east-1, service s3')
    expect(byField('x-amz-date')!.explanation).toMatch(
      /^Signed at \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\.$/,
    )
    expect(conditions.map((c) => c.index)).toEqual(conditions.map((_, i) => i))
  })

  it('does not verify a policy changed after signing', async () => {
    const policy = decoded(upload.fields.Policy!)
    policy.conditions = policy.conditions.map((condition: unknown) =>
      JSON.stringify(condition).includes('"key"')
        ? { key: 'uploads/../admin/owned.png' }
        : condition,
    )
    const response = await inspect({
      policy: policyOf(policy),
      signature: upload.fields['X-Amz-Signature'],
      credentials: { secretAccessKey: TEST_STORE_CREDENTIALS.secretAccessKey },
    })
    expect(response.statusCode).toBe(200)
    expect(response.json().signature).toMatchObject({
      status: 'mismatch',
      given: upload.fields['X-Amz-Signature'],
    })
    expect(response.json().signature.expected).not.toBe(upload.fields['X-Amz-Signature'])
  })

  it('does not verify with another secret', async () => {
    const response = await inspect({
      policy: upload.fields.Policy,
      signature: upload.fields['X-Amz-Signature'],
      credentials: { secretAccessKey: 'not-the-secret' },
    })
    expect(response.json().signature.status).toBe('mismatch')
    expect(response.body).not.toContain('not-the-secret')
  })

  it('gives the expected signature when only the secret is given, and checks nothing without it', async () => {
    const withSecret = await inspect({
      policy: upload.fields.Policy,
      credentials: { secretAccessKey: TEST_STORE_CREDENTIALS.secretAccessKey },
    })
    expect(withSecret.json().signature).toMatchObject({
      status: 'not-checked',
      expected: upload.fields['X-Amz-Signature'],
    })
    const withoutSecret = await inspect({
      policy: upload.fields.Policy,
      signature: upload.fields['X-Amz-Signature'],
    })
    expect(withoutSecret.json().signature).toEqual({
      status: 'not-checked',
      given: upload.fields['X-Amz-Signature'],
      explanation: 'Give credentials.secretAccessKey to check the signature.',
    })
  })

  it('accepts a policy pasted with surrounding whitespace and the signature in upper case', async () => {
    const response = await inspect({
      policy: `\n  ${upload.fields.Policy}  \n`,
      signature: upload.fields['X-Amz-Signature']!.toUpperCase(),
      credentials: { secretAccessKey: TEST_STORE_CREDENTIALS.secretAccessKey },
    })
    expect(response.json().signature.status).toBe('match')
  })

  it('explains starts-with conditions and flags what S3 would refuse', async () => {
    const response = await inspect({
      policy: policyOf({
        expiration: '2001-01-01T00:00:00.000Z',
        conditions: [
          ['starts-with', '$key', 'user/eric/'],
          ['starts-with', '$Content-Type', ''],
          ['eq', '$acl', 'public-read'],
          { 'x-amz-meta-uuid': '14365123651274' },
          ['content-length-range', 10, 1],
          ['eq', 'key', 'no-dollar'],
          ['matches', '$key', '.*'],
          ['eq'],
          { bucket: 42 },
          'bucket',
        ],
      }),
    })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body.expiration).toMatchObject({ expiresAt: '2001-01-01T00:00:00.000Z', expired: true })
    expect(body.expiration.inSeconds).toBeLessThan(0)
    const conditions = body.conditions as Condition[]
    expect(conditions[0]).toMatchObject({
      index: 0,
      field: 'key',
      match: 'starts-with',
      value: 'user/eric/',
      explanation: 'The object key must start with "user/eric/".',
    })
    expect(conditions[1]!.explanation).toBe('Any value is allowed for Content-Type.')
    expect(conditions[2]!.explanation).toBe('The object gets the canned ACL "public-read".')
    expect(conditions[3]!.explanation).toBe('The object\'s metadata uuid must be "14365123651274".')
    expect(conditions.slice(4).map((c) => [c.index, c.match, c.field])).toEqual(
      [4, 5, 6, 7, 8, 9].map((i) => [i, 'invalid', null]),
    )
    expect(body.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('x-amz-credential'),
        expect.stringContaining('x-amz-algorithm'),
        expect.stringContaining('x-amz-date'),
        expect.stringContaining('["content-length-range",10,1]'),
      ]),
    )
    expect(body.credential).toBeNull()
    expect(body.signature.status).toBe('not-checked')
  })

  it('cannot check a signature without a credential scope in the policy', async () => {
    const response = await inspect({
      policy: policyOf({ expiration: '2030-01-01T00:00:00Z', conditions: [{ bucket: 'b' }] }),
      signature: 'a'.repeat(64),
      credentials: { secretAccessKey: 'secret' },
    })
    expect(response.json().signature.status).toBe('not-checked')
    expect(response.json().signature.explanation).toContain('x-amz-credential')
  })

  it.each([
    ['no expiration', { conditions: [] }, 'no "expiration"'],
    [
      'an expiration that is not UTC ISO 8601',
      { expiration: 'tomorrow', conditions: [] },
      'not an ISO 8601',
    ],
    [
      'an expiration with an offset',
      { expiration: '2030-01-01T00:00:00+02:00', conditions: [] },
      'not an ISO 8601',
    ],
  ])('reports %s as a problem, with no expiry', async (_case, policy, problem) => {
    const body = (await inspect({ policy: policyOf(policy) })).json()
    expect(body.expiration).toBeNull()
    expect(body.problems.join(' ')).toContain(problem)
  })

  it.each([
    ['not base64', '%%%not base64%%%', 'body/policy is not base64'],
    [
      'base64url',
      Buffer.from('{"conditions":[]}>>>').toString('base64url'),
      'body/policy is not base64',
    ],
    ['unpadded base64', 'eyJhIjoxfQ', 'body/policy is not base64'],
    [
      'base64 of text',
      Buffer.from('not json').toString('base64'),
      'body/policy decodes to something that is not JSON',
    ],
    ['base64 of invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]).toString('base64'), 'not JSON'],
    ['base64 of a list', policyOf([1, 2]), 'body/policy is not a POST policy'],
    ['base64 of null', policyOf(null), 'body/policy is not a POST policy'],
    [
      'conditions that are not a list',
      policyOf({ expiration: '2030-01-01T00:00:00Z', conditions: {} }),
      'is not a POST policy',
    ],
    ['an empty policy', '', 'body/policy'],
  ])('refuses %s with 400 VALIDATION', async (_case, policy, message) => {
    const response = await inspect({ policy })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'VALIDATION' })
    expect(response.json().message).toContain(message)
  })

  it.each([
    [
      'a signature that is not hex',
      { signature: 'z'.repeat(64) },
      'body/signature must be the X-Amz-Signature',
    ],
    ['a SigV2 base64 signature', { signature: 'dGVzdA==' }, 'body/signature'],
    [
      'credentials with an access key id',
      { credentials: { secretAccessKey: 's', accessKeyId: 'a' } },
      'unknown property "accessKeyId"',
    ],
    [
      'an empty secret',
      { credentials: { secretAccessKey: '' } },
      'body/credentials/secretAccessKey',
    ],
    ['credentials that are text', { credentials: 'secret' }, 'body/credentials'],
    ['an unknown property', { bucket: 'b' }, 'unknown property "bucket"'],
    ['no policy', { policy: undefined }, "required property 'policy'"],
  ])('refuses %s with 400 VALIDATION', async (_case, change, message) => {
    const body: Record<string, unknown> = { policy: upload.fields.Policy, ...change }
    if (body.policy === undefined) delete body.policy
    const response = await inspect(body)
    expect(response.statusCode).toBe(400)
    expect(response.json().message).toContain(message)
    expect(response.body).not.toContain('"secret"')
  })

  it('answers 413 for a policy over 64 KiB', async () => {
    const big = policyOf({
      expiration: '2030-01-01T00:00:00Z',
      conditions: [{ key: 'x'.repeat(50_000) }],
    })
    expect(big.length).toBeGreaterThan(64 * 1024)
    const response = await inspect({ policy: big })
    expect(response.statusCode).toBe(413)
    expect(response.json()).toMatchObject({ code: 'BODY_TOO_LARGE' })
    const huge = await inspect({ policy: 'A'.repeat(300 * 1024) })
    expect(huge.statusCode).toBe(413)
  })

  it('refuses malformed JSON', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/admin/s3-policy/inspect',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      payload: '{"policy":',
    })
    expect(response.statusCode).toBe(400)
    expect(response.json().code).toBe('MALFORMED_JSON')
  })
})
