import { createCanvas } from '@napi-rs/canvas'
import type { FastifyInstance } from 'fastify'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { withExifOrientation } from '../support/pictures.ts'
import { decodePixels, meanDifference } from '../support/pixels.ts'
import { buildApp, startFakeS3, startTestS3, testConfig } from '../support/test-app.ts'

/**
 * The tutorial's client: it names the file (no content type), uploads through the policy
 * and asks for one caption at a pixel position, naming the bucket it uploaded to.
 */
let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance
let bucketAddress: string

beforeAll(async () => {
  s3 = await startTestS3()
  // Pictures are scaled down to 400 pixels: positions are in the upload's own pixels.
  app = await buildApp(testConfig(s3.endpoint, { MAX_EDGE: '400' }))
  bucketAddress = `${s3.endpoint}/meme-studio-uploads`
})
afterAll(async () => {
  await app.close()
  await s3.close()
})

const sign = (query: Record<string, string>) =>
  app.inject({ method: 'GET', url: '/api/sign-s3-request', query })

/** What the seed's client does: sign by name only, then POST the form. */
async function seedUpload(file: Buffer, filename: string): Promise<string> {
  const signed = await sign({ filename })
  expect(signed.statusCode).toBe(200)
  const { url, fields, key } = signed.json<{
    url: string
    fields: Record<string, string>
    key: string
  }>()
  expect(url).toBe(bucketAddress)
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  form.append('file', new Blob([new Uint8Array(file)]), filename)
  const response = await fetch(url, { method: 'POST', body: form })
  expect(response.status).toBe(204)
  return key
}

const plainPng = (width: number, height: number) => {
  const canvas = createCanvas(width, height)
  const ctx = canvas.getContext('2d')
  ctx.fillStyle = '#808080'
  ctx.fillRect(0, 0, width, height)
  return canvas.encode('png')
}

const render = (payload: object, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: '/api/meme', payload, headers })

const bytesOf = (response: { json: () => { meme_data: string } }) =>
  Buffer.from(response.json().meme_data, 'base64')

describe('GET /api/sign-s3-request without contentType', () => {
  it.each([
    ['cat.JPG', 'jpg', 'image/jpeg'],
    ['a.png', 'png', 'image/png'],
    ['photo.jpeg', 'jpg', 'image/jpeg'],
    ['b.webp', 'webp', 'image/webp'],
  ])('signs %s as the type its extension names', async (filename, extension, type) => {
    const response = await sign({ filename })
    expect(response.statusCode).toBe(200)
    const body = response.json()
    expect(body.key).toMatch(new RegExp(`^uploads/[0-9a-f-]{36}\\.${extension}$`))
    expect(body.fields['Content-Type']).toBe(type)
    expect(body.url).toBe(bucketAddress)
  })

  it.each(['noext', 'evil.exe', 'x.jpg.exe', '.png', 'cat.'])(
    'refuses %s with UNSUPPORTED_MEDIA saying what to send',
    async (filename) => {
      const response = await sign({ filename })
      expect(response.statusCode).toBe(400)
      expect(response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'UNSUPPORTED_MEDIA',
        message:
          'Without contentType the file name says what the picture is: name a .jpg, .png, .webp or .gif file, or send contentType',
      })
    },
  )

  it.each(['a/b.png', 'cat\u0000.png', `${'x'.repeat(300)}.png`])(
    'still refuses a bad name %j with BAD_FILENAME',
    async (filename) => {
      const response = await sign({ filename })
      expect(response.statusCode).toBe(400)
      expect(response.json().code).toBe('BAD_FILENAME')
    },
  )
})

