import type { FastifyInstance } from 'fastify'
import { imageSize } from 'image-size'
import {
  planPanelLayout,
  type ImageSize,
  type PanelLayoutKind,
  type PixelRect,
} from '@meme-studio/meme-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppConfig } from '../../src/config.ts'
import { makeHalfTransparentPng, makePngHeader } from '../support/pictures.ts'
import { alphaAt, decodePixels, pixelAt, type Pixels } from '../support/pixels.ts'
import { uploadThroughPolicy } from '../support/signed-upload.ts'
import { buildApp, putUpload, startTestS3, testConfig } from '../support/test-app.ts'

let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance
let config: AppConfig

beforeAll(async () => {
  s3 = await startTestS3()
  config = testConfig(s3.endpoint)
  app = await buildApp(config)
})
afterAll(async () => {
  await app.close()
  await s3.close()
})

type Rgb = readonly [number, number, number]
const RED: Rgb = [220, 30, 30]
const GREEN: Rgb = [30, 180, 60]
const BLUE: Rgb = [30, 60, 220]
const YELLOW: Rgb = [240, 210, 20]
const WHITE: Rgb = [255, 255, 255]

/** A picture of one colour, uploaded through a signed policy as the browser does. */
async function uploadSolid(colour: Rgb, width = 400, height = 300): Promise<string> {
  const [r, g, b] = colour
  const jpeg = await sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .jpeg({ quality: 95 })
    .toBuffer()
  const { key, status } = await uploadThroughPolicy(app, jpeg, 'solid.jpg', 'image/jpeg')
  expect(status).toBe(204)
  return key
}

/** Vertical stripes of these colours, left to right, `stripe` pixels wide each. */
async function uploadStripes(colours: readonly Rgb[], stripe: number, height: number) {
  const width = stripe * colours.length
  const raw = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(colours[Math.floor(x / stripe)]!, (y * width + x) * 3)
  }
  const png = await sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
  return (await uploadThroughPolicy(app, png, 'stripes.png', 'image/png')).key
}

const compose = (payload: unknown) =>
  app.inject({ method: 'POST', url: '/api/layouts', payload: payload as object })

async function stored(url: string): Promise<Pixels & { bytes: Buffer }> {
  const response = await fetch(url)
  expect(response.status).toBe(200)
  const bytes = Buffer.from(await response.arrayBuffer())
  return { ...(await decodePixels(bytes)), bytes }
}

function expectColour(pixels: Pixels, x: number, y: number, colour: Rgb, tolerance = 10) {
  const seen = pixelAt(pixels, x, y)
  for (let c = 0; c < 3; c++) {
    expect(Math.abs(seen[c]! - colour[c]!), `${seen} at ${x},${y}, not ${colour}`).toBeLessThan(
      tolerance,
    )
  }
}

const centre = (rect: PixelRect) =>
  [rect.left + rect.width / 2, rect.top + rect.height / 2] as const

function expectRefused(
  response: Awaited<ReturnType<typeof compose>>,
  status: number,
  code: string,
  message?: RegExp,
) {
  expect(response.statusCode).toBe(status)
  expect(response.json()).toMatchObject({ statusCode: status, code })
  if (message) expect(response.json().message).toMatch(message)
}

