import { S3Client } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/services/shared/app-error.ts'
import {
  planUpload,
  signUploadPolicy,
  UPLOAD_POLICY_SECONDS,
} from '../../../src/services/storage/upload-policy.ts'

const KEY =
  /^uploads\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.(jpg|png|webp|gif)$/

function refusal(filename: string, contentType: string): string {
  try {
    planUpload(filename, contentType)
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).statusCode).toBe(400)
    return (error as AppError).code
  }
  throw new Error(`planUpload accepted ${JSON.stringify(filename)} ${contentType}`)
}

describe('planUpload', () => {
  it.each([
    ['holiday.jpg', 'image/jpeg', 'jpg'],
    ['holiday.JPEG', 'image/jpeg', 'jpg'],
    ['scan.jfif', 'image/jpeg', 'jpg'],
    ['cat.png', 'IMAGE/PNG', 'png'],
    ['sticker.webp', 'image/webp', 'webp'],
    ['dance.gif', 'image/gif', 'gif'],
    ['my photo (1).final.png', 'image/png', 'png'],
  ])('accepts %s as %s and chooses a fresh key', (filename, type, extension) => {
    const first = planUpload(filename, type)
    const second = planUpload(filename, type)
    expect(first.key).toMatch(KEY)
    expect(first.key.endsWith(`.${extension}`)).toBe(true)
    expect(first.contentType).toBe(type.toLowerCase())
    expect(second.key).not.toBe(first.key)
  })

  it.each([
    ['no extension', 'picture', 'image/png'],
    ['a dot file', '.png', 'image/png'],
    ['an unknown extension', 'notes.txt', 'image/png'],
    ['a mismatched extension', 'cat.gif', 'image/png'],
    ['a path', '../../etc/passwd.png', 'image/png'],
    ['a nested path', 'uploads/cat.png', 'image/png'],
    ['a Windows path', 'C:\\Users\\cat.png', 'image/png'],
    ['a NUL byte', 'cat\u0000.png', 'image/png'],
    ['a newline', 'cat\n.png', 'image/png'],
    ['256 characters', `${'a'.repeat(252)}.png`, 'image/png'],
    ['an empty name', '', 'image/png'],
  ])('refuses %s with BAD_FILENAME', (_case, filename, type) => {
    expect(refusal(filename, type)).toBe('BAD_FILENAME')
  })

  it('accepts a name of exactly 255 characters', () => {
    expect(planUpload(`${'a'.repeat(251)}.png`, 'image/png').key).toMatch(KEY)
  })

  it.each(['image/svg+xml', 'text/html', 'application/octet-stream', 'image/png; charset=x', ''])(
    'refuses content type %j with UNSUPPORTED_MEDIA',
    (type) => {
      expect(refusal('cat.png', type)).toBe('UNSUPPORTED_MEDIA')
    },
  )
})

describe('signUploadPolicy', () => {
  const s3 = new S3Client({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' },
  })

  async function signed() {
    const plan = planUpload('cat.png', 'image/png')
    const before = Date.now()
    const upload = await signUploadPolicy(s3, 'meme-bucket', plan, 1234)
    const policy = JSON.parse(Buffer.from(upload.fields.Policy ?? '', 'base64').toString()) as {
      expiration: string
      conditions: (Record<string, string> | [string, ...unknown[]])[]
    }
    return { plan, before, upload, policy }
  }

  it('pins bucket, exact key, exact type, size range, encryption and credentials', async () => {
    const { plan, upload, policy } = await signed()
    expect(upload.key).toBe(plan.key)
    expect(upload.maxBytes).toBe(1234)
    expect(policy.conditions).toEqual(
      expect.arrayContaining([
        { bucket: 'meme-bucket' },
        { key: plan.key },
        { 'Content-Type': 'image/png' },
        { 'x-amz-server-side-encryption': 'AES256' },
        ['content-length-range', 1, 1234],
        { 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' },
        { 'X-Amz-Credential': upload.fields['X-Amz-Credential'] },
        { 'X-Amz-Date': upload.fields['X-Amz-Date'] },
        { 'X-Amz-Security-Token': 'token' },
      ]),
    )
    // Nothing open-ended: no starts-with, so S3 refuses any field we did not sign.
    expect(policy.conditions.some((c) => Array.isArray(c) && c[0] === 'starts-with')).toBe(false)
    expect(upload.fields['X-Amz-Credential']).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request$/,
    )
    expect(upload.fields['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/)
  })

  it('covers every form field with an exact condition', async () => {
    const { upload, policy } = await signed()
    // S3 POST: every field but the policy, the signature and the file must match a condition.
    // @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
    const exact = new Map(
      policy.conditions
        .filter((c): c is Record<string, string> => !Array.isArray(c))
        .flatMap((c) => Object.entries(c).map(([k, v]) => [k.toLowerCase(), v] as const)),
    )
    for (const [field, value] of Object.entries(upload.fields)) {
      if (field === 'Policy' || field === 'X-Amz-Signature') continue
      expect(exact.get(field.toLowerCase()), field).toBe(value)
    }
    expect(Object.keys(upload.fields).sort()).toEqual(
      [
        'Content-Type',
        'Policy',
        'X-Amz-Algorithm',
        'X-Amz-Credential',
        'X-Amz-Date',
        'X-Amz-Security-Token',
        'X-Amz-Signature',
        'bucket',
        'key',
        'x-amz-server-side-encryption',
      ].sort(),
    )
  })

  it('expires five minutes after signing, and says so', async () => {
    const { before, upload, policy } = await signed()
    expect(upload.expiresAt).toBe(policy.expiration)
    const expires = Date.parse(policy.expiration)
    expect(expires - before).toBeGreaterThan((UPLOAD_POLICY_SECONDS - 5) * 1000)
    expect(expires - before).toBeLessThanOrEqual((UPLOAD_POLICY_SECONDS + 5) * 1000)
  })
})
