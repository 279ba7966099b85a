import { randomUUID } from 'node:crypto'
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
} from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { imageSize } from 'image-size'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  makeAnimatedGif,
  makeJpegClaiming,
  makePicture,
  makePngHeader,
  makeSolidPng,
} from '../support/pictures.ts'
import { decodePixels, meanDifference, pixelAt } from '../support/pixels.ts'
import { ObjectChangeFeed } from '../../src/services/storage/object-changes.ts'
import { uploadThroughPolicy } from '../support/signed-upload.ts'
import {
  buildApp,
  closedPort,
  putUpload,
  startFakeS3,
  startTestS3,
  testConfig,
  testS3Client,
  useAppWithoutS3,
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

  describe('Accept', () => {
    const MAGIC = {
      'image/png': '89504e470d0a1a0a',
      'image/jpeg': 'ffd8ff',
      'image/webp': '52494646',
    } as const

    it.each(['image/png', 'image/jpeg', 'image/webp'] as const)(
      'renders a JPEG upload as %s when Accept asks for it',
      async (type) => {
        const source = await makePicture('jpeg', 320, 240)
        const { key } = await uploadThroughPolicy(app, source, 'photo.jpg', 'image/jpeg')
        const response = await render(app, { image: key, captions: CAPTIONS }, { accept: type })
        expect(response.statusCode).toBe(200)
        expect(response.headers['content-type']).toBe(type)
        expect(response.headers.vary).toBe('Accept')
        expect(response.rawPayload.subarray(0, MAGIC[type].length / 2).toString('hex')).toBe(
          MAGIC[type],
        )
        expect(imageSize(response.rawPayload)).toMatchObject({ width: 320, height: 240 })
      },
    )

    it('answers JSON in the default format with no Accept or */*', async () => {
      const source = await makePicture('jpeg', 320, 240)
      const { key } = await uploadThroughPolicy(app, source, 'photo.jpg', 'image/jpeg')
      for (const headers of [{}, { accept: '*/*' }] as Record<string, string>[]) {
        const response = await render(app, { image: key, captions: CAPTIONS }, headers)
        expect(response.statusCode).toBe(200)
        expect(response.json().meme_type).toBe('image/jpeg')
      }
    })

    it.each([
      ['an image type it cannot make', 'image/gif', undefined],
      ['only HTML', 'text/html', undefined],
      ['PNG while the body asks for JPEG', 'image/png', 'jpeg'],
    ])(
      'answers 406 NOT_ACCEPTABLE for %s, without reading the picture',
      async (_case, accept, format) => {
        const counted = await buildApp(testConfig(s3.endpoint))
        const source = await makePicture('jpeg', 320, 240)
        const { key } = await uploadThroughPolicy(counted, source, 'photo.jpg', 'image/jpeg')
        const send = vi.spyOn(counted.s3, 'send')
        const response = await render(
          counted,
          { image: key, captions: CAPTIONS, ...(format ? { format } : {}) },
          { accept },
        )
        await counted.close()
        expect(response.statusCode).toBe(406)
        expect(response.headers['content-type']).toMatch(/^application\/json/)
        expect(response.json()).toEqual({
          statusCode: 406,
          error: 'Not Acceptable',
          code: 'NOT_ACCEPTABLE',
          message: format
            ? "Accept allows none of what this answers: application/json or image/jpeg (the body's format)"
            : 'Accept allows none of what this answers: application/json, image/jpeg, image/png, image/webp',
        })
        expect(send).not.toHaveBeenCalled()
      },
    )

    it('documents the image types and 406 in the OpenAPI description', async () => {
      const spec = (await app.inject('/api/docs/json')).json()
      const post = spec.paths['/api/meme'].post
      expect(Object.keys(post.responses['200'].content).sort()).toEqual([
        'application/json',
        'image/jpeg',
        'image/png',
        'image/webp',
      ])
      expect(post.responses['406']).toBeDefined()
    })
  })

  describe("the picture's shape and its data", () => {
    async function renderStored(bytes: Buffer, extension = 'png') {
      const key = `uploads/${crypto.randomUUID()}.${extension}`
      const type = extension === 'png' ? 'image/png' : 'image/jpeg'
      await putUpload(testConfig(s3.endpoint), key, bytes, type)
      return render(app, { image: key, captions: [{ text: 'hi', x: 0.5, y: 0.5 }] })
    }

    it('refuses a 1×1 picture with IMAGE_TOO_SMALL naming the minimum, not TEXT_DOES_NOT_FIT', async () => {
      const response = await renderStored(await makeSolidPng(1, 1))
      expect(response.statusCode).toBe(422)
      expect(response.json()).toEqual({
        statusCode: 422,
        error: 'Unprocessable Entity',
        code: 'IMAGE_TOO_SMALL',
        message:
          'The picture is 1×1 pixels; both sides must be at least 48 pixels, to leave room for a caption',
      })
    })

    it('refuses a 1×65500 picture with IMAGE_ASPECT_RATIO naming the maximum', async () => {
      const response = await renderStored(await makeSolidPng(1, 65_500))
      expect(response.statusCode).toBe(422)
      expect(response.json()).toMatchObject({
        code: 'IMAGE_ASPECT_RATIO',
        message:
          'The picture is 1×65500 pixels, 65500:1; its longer side may be at most 10 times its shorter side (10:1)',
      })
    })

    it('renders the smallest and the longest shapes taken: 48×48 and 480×4800', async () => {
      for (const [width, height] of [
        [48, 48],
        [480, 4800],
      ] as const) {
        const response = await renderStored(await makeSolidPng(width, height))
        expect(response.statusCode, response.body).toBe(200)
      }
    })

    it('refuses a JPEG whose header claims 6000×6000 over 800×600 of data (IMAGE_TRUNCATED)', async () => {
      const jpeg = await makeJpegClaiming(800, 600, { width: 6000, height: 6000 })
      const response = await renderStored(jpeg, 'jpg')
      expect(response.statusCode).toBe(422)
      expect(response.json()).toEqual({
        statusCode: 422,
        error: 'Unprocessable Entity',
        code: 'IMAGE_TRUNCATED',
        message:
          "The picture's data ends before the size in its header is filled: the file is cut short or its header is wrong",
      })
      expect(response.headers['content-type']).toMatch(/^application\/json/)
    })

    it('says the same numbers in GET /api/limits', async () => {
      expect((await app.inject('/api/limits')).json()).toMatchObject({
        minEdge: 48,
        maxAspectRatio: 10,
      })
    })
  })

  it('keeps an animated GIF animated, with the caption on every frame; PNG gives its first frame', async () => {
    const image = 'uploads/aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa.gif'
    const colours = [
      [200, 30, 30],
      [30, 30, 200],
    ] as const
    await putUpload(
      testConfig(s3.endpoint),
      image,
      await makeAnimatedGif(320, 240, colours),
      'image/gif',
    )
    const captions = [{ text: 'EVERY FRAME', x: 0.5, y: 0.1 }]
    const response = await render(app, { image, captions })
    expect(response.statusCode).toBe(200)
    expect(response.json().meme_type).toBe('image/gif')
    const gif = Buffer.from(response.json().meme_data, 'base64')
    expect(await sharp(gif).metadata()).toMatchObject({ pages: 2, delay: [100, 100] })
    for (const [page, colour] of colours.entries()) {
      const { data } = await sharp(gif, { page }).raw().toBuffer({ resolveWithObject: true })
      const at = (x: number, y: number) => [
        ...data.subarray((y * 320 + x) * 3, (y * 320 + x + 1) * 3),
      ]
      expect(at(160, 200)).toEqual(colour)
      // Some pixel of the caption's row differs from the frame's colour.
      const row = Array.from({ length: 320 }, (_, x) => at(x, 24))
      expect(row.some((p) => p.some((c, i) => Math.abs(c - colour[i]!) > 60))).toBe(true)
    }

    const still = await render(app, { image, captions, format: 'png' })
    expect(still.json().meme_type).toBe('image/png')
    const png = Buffer.from(still.json().meme_data, 'base64')
    expect((await sharp(png).metadata()).pages ?? 1).toBe(1)
    expect(pixelAt(await decodePixels(png), 160, 200)).toEqual([200, 30, 30])
  })

  it('scales a large picture down to MAX_EDGE', async () => {
    const source = await makePicture('jpeg', 3000, 1000)
    for (const [maxEdge, size] of [
      [undefined, { width: 2048, height: 683 }],
      ['1000', { width: 1000, height: 333 }],
    ] as const) {
      const scaled = await buildApp(testConfig(s3.endpoint, maxEdge ? { MAX_EDGE: maxEdge } : {}))
      const { key } = await uploadThroughPolicy(scaled, source, 'wide.jpg', 'image/jpeg')
      const response = await render(
        scaled,
        { image: key, captions: CAPTIONS },
        { accept: 'image/*' },
      )
      await scaled.close()
      expect(response.statusCode).toBe(200)
      expect(imageSize(response.rawPayload)).toMatchObject({ type: 'jpg', ...size })
    }
  })

  it('answers 422 TEXT_DOES_NOT_FIT for more text than its box holds', async () => {
    const { key } = await uploadThroughPolicy(app, await makePicture('png'), 'a.png', 'image/png')
    const response = await render(app, {
      image: key,
      captions: [{ text: 'word '.repeat(99).trim(), x: 0.5, y: 0.5, width: 0.1, height: 0.05 }],
    })
    expect(response.statusCode).toBe(422)
    expect(response.json()).toMatchObject({
      code: 'TEXT_DOES_NOT_FIT',
      message: expect.stringMatching(/^Caption 1 has more text than fits its box/),
    })
  })

  describe('line breaks', () => {
    const BACKGROUND = [0x4a, 0x6f, 0xa5] as const

    /** Runs of rows holding ink (pixels far from the plain background), top to bottom. */
    function inkBands(pixels: Awaited<ReturnType<typeof decodePixels>>): [number, number][] {
      const bands: [number, number][] = []
      for (let y = 0; y < pixels.height; y++) {
        let inked = false
        for (let x = 0; x < pixels.width && !inked; x++) {
          const [r, g, b] = pixelAt(pixels, x, y)
          const distance =
            Math.abs(r - BACKGROUND[0]) + Math.abs(g - BACKGROUND[1]) + Math.abs(b - BACKGROUND[2])
          inked = distance > 60
        }
        const last = bands.at(-1)
        if (inked && last && last[1] === y - 1) last[1] = y
        else if (inked) bands.push([y, y])
      }
      return bands
    }

    async function bandsOf(text: string, key: string): Promise<[number, number][]> {
      const response = await render(app, {
        image: key,
        captions: [{ text, x: 0.5, y: 0.5, width: 0.9, height: 0.6 }],
        format: 'png',
      })
      expect(response.statusCode).toBe(200)
      return inkBands(await decodePixels(Buffer.from(response.json().meme_data, 'base64')))
    }

    it('draws "TOP\\nBOTTOM" in one box as two lines, and "TOP BOTTOM" as one', async () => {
      const { key } = await uploadThroughPolicy(
        app,
        await makeSolidPng(480, 320),
        'plain.png',
        'image/png',
      )
      const oneLine = await bandsOf('TOP BOTTOM', key)
      expect(oneLine).toHaveLength(1)
      const twoLines = await bandsOf('TOP\nBOTTOM', key)
      expect(twoLines).toHaveLength(2)
      const [upper, lower] = twoLines as [[number, number], [number, number]]
      // One line above the box's centre (160 px), one below, apart by a clear gap.
      expect(upper[1]).toBeLessThan(160)
      expect(lower[0]).toBeGreaterThan(160)
      expect(lower[0] - upper[1]).toBeGreaterThan(5)
      // A CRLF from a Windows client draws the same.
      expect(await bandsOf('TOP\r\nBOTTOM', key)).toEqual(twoLines)
      // An empty line between them keeps a line's height: the gap grows.
      const [top, bottom] = (await bandsOf('TOP\n\nBOTTOM', key)) as [number, number][]
      expect(bottom![0] - top![1]).toBeGreaterThan(lower[0] - upper[1])
    })
  })

  describe('decoded pictures kept for re-renders', () => {
    type Send = { mock: { calls: unknown[][] } }
    const objectReads = (send: Send) =>
      send.mock.calls.filter(([command]) => command instanceof GetObjectCommand).length
    const headRequests = (send: Send) =>
      send.mock.calls.filter(([command]) => command instanceof HeadObjectCommand).length

    async function jpegOf(response: { json(): { meme_data: string } }) {
      return Buffer.from(response.json().meme_data, 'base64')
    }

    const greenJpeg = () =>
      sharp({ create: { width: 320, height: 240, channels: 3, background: '#20c040' } })
        .jpeg()
        .toBuffer()
    /** The middle of a rendered 320×240 picture is the green of `greenJpeg`. */
    async function isGreen(response: { json(): { meme_data: string } }) {
      const [r, g, b] = pixelAt(await decodePixels(await jpegOf(response)), 160, 120)
      return g > 160 && r + b < 150
    }

    // As on AWS, or against any S3_ENDPOINT: the app asks S3 for the cached picture's ETag.
    // As `pnpm start` runs it: the embedded S3 tells the app of every change to its objects.
    describe.each([
      { mode: 'asking S3 whether it changed', told: false, headsPerRender: 1 },
      { mode: 'told of changes by the embedded S3', told: true, headsPerRender: 0 },
    ])('$mode', ({ told, headsPerRender }) => {
      const appFor = () =>
        buildApp(testConfig(s3.endpoint), told ? { objectChanges: s3.changes } : {})

      it('renders the same upload with new text without reading it again, and alike', async () => {
        const cached = await appFor()
        const send = vi.spyOn(cached.s3, 'send')
        const source = await makePicture('jpeg', 640, 480)
        const { key } = await uploadThroughPolicy(cached, source, 'photo.jpg', 'image/jpeg')
        send.mockClear()
        const first = await render(cached, { image: key, captions: CAPTIONS })
        expect(objectReads(send)).toBe(1)
        const newText = [{ text: 'Entirely new words', x: 0.5, y: 0.5 }]
        const second = await render(cached, { image: key, captions: newText })
        expect([first.statusCode, second.statusCode]).toEqual([200, 200])
        // Its body is not read again; asking, a HEAD checks the object is the same version.
        expect(objectReads(send)).toBe(1)
        expect(headRequests(send)).toBe(headsPerRender)
        await cached.close()

        // The same bytes an app that never saw the picture makes.
        const fresh = await buildApp(testConfig(s3.endpoint))
        const reference = await render(fresh, { image: key, captions: newText })
        await fresh.close()
        expect(await jpegOf(second)).toEqual(await jpegOf(reference))
        expect(await jpegOf(second)).not.toEqual(await jpegOf(first))
      })

      it('decodes an overwritten upload again (a new ETag)', async () => {
        const cached = await appFor()
        const send = vi.spyOn(cached.s3, 'send')
        const key = `uploads/${randomUUID()}.jpg`
        await putUpload(testConfig(s3.endpoint), key, await makePicture('jpeg'), 'image/jpeg')
        const before = await render(cached, { image: key, captions: CAPTIONS })
        await putUpload(testConfig(s3.endpoint), key, await greenJpeg(), 'image/jpeg')
        const after = await render(cached, { image: key, captions: CAPTIONS })
        await cached.close()
        expect([before.statusCode, after.statusCode]).toEqual([200, 200])
        expect(objectReads(send)).toBe(2)
        expect(await isGreen(before)).toBe(false)
        expect(await isGreen(after)).toBe(true)
      })

      it('answers 404 for an upload deleted since it was decoded', async () => {
        const cached = await appFor()
        const key = `uploads/${randomUUID()}.png`
        await putUpload(testConfig(s3.endpoint), key, await makePicture('png'), 'image/png')
        expect((await render(cached, { image: key, captions: CAPTIONS })).statusCode).toBe(200)
        const client = testS3Client(testConfig(s3.endpoint))
        await client.send(new DeleteObjectCommand({ Bucket: 'meme-studio-uploads', Key: key }))
        client.destroy()
        const gone = await render(cached, { image: key, captions: CAPTIONS })
        await cached.close()
        expect(gone.statusCode).toBe(404)
        expect(gone.json()).toMatchObject({ code: 'IMAGE_NOT_FOUND' })
      })

      it('answers 404 for uploads deleted many at once, and draws a copy made onto one', async () => {
        const cached = await appFor()
        const config = testConfig(s3.endpoint)
        const upload = () => `uploads/${randomUUID()}.jpg`
        const [kept, deleted, copiedOnto] = [upload(), upload(), upload()]
        await putUpload(config, kept, await greenJpeg(), 'image/jpeg')
        for (const key of [deleted, copiedOnto]) {
          await putUpload(config, key, await makePicture('jpeg'), 'image/jpeg')
          expect((await render(cached, { image: key, captions: CAPTIONS })).statusCode).toBe(200)
        }
        const client = testS3Client(config)
        await client.send(
          new DeleteObjectsCommand({
            Bucket: config.uploadBucket,
            Delete: { Objects: [{ Key: deleted }] },
          }),
        )
        await client.send(
          new CopyObjectCommand({
            Bucket: config.uploadBucket,
            Key: copiedOnto,
            CopySource: `${config.uploadBucket}/${kept}`,
          }),
        )
        client.destroy()
        const gone = await render(cached, { image: deleted, captions: CAPTIONS })
        const copy = await render(cached, { image: copiedOnto, captions: CAPTIONS })
        await cached.close()
        expect(gone.statusCode).toBe(404)
        expect(copy.statusCode).toBe(200)
        expect(await isGreen(copy)).toBe(true)
      })
    })

    it('does not keep a picture whose upload changed while it was being read', async () => {
      const changes = new ObjectChangeFeed()
      const cached = await buildApp(testConfig(s3.endpoint), { objectChanges: changes })
      const key = `uploads/${randomUUID()}.jpg`
      await putUpload(testConfig(s3.endpoint), key, await makePicture('jpeg'), 'image/jpeg')
      // The upload changes just as the first read of it has its answer.
      const s3Send = cached.s3.send.bind(cached.s3) as (command: unknown) => Promise<unknown>
      let announce = true
      const send = vi.spyOn(cached.s3, 'send').mockImplementation((async (command: unknown) => {
        const answer = await s3Send(command)
        if (announce && command instanceof GetObjectCommand) {
          announce = false
          changes.changed('meme-studio-uploads', key)
        }
        return answer
      }) as never)
      const renders = [1, 2, 3].map((n) => ({
        image: key,
        captions: [{ text: `No. ${n}`, x: 0.5, y: 0.5 }],
      }))
      const statuses = []
      for (const request of renders) statuses.push((await render(cached, request)).statusCode)
      await cached.close()
      expect(statuses).toEqual([200, 200, 200])
      // Read again by the second render, which keeps it: the third reads nothing.
      expect(objectReads(send)).toBe(2)
      expect(headRequests(send)).toBe(0)
    })
  })

  describe('more renders at once than it takes on', () => {
    async function burst(target: FastifyInstance, key: string, count: number) {
      return Promise.all(
        Array.from({ length: count }, (_, i) =>
          render(target, {
            image: key,
            captions: [{ text: `Meme number ${i}`, x: 0.5, y: 0.5 }],
          }),
        ),
      )
    }

    it('answers 503 BUSY with Retry-After beyond the budget and queue, and renders the rest', async () => {
      // Room for one render at a time (a 1600×1200 picture is 5.8 MB) and one waiting.
      const busy = await buildApp(
        testConfig(s3.endpoint, { RENDER_MEMORY_BYTES: '1048576', RENDER_QUEUE_LENGTH: '1' }),
      )
      const source = await makePicture('jpeg', 1600, 1200)
      const { key } = await uploadThroughPolicy(busy, source, 'big.jpg', 'image/jpeg')
      const responses = await burst(busy, key, 16)
      const statuses = responses.map((r) => r.statusCode)
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([])
      const refused = responses.filter((r) => r.statusCode === 503)
      const served = responses.filter((r) => r.statusCode === 200)
      expect(refused.length).toBeGreaterThan(0)
      expect(served.length).toBeGreaterThanOrEqual(2)
      for (const response of refused) {
        expect(response.headers['retry-after']).toBe('1')
        expect(response.json()).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'The server is busy making other memes; try again in a few seconds',
          code: 'BUSY',
        })
      }
      for (const response of served) {
        expect(imageSize(Buffer.from(response.json().meme_data, 'base64'))).toMatchObject({
          width: 1600,
          height: 1200,
        })
      }
      // The burst is over: the next render is served.
      const after = await render(busy, { image: key, captions: CAPTIONS })
      await busy.close()
      expect(after.statusCode).toBe(200)
      expect(after.headers['retry-after']).toBeUndefined()
    })

    it('answers BUSY beyond its turns and queue, and serves the renders it took on', async () => {
      // One render at a time and one waiting: of four at once, two are served.
      const one = await buildApp(
        testConfig(s3.endpoint, { RENDER_CONCURRENCY: '1', RENDER_QUEUE_LENGTH: '1' }),
      )
      const source = await makePicture('jpeg', 640, 480)
      const { key } = await uploadThroughPolicy(one, source, 'photo.jpg', 'image/jpeg')
      const responses = await burst(one, key, 4)
      await one.close()
      expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 503, 503])
      for (const response of responses.filter((r) => r.statusCode === 503)) {
        expect(response.headers['retry-after']).toBe('1')
        expect(response.json()).toMatchObject({ code: 'BUSY' })
      }
    })

    it.each([
      ['within its turns and queue', { RENDER_QUEUE_LENGTH: '16' }],
      ['queued for memory', { RENDER_MEMORY_BYTES: '1048576', RENDER_QUEUE_LENGTH: '16' }],
    ])('serves every render of a burst %s', async (_case, env) => {
      const roomy = await buildApp(testConfig(s3.endpoint, env))
      const source = await makePicture('jpeg', 640, 480)
      const { key } = await uploadThroughPolicy(roomy, source, 'photo.jpg', 'image/jpeg')
      const responses = await burst(roomy, key, 8)
      await roomy.close()
      expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(200))
    })

    it('documents Retry-After in the OpenAPI description', async () => {
      const response = await app.inject('/api/docs/json')
      const unavailable = response.json().paths['/api/meme'].post.responses['503']
      expect(unavailable.headers['retry-after'].schema).toMatchObject({ type: 'integer' })
    })
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
    const guarded = useAppWithoutS3()

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
      ['a lone carriage return', { image: KEY, captions: [{ ...caption, text: 'a\rb' }] }],
      ['a tab', { image: KEY, captions: [{ ...caption, text: 'a\tb' }] }],
      ['a next-line (U+0085)', { image: KEY, captions: [{ ...caption, text: 'a\u0085b' }] }],
      ['empty text', { image: KEY, captions: [{ ...caption, text: '' }] }],
      ['x outside 0..1', { image: KEY, captions: [{ ...caption, x: 1.5 }] }],
      ['x as a string', { image: KEY, captions: [{ ...caption, x: '0.5' }] }],
      ['scale above 4', { image: KEY, captions: [{ ...caption, scale: 5 }] }],
      ['scale below 0.25', { image: KEY, captions: [{ ...caption, scale: 0.1 }] }],
      ['a named colour', { image: KEY, captions: [{ ...caption, color: 'red' }] }],
      ['an unknown alignment', { image: KEY, captions: [{ ...caption, align: 'justify' }] }],
      ['an unknown font', { image: KEY, captions: [{ ...caption, font: 'Comic Sans' }] }],
      ['an unknown caption property', { image: KEY, captions: [{ ...caption, blink: true }] }],
      ['rotation past 180', { image: KEY, captions: [{ ...caption, rotation: 181 }] }],
      ['rotation as NaN text', { image: KEY, captions: [{ ...caption, rotation: 'NaN' }] }],
      ['a box too thin', { image: KEY, captions: [{ ...caption, height: 0.01 }] }],
      ['a box taller than the picture', { image: KEY, captions: [{ ...caption, height: 1.5 }] }],
      ['a negative outline', { image: KEY, captions: [{ ...caption, strokeWidth: -0.1 }] }],
      ['an outline past 0.25', { image: KEY, captions: [{ ...caption, strokeWidth: 0.5 }] }],
      ['a shadow as a string', { image: KEY, captions: [{ ...caption, shadow: 'yes' }] }],
      ['an unknown format', { image: KEY, captions: [caption], format: 'bmp' }],
      ['an array body', [KEY]],
    ])('%s', async (_case, payload) => {
      const response = await render(guarded.app, payload)
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION' })
      expect(guarded.requests).toEqual([])
    })

    it('says which property is unknown', async () => {
      const response = await render(guarded.app, {
        image: KEY,
        captions: [caption],
        bucket: 'x',
      })
      expect(response.json().message).toBe('body has an unknown property "bucket"')
    })

    it.each([
      [{ font: 'Comic Sans' }, 'body/captions/0/font must be one of anton, sans, serif, hand'],
      [{ align: 'justify' }, 'body/captions/0/align must be one of left, center, right'],
      [{ rotation: 200 }, 'body/captions/0/rotation must be <= 180'],
    ])('names the field and what it may be: %o', async (change, message) => {
      const response = await render(guarded.app, {
        image: KEY,
        captions: [{ ...caption, ...change }],
      })
      expect(response.json().message).toBe(message)
    })

    it('lists the formats for an unknown one', async () => {
      const response = await render(guarded.app, { image: KEY, captions: [caption], format: 'bmp' })
      expect(response.json().message).toBe('body/format must be one of jpeg, png, webp')
    })

    it('explains a bad key in words', async () => {
      const response = await render(guarded.app, {
        image: 'https://evil.example/x.png',
        captions: [caption],
      })
      expect(response.json().message).toMatch(
        /^body\/image must be a key issued by GET \/api\/sign-s3-request/,
      )
    })

    it('refuses malformed JSON with MALFORMED_JSON', async () => {
      const response = await guarded.app.inject({
        method: 'POST',
        url: '/api/meme',
        headers: { 'content-type': 'application/json' },
        payload: '{"image": "uploads/',
      })
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ code: 'MALFORMED_JSON' })
      expect(guarded.requests).toEqual([])
    })

    it('refuses a body over 64 KiB with 413 BODY_TOO_LARGE', async () => {
      const response = await guarded.app.inject({
        method: 'POST',
        url: '/api/meme',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ image: KEY, captions: [caption], pad: 'x'.repeat(70_000) }),
      })
      expect(response.statusCode).toBe(413)
      expect(response.json()).toMatchObject({ code: 'BODY_TOO_LARGE' })
    })

    it('refuses a body that is not JSON with 415', async () => {
      const response = await guarded.app.inject({
        method: 'POST',
        url: '/api/meme',
        headers: { 'content-type': 'text/plain' },
        payload: 'image=uploads/x.png',
      })
      expect(response.statusCode).toBe(415)
      expect(response.json()).toMatchObject({ code: 'UNSUPPORTED_CONTENT_TYPE' })
      expect(guarded.requests).toEqual([])
    })
  })
})