describe('POST /api/layouts', () => {
  it.each([
    ['side-by-side', [RED, BLUE]],
    ['stacked', [GREEN, YELLOW]],
    ['grid', [RED, GREEN, BLUE, YELLOW]],
  ] as const)('puts each upload in its %s cell, white between them', async (kind, colours) => {
    const images = await Promise.all(colours.map((colour) => uploadSolid(colour)))
    const response = await compose({ kind, images })
    expect(response.statusCode).toBe(201)
    expect(response.headers['cache-control']).toBe('no-store')
    const plan = planPanelLayout(
      kind,
      images.map(() => ({ width: 400, height: 300 })),
      config.maxEdge,
    )
    const body = response.json()
    expect(body).toMatchObject({
      contentType: 'image/jpeg',
      width: plan.width,
      height: plan.height,
    })
    expect(body.key).toMatch(/^uploads\/[0-9a-f-]{36}\.jpg$/)
    expect(new Set([...images, body.key]).size).toBe(images.length + 1)
    expect(Date.parse(body.expiresAt)).toBeGreaterThan(Date.now())
    expect(body.imageUrl.startsWith(s3.endpoint)).toBe(true)
    const picture = await stored(body.imageUrl)
    expect(imageSize(picture.bytes)).toMatchObject({ type: 'jpg', width: plan.width })
    plan.panels.forEach(({ rect }, i) => {
      const [x, y] = centre(rect)
      expectColour(picture, x, y, colours[i]!)
      // Near the cell's corners too: the picture covers the whole cell.
      expectColour(picture, rect.left + 4, rect.top + 4, colours[i]!, 24)
      expectColour(picture, rect.left + rect.width - 5, rect.top + rect.height - 5, colours[i]!, 24)
    })
    const [first, second] = plan.panels.map((panel) => panel.rect)
    const gutter =
      kind === 'stacked'
        ? ([first!.width / 2, first!.height + (second!.top - first!.height) / 2] as const)
        : ([first!.width + (second!.left - first!.width) / 2, first!.height / 2] as const)
    expectColour(picture, gutter[0], gutter[1], WHITE, 24)
  })

  it('puts caption-above’s picture under a white band of a quarter of the height', async () => {
    const image = await uploadSolid(BLUE, 640, 480)
    const response = await compose({ kind: 'caption-above', images: [image] })
    expect(response.statusCode).toBe(201)
    expect(response.json()).toMatchObject({ width: 1600, height: 1600 })
    const picture = await stored(response.json().imageUrl)
    expectColour(picture, 800, 200, WHITE)
    expectColour(picture, 20, 20, WHITE)
    expectColour(picture, 800, 395, WHITE, 24)
    expectColour(picture, 800, 1000, BLUE)
    expectColour(picture, 10, 1590, BLUE, 24)
  })

  it('crops a wide picture to its cell from the middle, without stretching', async () => {
    // 900 × 300 into a cell about as wide as it is tall: only the middle third shows.
    const image = await uploadStripes([RED, GREEN, BLUE], 300, 300)
    const other = await uploadSolid(YELLOW)
    const response = await compose({ kind: 'side-by-side', images: [image, other] })
    expect(response.statusCode).toBe(201)
    const picture = await stored(response.json().imageUrl)
    const cell = planPanelLayout(
      'side-by-side',
      [
        { width: 900, height: 300 },
        { width: 400, height: 300 },
      ],
      config.maxEdge,
    ).panels[0]!.rect
    for (const x of [cell.left + 6, cell.left + cell.width / 2, cell.left + cell.width - 8]) {
      expectColour(picture, x, cell.height / 2, GREEN, 24)
    }
  })

  it('answers a PNG that keeps a picture’s transparency', async () => {
    const { key: clear } = await uploadThroughPolicy(
      app,
      await makeHalfTransparentPng(400, 300),
      'sticker.png',
      'image/png',
    )
    const opaque = await uploadSolid(RED)
    const response = await compose({ kind: 'side-by-side', images: [clear, opaque] })
    expect(response.statusCode).toBe(201)
    expect(response.json()).toMatchObject({ contentType: 'image/png' })
    expect(response.json().key).toMatch(/\.png$/)
    const picture = await stored(response.json().imageUrl)
    const [left, right] = planPanelLayout(
      'side-by-side',
      [
        { width: 400, height: 300 },
        { width: 400, height: 300 },
      ],
      config.maxEdge,
    ).panels.map((panel) => panel.rect)
    // The sticker's transparent left half, cropped to the cell's middle, still shows through.
    expect(alphaAt(picture, left!.left + left!.width * 0.3, left!.height / 2)).toBe(0)
    expect(alphaAt(picture, left!.left + left!.width * 0.8, left!.height / 2)).toBe(255)
    expectColour(picture, left!.left + left!.width * 0.8, left!.height / 2, [128, 128, 128], 3)
    // The gutter and the other cell are opaque.
    expect(alphaAt(picture, left!.width + 4, 10)).toBe(255)
    expectColour(picture, ...centre(right!), RED, 3)
  })

  it('answers a key that POST /api/meme captions like any upload', async () => {
    const images = await Promise.all([uploadSolid(RED), uploadSolid(BLUE)])
    const { key, width, height } = (await compose({ kind: 'stacked', images })).json()
    const meme = await app.inject({
      method: 'POST',
      url: '/api/meme',
      headers: { accept: 'image/png' },
      payload: { image: key, captions: [{ text: 'Top', x: 0.5, y: 0.1 }], format: 'png' },
    })
    expect(meme.statusCode).toBe(200)
    expect(imageSize(meme.rawPayload)).toMatchObject({ type: 'png', width, height })
    const pixels = await decodePixels(meme.rawPayload)
    expectColour(pixels, width / 2, height * 0.75, BLUE)
  })
})

