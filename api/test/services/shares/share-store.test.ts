import { S3Client } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import { escapeHtml, sharePagePolicy } from '../../../src/pages/share-page.ts'
import {
  isShareId,
  newShareId,
  presignShareImage,
  renderKey,
  SHARE_IMAGE_URL_SECONDS,
  sidecarKey,
} from '../../../src/services/shares/share-store.ts'
import type { ShareRecord } from '../../../src/schemas/records.ts'

describe('share ids and keys', () => {
  it('are 22 base64url characters, fresh each time', () => {
    const ids = Array.from({ length: 50 }, newShareId)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it.each([
    ['../x', false],
    ['a'.repeat(21), false],
    ['a'.repeat(23), false],
    [`${'a'.repeat(21)}.`, false],
    [`${'a'.repeat(21)}/`, false],
    [`${'a'.repeat(21)}=`, false],
    [`${'a'.repeat(21)}\n`, false],
    ['', false],
    ['AbC_-09xYzAbC_-09xYzAb', true],
  ])('isShareId(%j) is %s', (value, expected) => {
    expect(isShareId(value)).toBe(expected)
  })

  it('put the image and the sidecar side by side under renders/', () => {
    const id = 'AbC_-09xYzAbC_-09xYzAb'
    expect(renderKey(id, 'image/jpeg')).toBe(`renders/${id}.jpg`)
    expect(renderKey(id, 'image/png')).toBe(`renders/${id}.png`)
    expect(renderKey(id, 'image/webp')).toBe(`renders/${id}.webp`)
    expect(sidecarKey(id)).toBe(`renders/${id}.json`)
  })
})

describe('presignShareImage', () => {
  const s3 = new S3Client({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  })
  const record: ShareRecord = {
    version: 1,
    key: 'renders/AbC_-09xYzAbC_-09xYzAb.png',
    contentType: 'image/png',
    width: 10,
    height: 10,
    title: 't',
    createdAt: '2030-01-01T00:00:00.000Z',
  }
  const now = new Date('2030-01-01T12:00:00Z')

  it('signs a GET of the image at the configured endpoint for an hour', async () => {
    const { url, expiresAt } = await presignShareImage(s3, 'bucket', record, { now })
    const parsed = new URL(url)
    expect(parsed.origin).toBe('http://127.0.0.1:9')
    expect(parsed.pathname).toBe('/bucket/renders/AbC_-09xYzAbC_-09xYzAb.png')
    expect(parsed.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256')
    expect(parsed.searchParams.get('X-Amz-Date')).toBe('20300101T120000Z')
    expect(parsed.searchParams.get('X-Amz-Expires')).toBe(String(SHARE_IMAGE_URL_SECONDS))
    expect(SHARE_IMAGE_URL_SECONDS).toBe(3600)
    expect(expiresAt).toBe('2030-01-01T13:00:00.000Z')
    expect(parsed.searchParams.has('response-content-disposition')).toBe(false)
  })

  it('asks S3 to answer a download as an attachment', async () => {
    const { url } = await presignShareImage(s3, 'bucket', record, { now, download: true })
    expect(new URL(url).searchParams.get('response-content-disposition')).toBe(
      'attachment; filename="meme.png"',
    )
  })
})

describe('the share page', () => {
  it('escapes everything HTML gives a meaning to', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    )
  })

  it('allows images from the site only, and a script only where asked, by its hash', () => {
    expect(sharePagePolicy()).toBe(
      "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    )
    expect(sharePagePolicy({ scripts: true })).toMatch(
      /^default-src 'none'; img-src 'self'; script-src 'sha256-[A-Za-z0-9+/]{43}='; style-src/,
    )
  })
})