describe("POST /api/meme in the seed's form", () => {
  it('draws the caption centred where posx/posy say, in the upload’s pixels', async () => {
    // 800×600, drawn at 400×300: (200, 150) is a quarter across and down either way.
    const key = await seedUpload(await plainPng(800, 600), 'plain.png')
    const seed = {
      image: key,
      bucket_address: bucketAddress,
      posx: 200,
      posy: 150,
      scale: 1.5,
      caption: 'HELLO',
    }
    const first = await render(seed) // decodes the upload
    expect(first.statusCode).toBe(200)
    expect(first.json().meme_type).toBe('image/png')
    const again = await render(seed) // from the decoded picture kept
    const fractions = await render({
      image: key,
      captions: [{ text: 'HELLO', x: 0.25, y: 0.25, scale: 1.5 }],
    })
    expect(bytesOf(first).equals(bytesOf(fractions))).toBe(true)
    expect(bytesOf(again).equals(bytesOf(fractions))).toBe(true)

    const before = await decodePixels(await plainPng(400, 300))
    const after = await decodePixels(bytesOf(first))
    expect(after.width).toBe(400)
    const around = { left: 0.15, right: 0.35, top: 0.2, bottom: 0.3 }
    expect(meanDifference(before, after, around)).toBeGreaterThan(20)
    for (const elsewhere of [
      { left: 0.6, right: 1, top: 0, bottom: 1 },
      { left: 0, right: 1, top: 0.5, bottom: 1 },
    ]) {
      expect(meanDifference(before, after, elsewhere)).toBe(0)
    }
  })

  it('takes the default scale 1 and clamps a position past the picture to its edge', async () => {
    const key = await seedUpload(await plainPng(400, 300), 'plain.png')
    const seed = await render({
      image: key,
      bucket_address: bucketAddress,
      posx: 5000,
      posy: 150,
      caption: 'EDGE',
    })
    const fractions = await render({
      image: key,
      captions: [{ text: 'EDGE', x: 1, y: 0.5, scale: 1 }],
    })
    expect(seed.statusCode).toBe(200)
    expect(bytesOf(seed).equals(bytesOf(fractions))).toBe(true)
  })

  it('reads posx/posy in the picture as seen upright (EXIF orientation applied)', async () => {
    // Stored 320×240 landscape, shown 240×320 portrait (orientation 6: turned clockwise).
    const stored = await sharp({
      create: { width: 320, height: 240, channels: 3, background: '#808080' },
    })
      .jpeg()
      .toBuffer()
    const key = await seedUpload(withExifOrientation(stored, 6), 'turned.jpg')
    const seed = await render({
      image: key,
      bucket_address: bucketAddress,
      posx: 60,
      posy: 240,
      caption: 'UP',
    })
    const fractions = await render({ image: key, captions: [{ text: 'UP', x: 0.25, y: 0.75 }] })
    expect(seed.statusCode).toBe(200)
    expect(bytesOf(seed).equals(bytesOf(fractions))).toBe(true)
    expect((await decodePixels(bytesOf(seed))).height).toBe(320)
  })

  it('answers bytes when Accept asks for an image, as the other form does', async () => {
    const key = await seedUpload(await plainPng(400, 300), 'plain.png')
    const response = await render(
      { image: key, bucket_address: `${bucketAddress}/`, posx: 10, posy: 10, caption: 'A' },
      { accept: 'image/webp' },
    )
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('image/webp')
    expect(response.rawPayload.subarray(8, 12).toString('latin1')).toBe('WEBP')
  })

  describe('bucket_address', () => {
    let elsewhere: Awaited<ReturnType<typeof startFakeS3>>
    beforeAll(async () => {
      elsewhere = await startFakeS3(() => ({ status: 200, body: '' }))
    })
    afterAll(() => elsewhere.close())

    const withUserinfo = () => {
      const url = new URL(bucketAddress)
      url.username = 'admin'
      url.password = 'secret'
      return url.toString()
    }

    it.each([
      ['another bucket', () => `${s3.endpoint}/another-bucket`],
      ['another server', () => `${elsewhere.endpoint}/meme-studio-uploads`],
      ['a URL with userinfo', withUserinfo],
      ['the metadata service', () => 'http://169.254.169.254/'],
      ['a query', () => `${bucketAddress}?x=1`],
      ['not a URL', () => 'meme-studio-uploads'],
      ['a file URL', () => 'file:///etc/passwd'],
    ])('refuses %s with 400 and never asks it anything', async (_case, address) => {
      const key = await seedUpload(await plainPng(400, 300), 'plain.png')
      const send = vi.spyOn(app.s3, 'send')
      const response = await render({
        image: key,
        bucket_address: address(),
        posx: 10,
        posy: 10,
        caption: 'hi',
      })
      const calls = send.mock.calls.length
      send.mockRestore()
      expect(response.statusCode).toBe(400)
      expect(response.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        code: 'VALIDATION',
        message: `body/bucket_address must be the uploads bucket's address, ${bucketAddress} (the url GET /api/sign-s3-request answers)`,
      })
      expect(elsewhere.requests).toEqual([])
      // Refused before the upload is read.
      expect(calls).toBe(0)
    })
  })

  const valid = {
    image: 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png',
    bucket_address: 'http://unused.invalid/',
    posx: 10,
    posy: 10,
    caption: 'hi',
  }

  it.each([
    [
      'no bucket_address',
      { bucket_address: undefined },
      "body must have required property 'bucket_address'",
    ],
    ['a negative posx', { posx: -1 }, 'body/posx must be >= 0'],
    ['a huge posy', { posy: 1e12 }, 'body/posy must be <= 100000'],
    ['a posx in a string', { posx: '10' }, 'body/posx must be number'],
    ['a posy that is null', { posy: null }, 'body/posy must be number'],
    ['no caption', { caption: undefined }, "body must have required property 'caption'"],
    ['an empty caption', { caption: '' }, 'body/caption must NOT have fewer than 1 characters'],
    [
      'a caption too long',
      { caption: 'x'.repeat(501) },
      'body/caption must NOT have more than 500 characters',
    ],
    [
      'a caption with a control character',
      { caption: 'a\u0007b' },
      'body/caption must be text without control characters',
    ],
    ['a scale over 4', { scale: 5 }, 'body/scale must be <= 4'],
    [
      'an image that is no upload key',
      { image: '../secrets' },
      'body/image must be a key issued by GET /api/sign-s3-request',
    ],
    ['a style property', { color: '#ff0000' }, 'body has an unknown property "color"'],
    ['captions as well', { captions: [{ text: 'x', x: 0.5, y: 0.5 }] }, 'body mixes two forms'],
    ['a template as well', { template: 'drake' }, 'body mixes two forms'],
    ['a format as well', { format: 'png' }, 'body mixes two forms'],
  ])('refuses %s with a 400 about that', async (_case, change, message) => {
    const response = await render({ ...valid, ...change })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'VALIDATION' })
    expect(response.json().message).toContain(message)
  })

  it('refuses the other form with a seed property as mixed, naming both forms', async () => {
    const response = await render({
      image: valid.image,
      captions: [{ text: 'x', x: 0.5, y: 0.5 }],
      caption: 'x',
    })
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      code: 'VALIDATION',
      message:
        "body mixes two forms: send {image or template, captions, format} or the seed's {image, bucket_address, posx, posy, scale, caption}, not properties of both",
    })
  })

  it('keeps the errors of the usual form about the usual form', async () => {
    const response = await render({ image: valid.image, captions: [] })
    expect(response.statusCode).toBe(400)
    expect(response.json().message).toBe('body/captions must NOT have fewer than 1 items')
  })

  it('shows both forms in the OpenAPI', async () => {
    const spec = (await app.inject('/api/docs/json')).json()
    const body = spec.paths['/api/meme'].post.requestBody.content['application/json'].schema
    const forms = body.anyOf as { required: string[] }[]
    expect(forms.map((form) => form.required)).toEqual([
      ['captions'],
      ['image', 'bucket_address', 'posx', 'posy', 'caption'],
    ])
  })
})
