import type { FastifyInstance } from 'fastify'
import { imageSize } from 'image-size'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeGif, makePicture, makePngHeader } from '../support/pictures.ts'
import { decodePixels, meanDifference } from '../support/pixels.ts'
import { uploadThroughPolicy } from '../support/signed-upload.ts'
import {
  buildApp,
  closedPort,
  putUpload,
  startFakeS3,
  startTestS3,
  testConfig,
} from '../support/test-app.ts'

const MAX_UPLOAD_BYTES = 200_000
let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance

beforeAll(async () => {
  s3 = await startTestS3()
  app = await buildApp(testConfig(s3.endpoint, { MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) }))
})
afterAll(async () => {
  await app.close()
  await s3.close()
})

const KEY = 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png'
const CAPTIONS = [
  { text: 'Top text', x: 0.5, y: 0.15 },
  { text: 'Bottom text', x: 0.5, y: 0.85 },
]

function render(app: FastifyInstance, payload: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: 'POST', url: '/api/meme', payload: payload as object, headers })
}

describe('POST /api/meme', () => {
  it('renders an uploaded picture and answers base64 JSON of the same size', async () => {
    const source = await makePicture('jpeg', 640, 480)
    const { key } = await uploadThroughPolicy(app, source, 'photo.jpg', 'image/jpeg')
    const response = await render(app, { image: key, captions: CAPTIONS })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^application\/json/)
    const body = response.json()
    expect(Object.keys(body).sort()).toEqual(['meme_data', 'meme_type'])
    expect(body.meme_type).toBe('image/jpeg')
    const bytes = Buffer.from(body.meme_data, 'base64')
    expect(imageSize(bytes)).toMatchObject({ type: 'jpg', width: 640, height: 480 })
    const [before, after] = await Promise.all([decodePixels(source), decodePixels(bytes)])
    const band = (top: number, bottom: number) => ({ left: 0.2, right: 0.8, top, bottom })
    expect(meanDifference(before, after, band(0.1, 0.2))).toBeGreaterThan(20)
    expect(meanDifference(before, after, band(0.8, 0.9))).toBeGreaterThan(20)
    expect(meanDifference(before, after, band(0.4, 0.6))).toBeLessThan(4) // JPEG re-encode only
  })

  it('answers raw bytes when Accept asks for an image, in the chosen format', async () => {
    const { key } = await uploadThroughPolicy(app, await makePicture('png'), 'a.png', 'image/png')
    const response = await render(
      app,
      { image: key, captions: CAPTIONS, format: 'webp' },
      {
        accept: 'image/*',
      },
    )
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('image/webp')
    expect(imageSize(response.rawPayload)).toMatchObject({ type: 'webp', width: 320, height: 240 })
  })

  it('turns a GIF into a PNG by default', async () => {
    await putUpload(
      testConfig(s3.endpoint),
      'uploads/aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa.gif',
      makeGif(),
      'image/gif',
    )
    const response = await render(app, {
      image: 'uploads/aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa.gif',
      captions: [{ text: 'x', x: 0.5, y: 0.5 }],
    })
    expect(response.statusCode).toBe(200)
    expect(response.json().meme_type).toBe('image/png')
  })

  describe('what it reads from S3', () => {
    it('answers 404 IMAGE_NOT_FOUND for a key never uploaded', async () => {
      const response = await render(app, { image: KEY, captions: CAPTIONS })
      expect(response.statusCode).toBe(404)
      expect(response.json()).toMatchObject({ code: 'IMAGE_NOT_FOUND', statusCode: 404 })
    })

    it('picks the decoder from the bytes: text stored as image/png is 415', async () => {
      await putUpload(
        testConfig(s3.endpoint),
        KEY,
        Buffer.from('<html>not a picture</html>'),
        'image/png',
      )
      const response = await render(app, { image: KEY, captions: CAPTIONS })
      expect(response.statusCode).toBe(415)
      expect(response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA' })
    })

    it('refuses an empty object as not a picture (415)', async () => {
      const key = 'uploads/eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee.png'
      await putUpload(testConfig(s3.endpoint), key, Buffer.alloc(0), 'image/png')
      const response = await render(app, { image: key, captions: CAPTIONS })
      expect(response.statusCode).toBe(415)
      expect(response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA' })
    })

    it('refuses a PNG claiming 30000×30000 from its header (422 IMAGE_TOO_LARGE)', async () => {
      const key = 'uploads/bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb.png'
      await putUpload(testConfig(s3.endpoint), key, makePngHeader(30_000, 30_000), 'image/png')
      const response = await render(app, { image: key, captions: CAPTIONS })
      expect(response.statusCode).toBe(422)
      expect(response.json()).toMatchObject({ code: 'IMAGE_TOO_LARGE' })
    })

    it('reads no more than MAX_UPLOAD_BYTES of an object (422 IMAGE_TOO_LARGE)', async () => {
      const key = 'uploads/cccccccc-cccc-4ccc-8ccc-cccccccccccc.png'
      const big = Buffer.concat([await makePicture('png'), Buffer.alloc(MAX_UPLOAD_BYTES)])
      await putUpload(testConfig(s3.endpoint), key, big, 'image/png')
      const response = await render(app, { image: key, captions: CAPTIONS })
      expect(response.statusCode).toBe(422)
      expect(response.json()).toMatchObject({ code: 'IMAGE_TOO_LARGE' })
    })

    it('treats S3 403 on a missing key as 404 IMAGE_NOT_FOUND', async () => {
      const fake = await startFakeS3(() => ({
        status: 403,
        body: '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      }))
      const denied = await buildApp(testConfig(fake.endpoint))
      const response = await render(denied, { image: KEY, captions: CAPTIONS })
      await denied.close()
      await fake.close()
      expect(response.statusCode).toBe(404)
      expect(response.json()).toMatchObject({ code: 'IMAGE_NOT_FOUND' })
      expect(fake.requests.map((r) => r.method)).toContain('GET')
    })

    it('answers 503 STORAGE_UNAVAILABLE when S3 cannot be reached, leaking nothing', async () => {
      const offline = await buildApp(testConfig(await closedPort()))
      const response = await render(offline, { image: KEY, captions: CAPTIONS })
      await offline.close()
      expect(response.statusCode).toBe(503)
      expect(response.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The storage service is not reachable',
        code: 'STORAGE_UNAVAILABLE',
      })
    })
  })

  describe('refuses bad requests with 400 VALIDATION before calling S3', () => {
    let fake: Awaited<ReturnType<typeof startFakeS3>>
    let guarded: FastifyInstance
    beforeAll(async () => {
      fake = await startFakeS3(() => ({ status: 500 }))
      guarded = await buildApp(testConfig(fake.endpoint))
    })
    afterAll(async () => {
      await guarded.close()
      await fake.close()
    })

    const caption = { text: 'hi', x: 0.5, y: 0.5 }
    it.each([
      ['a URL', { image: 'https://evil.example/cat.png', captions: [caption] }],
      [
        'a bucket address',
        { image: KEY, captions: [caption], bucket_address: 'http://169.254.169.254/' },
      ],
      [
        'another prefix',
        { image: 'renders/2b1c2d3e-1111-4222-8333-444455556666.png', captions: [caption] },
      ],
      ['a traversal', { image: 'uploads/../admin-api-key', captions: [caption] }],
      ['a traversal after a valid prefix', { image: `${KEY}/../../x.png`, captions: [caption] }],
      ['a non-UUID key', { image: 'uploads/cat.png', captions: [caption] }],
      ['an upper-case extension', { image: KEY.replace('.png', '.PNG'), captions: [caption] }],
      ['no image', { captions: [caption] }],
      ['no captions', { image: KEY }],
      ['zero captions', { image: KEY, captions: [] }],
      ['eleven captions', { image: KEY, captions: Array(11).fill(caption) }],
      ['501 characters', { image: KEY, captions: [{ ...caption, text: 'a'.repeat(501) }] }],
      ['a control character', { image: KEY, captions: [{ ...caption, text: 'a\u0007b' }] }],
      ['a newline', { image: KEY, captions: [{ ...caption, text: 'a\nb' }] }],
      ['empty text', { image: KEY, captions: [{ ...caption, text: '' }] }],
      ['x outside 0..1', { image: KEY, captions: [{ ...caption, x: 1.5 }] }],
      ['x as a string', { image: KEY, captions: [{ ...caption, x: '0.5' }] }],
      ['scale above 4', { image: KEY, captions: [{ ...caption, scale: 5 }] }],
      ['scale below 0.25', { image: KEY, captions: [{ ...caption, scale: 0.1 }] }],
      ['a named colour', { image: KEY, captions: [{ ...caption, color: 'red' }] }],
      ['an unknown alignment', { image: KEY, captions: [{ ...caption, align: 'justify' }] }],
      [
        'an unknown caption property',
        { image: KEY, captions: [{ ...caption, font: 'Comic Sans' }] },
      ],
      ['an unknown format', { image: KEY, captions: [caption], format: 'bmp' }],
      ['an array body', [KEY]],
    ])('%s', async (_case, payload) => {
      const response = await render(guarded, payload)
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION' })
      expect(fake.requests).toEqual([])
    })

    it('says which property is unknown', async () => {
      const response = await render(guarded, {
        image: KEY,
        captions: [caption],
        bucket_address: 'x',
      })
      expect(response.json().message).toBe('body has an unknown property "bucket_address"')
    })

    it('explains a bad key in words', async () => {
      const response = await render(guarded, {
        image: 'https://evil.example/x.png',
        captions: [caption],
      })
      expect(response.json().message).toMatch(
        /^body\/image must be a key issued by GET \/api\/sign-s3-request/,
      )
    })

    it('refuses malformed JSON with MALFORMED_JSON', async () => {
      const response = await guarded.inject({
        method: 'POST',
        url: '/api/meme',
        headers: { 'content-type': 'application/json' },
        payload: '{"image": "uploads/',
      })
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ code: 'MALFORMED_JSON' })
      expect(fake.requests).toEqual([])
    })

    it('refuses a body over 64 KiB with 413 BODY_TOO_LARGE', async () => {
      const response = await guarded.inject({
        method: 'POST',
        url: '/api/meme',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ image: KEY, captions: [caption], pad: 'x'.repeat(70_000) }),
      })
      expect(response.statusCode).toBe(413)
      expect(response.json()).toMatchObject({ code: 'BODY_TOO_LARGE' })
    })

    it('refuses a body that is not JSON with 415', async () => {
      const response = await guarded.inject({
        method: 'POST',
        url: '/api/meme',
        headers: { 'content-type': 'text/plain' },
        payload: 'image=uploads/x.png',
      })
      expect(response.statusCode).toBe(415)
      expect(response.json()).toMatchObject({ code: 'UNSUPPORTED_CONTENT_TYPE' })
      expect(fake.requests).toEqual([])
    })
  })
})