describe('POST /api/layouts refuses', () => {
  let key: string
  beforeAll(async () => {
    key = await uploadSolid(GREEN)
  })

  it.each([
    ['an unknown kind', () => ({ kind: 'mosaic', images: [key] })],
    [
      'a key not issued for an upload',
      () => ({ kind: 'caption-above', images: ['renders/x.png'] }),
    ],
    [
      'a key with a path in it',
      () => ({ kind: 'caption-above', images: ['uploads/../templates/starters/x.png'] }),
    ],
    ['an unknown property', () => ({ kind: 'caption-above', images: [key], bucket: 'other' })],
    ['no images', () => ({ kind: 'caption-above', images: [] })],
    ['a missing images list', () => ({ kind: 'caption-above' })],
    ['a missing kind', () => ({ images: [key] })],
    ['five images', () => ({ kind: 'grid', images: [key, key, key, key, key] })],
    ['images as a string', () => ({ kind: 'caption-above', images: key })],
  ])('%s as 400 VALIDATION', async (_, body) => {
    expectRefused(await compose(body()), 400, 'VALIDATION')
  })

  it.each([
    ['grid', 2, /^The grid layout takes 4 pictures; 2 were given$/],
    ['side-by-side', 1, /^The side-by-side layout takes 2 pictures; 1 was given$/],
    ['caption-above', 2, /^The caption-above layout takes 1 picture; 2 were given$/],
  ] as const)(
    'another number of pictures than %s takes, saying how many',
    async (kind: PanelLayoutKind, count, message) => {
      const response = await compose({ kind, images: Array.from({ length: count }, () => key) })
      expectRefused(response, 400, 'VALIDATION', message)
    },
  )

  it('a body over its limit as 413', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/layouts',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ kind: 'grid', images: [key], padding: 'x'.repeat(8 * 1024) }),
    })
    expect(response.statusCode).toBe(413)
  })

  it('a key that was never uploaded as POST /api/meme does: 404 IMAGE_NOT_FOUND', async () => {
    const missing = 'uploads/0b7e4f7c-3f5e-4c1e-9d2a-000000000000.png'
    const layout = await compose({ kind: 'side-by-side', images: [key, missing] })
    const meme = await app.inject({
      method: 'POST',
      url: '/api/meme',
      payload: { image: missing, captions: [{ text: 'x', x: 0.5, y: 0.5 }] },
    })
    expect(meme.statusCode).toBe(404)
    expect(layout.statusCode).toBe(404)
    expect(layout.json()).toEqual(meme.json())
  })

  it.each<[string, () => Promise<Buffer>, string, number, string]>([
    [
      'a picture over MAX_PIXELS',
      async () => makePngHeader(10_000, 10_000),
      'png',
      422,
      'IMAGE_TOO_LARGE',
    ],
    [
      'a picture too small for a caption',
      () =>
        sharp({ create: { width: 40, height: 40, channels: 3, background: '#888' } })
          .png()
          .toBuffer(),
      'png',
      422,
      'IMAGE_TOO_SMALL',
    ],
    [
      'a file that is no picture',
      async () => Buffer.from('<svg></svg>'),
      'png',
      415,
      'UNSUPPORTED_MEDIA',
    ],
  ])('%s as POST /api/meme does', async (_, bytes, extension, status, code) => {
    const bad = `uploads/0b7e4f7c-3f5e-4c1e-9d2a-${String(status).padStart(12, '0')}.${extension}`
    await putUpload(config, bad, await bytes(), `image/${extension}`)
    const layout = await compose({ kind: 'grid', images: [key, key, bad, key] })
    const meme = await app.inject({
      method: 'POST',
      url: '/api/meme',
      payload: { image: bad, captions: [{ text: 'x', x: 0.5, y: 0.5 }] },
    })
    expectRefused(layout, status, code)
    expect(layout.json()).toEqual(meme.json())
  })
})