describe('POST /api/meme by template id', () => {
  type Send = { mock: { calls: unknown[][] } }
  const reads = (send: Send, prefix: string) =>
    send.mock.calls.filter(
      ([command]) =>
        command instanceof GetObjectCommand && String(command.input.Key).startsWith(prefix),
    ).length

  const TEMPLATE_CAPTIONS = [
    { text: 'Top text', x: 0.5, y: 0.12, width: 0.9, height: 0.2 },
    { text: 'Bottom text', x: 0.5, y: 0.88, width: 0.9, height: 0.2 },
  ]

  it("renders over the template's picture, at its size, keeping it decoded for the next", async () => {
    const cached = await buildApp(testConfig(s3.endpoint))
    const send = vi.spyOn(cached.s3, 'send')
    const payload = { template: 'blank-4x3-blue', captions: TEMPLATE_CAPTIONS, format: 'png' }
    const first = await render(cached, payload)
    expect(first.statusCode).toBe(200)
    const meme = await decodePixels(Buffer.from(first.json().meme_data, 'base64'))
    expect([meme.width, meme.height]).toEqual([1024, 768])
    // The starter's blue between the boxes; text in them.
    expect(pixelAt(meme, 512, 384)).toEqual([0x25, 0x63, 0xeb])
    expect(reads(send, 'templates/')).toBe(1)
    const second = await render(cached, { ...payload, captions: [{ text: 'New', x: 0.5, y: 0.5 }] })
    expect(second.statusCode).toBe(200)
    expect(reads(send, 'templates/')).toBe(1)
    await cached.close()
  })

  it('renders the same as the same picture uploaded', async () => {
    const key = `uploads/${randomUUID()}.png`
    const blank = await sharp({
      create: { width: 1024, height: 768, channels: 3, background: '#2563eb' },
    })
      .png()
      .toBuffer()
    await putUpload(testConfig(s3.endpoint), key, blank, 'image/png')
    const [byTemplate, byUpload] = await Promise.all([
      render(app, { template: 'blank-4x3-blue', captions: TEMPLATE_CAPTIONS, format: 'png' }),
      render(app, { image: key, captions: TEMPLATE_CAPTIONS, format: 'png' }),
    ])
    expect([byTemplate.statusCode, byUpload.statusCode]).toEqual([200, 200])
    expect(byTemplate.json().meme_data).toBe(byUpload.json().meme_data)
  })

  it('shares a meme made from a template', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/shares',
      payload: { template: 'blank-square-black', captions: TEMPLATE_CAPTIONS },
    })
    expect(response.statusCode).toBe(201)
    const share = await app.inject({ method: 'GET', url: `/api/shares/${response.json().id}` })
    expect(share.json()).toMatchObject({ width: 1024, height: 1024, contentType: 'image/png' })
  })

  it.each([
    ['an unknown template', 'nope-aaaaaa'],
    ['a path', '../uploads/x'],
    ['custom, which only URLs draw', 'custom'],
    ['__proto__', '__proto__'],
  ])('answers 404 TEMPLATE_NOT_FOUND for %s', async (_, template) => {
    const response = await render(app, { template, captions: TEMPLATE_CAPTIONS })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ code: 'TEMPLATE_NOT_FOUND' })
    expect(response.json().message).toContain(template)
  })

  describe('takes exactly one of image and template (400 VALIDATION, before calling S3)', () => {
    const guarded = useAppWithoutS3()
    it.each([
      [
        'both',
        { image: KEY, template: 'blank-4x3-blue' },
        'body must have either image (an upload key) or template (a template id), not both',
      ],
      ['neither', {}, 'body must have image (an upload key) or template (a template id)'],
    ])('%s', async (_, source, message) => {
      for (const url of ['/api/meme', '/api/shares']) {
        const response = await guarded.app.inject({
          method: 'POST',
          url,
          payload: { ...source, captions: TEMPLATE_CAPTIONS },
        })
        expect(response.statusCode).toBe(400)
        expect(response.json()).toMatchObject({ code: 'VALIDATION', message })
      }
      expect(guarded.requests).toEqual([])
    })

    it('refuses a template id over 100 characters', async () => {
      const response = await render(guarded.app, {
        template: 'a'.repeat(101),
        captions: TEMPLATE_CAPTIONS,
      })
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ code: 'VALIDATION' })
    })
  })
})