describe('layout starters', () => {
  const LAYOUTS: [string, PanelLayoutKind, number, ImageSize][] = [
    ['layout-side-by-side', 'side-by-side', 2, { width: 1600, height: 800 }],
    ['layout-stacked', 'stacked', 2, { width: 1067, height: 1600 }],
    ['layout-grid', 'grid', 4, { width: 1600, height: 1200 }],
    ['layout-caption-above', 'caption-above', 1, { width: 1600, height: 1600 }],
  ]

  it.each(LAYOUTS)(
    '%s asks for its pictures and has a box per panel',
    async (id, kind, panels, size) => {
      const response = await app.inject({ method: 'GET', url: `/api/templates/${id}` })
      expect(response.statusCode).toBe(200)
      const template = response.json()
      expect(template).toMatchObject({ id, kind: 'starter', tags: ['layout', kind], ...size })
      expect(template.layout).toEqual({ kind, panels })
      expect(template.boxes).toHaveLength(panels)
    },
  )

  it('puts caption-above’s box in the band: black, plain, no outline', async () => {
    const template = (
      await app.inject({ method: 'GET', url: '/api/templates/layout-caption-above' })
    ).json()
    const [box] = template.boxes
    expect(box).toMatchObject({ font: 'sans', color: '#000000', strokeWidth: 0, uppercase: false })
    expect(box.y + box.height / 2).toBeLessThanOrEqual(0.25)
    expect(box.y - box.height / 2).toBeGreaterThanOrEqual(0)
  })

  it('renders a layout starter by URL: grey panels on white, one line per panel', async () => {
    const redirect = await app.inject({ method: 'GET', url: '/api/images/layout-grid/a/b/c/d.png' })
    expect(redirect.statusCode).toBe(302)
    expect(redirect.headers.location).toBe('/api/images/layout-grid/a/b/c/d.png?v=1')
    const image = await app.inject({ method: 'GET', url: redirect.headers.location as string })
    expect(image.statusCode).toBe(200)
    expect(imageSize(image.rawPayload)).toMatchObject({ type: 'png', width: 1600, height: 1200 })
    const pixels = await decodePixels(image.rawPayload)
    const plan = planPanelLayout('grid', Array(4).fill({ width: 4, height: 3 }), 1600)
    for (const { rect } of plan.panels) {
      expectColour(pixels, ...centre(rect), [217, 217, 217], 2)
      // Each panel's caption: white letters outlined in black near its bottom.
      let dark = 0
      const y0 = rect.top + rect.height * 0.78
      for (let y = y0; y < rect.top + rect.height * 0.95; y += 2) {
        for (let x = rect.left; x < rect.left + rect.width; x += 2) {
          if (pixelAt(pixels, x, y)[0] < 60) dark++
        }
      }
      expect(dark).toBeGreaterThan(20)
    }
    expectColour(pixels, 800, 4, WHITE, 2)
  })
})
