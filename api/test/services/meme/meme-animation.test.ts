import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/services/shared/app-error.ts'
import {
  animatedRenderCost,
  decodePicture,
  drawMeme,
  MAX_ANIMATION_FRAMES,
  renderCost,
  renderMeme,
  type OutputFormat,
} from '../../../src/services/meme/meme-render.ts'
import { pixelAt, type Pixels } from '../../support/pixels.ts'

const LIMITS = { maxPixels: 40_000_000, maxEdge: 2048 }
const CAPTIONS = [{ text: 'EVERY FRAME', x: 0.5, y: 0.15 }]
type Rgb = readonly [number, number, number]
const FRAMES: readonly Rgb[] = [
  [214, 40, 40],
  [40, 160, 60],
  [30, 60, 200],
]
const DELAYS = [100, 200, 300]
/** Not the default (0, forever): a render that dropped it would show. */
const LOOP = 3

/** An animation of solid frames, one per colour, with the given delays, made by sharp. */
async function makeAnimation(
  type: 'gif' | 'webp',
  width: number,
  height: number,
  colours: readonly Rgb[] = FRAMES,
  delay: readonly number[] = DELAYS,
): Promise<Buffer> {
  const frame = width * height * 3
  const raw = Buffer.alloc(frame * colours.length)
  colours.forEach((colour, f) => {
    for (let i = 0; i < width * height; i++) raw.set(colour, f * frame + i * 3)
  })
  const image = sharp(raw, {
    raw: { width, height: height * colours.length, channels: 3, pageHeight: height },
  })
  const timing = { delay: [...delay], loop: LOOP }
  return type === 'gif'
    ? image.gif(timing).toBuffer()
    : image.webp({ ...timing, lossless: true }).toBuffer()
}

/** One frame of an encoded animation, as RGBA pixels. */
async function framePixels(bytes: Buffer, page: number): Promise<Pixels> {
  const { data, info } = await sharp(bytes, { page })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  return { width: info.width, height: info.height, data: new Uint8ClampedArray(data) }
}

/** Mean distance per channel from a solid colour over rows `top`..`bottom` (fractions). */
function distanceFrom(p: Pixels, colour: Rgb, top: number, bottom: number): number {
  let total = 0
  let count = 0
  for (let y = Math.floor(top * p.height); y < Math.floor(bottom * p.height); y++) {
    for (let x = 0; x < p.width; x++) {
      const px = pixelAt(p, x, y)
      total += Math.abs(px[0] - colour[0]) + Math.abs(px[1] - colour[1])
      total += Math.abs(px[2] - colour[2])
      count += 3
    }
  }
  return total / count
}

async function expectCaptionOnEveryFrame(bytes: Buffer, tolerance: number): Promise<void> {
  for (const [page, colour] of FRAMES.entries()) {
    const frame = await framePixels(bytes, page)
    expect(frame).toMatchObject({ width: 320, height: 240 })
    // The caption band carries white letters with black outlines over the frame's colour.
    expect(distanceFrom(frame, colour, 0.08, 0.22)).toBeGreaterThan(20)
    // Away from the caption every frame keeps its own colour.
    expect(distanceFrom(frame, colour, 0.4, 1)).toBeLessThan(tolerance)
  }
}

async function expectRefusedBeforeDecoding(bytes: Buffer, message: RegExp): Promise<void> {
  const refusal = await renderMeme(bytes, CAPTIONS, LIMITS).catch((error: unknown) => error)
  expect(refusal).toBeInstanceOf(AppError)
  expect(refusal).toMatchObject({ statusCode: 422, code: 'OUTPUT_TOO_LARGE' })
  expect((refusal as AppError).message).toMatch(message)
}

/**
 * A GIF whose header claims `frames` frames of `width`×`height`, each with one pixel of
 * data: decoding any of them fails, so a refusal about its size came from the header.
 */
function gifClaiming(width: number, height: number, frames: number): Buffer {
  const le = (n: number) => [n & 255, n >> 8]
  const header = [
    ...Buffer.from('GIF89a'),
    ...le(width),
    ...le(height),
    0x80, // a global colour table of two entries
    0,
    0,
    ...[0, 0, 0, 255, 255, 255],
    // Loops forever (NETSCAPE2.0), so it reads as an animation.
    ...[0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0'), 3, 1, 0, 0, 0],
  ]
  const frame = [
    ...[0x21, 0xf9, 4, 0, 10, 0, 0, 0], // 100 ms
    ...[0x2c, 0, 0, 0, 0, ...le(width), ...le(height), 0],
    ...[2, 2, 0x4c, 0x01, 0], // LZW: a clear code and one pixel, then the end of the data
  ]
  return Buffer.from([...header, ...Array.from({ length: frames }, () => frame).flat(), 0x3b])
}

describe('animated GIFs and WebPs', () => {
  it.each([
    ['gif', 'image/gif', 4],
    ['webp', 'image/webp', 8],
  ] as const)(
    'an animated %s keeps its frames, delays and loop, with the caption on every frame',
    async (type, contentType, tolerance) => {
      const meme = await renderMeme(await makeAnimation(type, 320, 240), CAPTIONS, LIMITS)
      expect(meme).toMatchObject({ contentType, width: 320, height: 240 })
      const metadata = await sharp(meme.bytes).metadata()
      expect(metadata).toMatchObject({ format: type, pages: 3, delay: DELAYS, loop: LOOP })
      await expectCaptionOnEveryFrame(meme.bytes, tolerance)
    },
  )

  it('gives an animated WebP when WebP is asked for on an animated GIF', async () => {
    const gif = await makeAnimation('gif', 320, 240)
    const meme = await renderMeme(gif, CAPTIONS, { ...LIMITS, format: 'webp' })
    expect(meme.contentType).toBe('image/webp')
    expect(await sharp(meme.bytes).metadata()).toMatchObject({ pages: 3, delay: DELAYS })
    await expectCaptionOnEveryFrame(meme.bytes, 8)
  })

  it.each(['png', 'jpeg'] as const)(
    'gives the first frame as a still %s when asked for',
    async (format: OutputFormat) => {
      const meme = await renderMeme(await makeAnimation('gif', 320, 240), CAPTIONS, {
        ...LIMITS,
        format,
      })
      expect(meme.contentType).toBe(`image/${format}`)
      const metadata = await sharp(meme.bytes).metadata()
      expect(metadata.pages ?? 1).toBe(1)
      const frame = await framePixels(meme.bytes, 0)
      expect(distanceFrom(frame, FRAMES[0]!, 0.4, 1)).toBeLessThan(4)
      expect(distanceFrom(frame, FRAMES[0]!, 0.08, 0.22)).toBeGreaterThan(20)
    },
  )

  it('scales every frame down to MAX_EDGE', async () => {
    const meme = await renderMeme(await makeAnimation('gif', 640, 480), CAPTIONS, {
      ...LIMITS,
      maxEdge: 320,
    })
    expect(meme).toMatchObject({ contentType: 'image/gif', width: 320, height: 240 })
    expect(await sharp(meme.bytes).metadata()).toMatchObject({ pages: 3, delay: DELAYS })
    await expectCaptionOnEveryFrame(meme.bytes, 4)
  })

  it.each([2, 3, 4, 5, 6, 7, 8])(
    'turns every frame of an animated WebP with EXIF orientation %i upright, as a still',
    async (orientation) => {
      // Left half one colour, right half another, a stripe along the top: any turn shows.
      const [w, h] = [96, 64]
      const raw = Buffer.alloc(w * h * 3 * 2)
      for (let f = 0; f < 2; f++) {
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const colour = y < 8 ? [250, 250, 0] : x < w / 2 ? FRAMES[f]! : FRAMES[2]!
            raw.set(colour, ((f * h + y) * w + x) * 3)
          }
        }
      }
      const frames = sharp(raw, { raw: { width: w, height: h * 2, channels: 3, pageHeight: h } })
      const animated = await frames
        .clone()
        .webp({ lossless: true, delay: [100, 200] })
        .withMetadata({ orientation })
        .toBuffer()
      const still = await sharp(raw.subarray(0, w * h * 3), {
        raw: { width: w, height: h, channels: 3 },
      })
        .webp({ lossless: true })
        .withMetadata({ orientation })
        .toBuffer()
      const captions = [{ text: 'UP', x: 0.5, y: 0.5 }]
      const meme = await renderMeme(animated, captions, LIMITS)
      const upright = orientation >= 5 ? { width: h, height: w } : { width: w, height: h }
      expect(meme).toMatchObject({ contentType: 'image/webp', ...upright })
      expect(await sharp(meme.bytes).metadata()).toMatchObject({ pages: 2, delay: [100, 200] })
      // Its first frame, still, is what the still path (libvips's autoOrient) makes.
      const first = await renderMeme(animated, captions, { ...LIMITS, format: 'png' })
      const expected = await renderMeme(still, captions, { ...LIMITS, format: 'png' })
      const [a, b] = await Promise.all([
        framePixels(first.bytes, 0),
        framePixels(expected.bytes, 0),
      ])
      expect(a).toMatchObject(upright)
      expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true)
    },
  )

  it('keeps a one-frame GIF a still PNG', async () => {
    const gif = await makeAnimation('gif', 320, 240, [FRAMES[1]!], [100])
    const meme = await renderMeme(gif, CAPTIONS, LIMITS)
    expect(meme.contentType).toBe('image/png')
    expect(distanceFrom(await framePixels(meme.bytes, 0), FRAMES[1]!, 0.4, 1)).toBe(0)
  })

  it('refuses more frames than the cap from the header, before decoding any', async () => {
    const bytes = gifClaiming(64, 64, MAX_ANIMATION_FRAMES + 1)
    expect((await sharp(bytes).metadata()).pages).toBe(MAX_ANIMATION_FRAMES + 1)
    await expectRefusedBeforeDecoding(bytes, /301 frames; at most 300/)
  })

  it('refuses frames × width × height over the cap from the header, before decoding', async () => {
    // 2 × 4000 × 4000 = 32 million pixels; each frame alone is within MAX_PIXELS.
    await expectRefusedBeforeDecoding(gifClaiming(4000, 4000, 2), /frames × width × height/)
  })

  it('refuses an animation whose encoded answer would not fit', async () => {
    const refusal = await renderMeme(await makeAnimation('gif', 320, 240), CAPTIONS, {
      ...LIMITS,
      maxOutputBase64Bytes: 1000,
    }).catch((error: unknown) => error)
    expect(refusal).toMatchObject({ statusCode: 422, code: 'OUTPUT_TOO_LARGE' })
  })

  it('caches all frames: a second render on the decoded animation gets its own text only', async () => {
    const picture = await decodePicture(await makeAnimation('gif', 320, 240), {
      ...LIMITS,
      animated: true,
    })
    expect(picture.animation).toEqual({ frames: 3, delay: DELAYS, loop: LOOP })
    const before = Buffer.from(picture.pixels)
    const first = await drawMeme(picture, CAPTIONS)
    expect(picture.pixels.equals(before)).toBe(true)
    const second = await drawMeme(picture, [{ text: 'BOTTOM', x: 0.5, y: 0.85 }])
    expect(picture.pixels.equals(before)).toBe(true)
    await expectCaptionOnEveryFrame(first.bytes, 4)
    for (const [page, colour] of FRAMES.entries()) {
      const frame = await framePixels(second.bytes, page)
      expect(distanceFrom(frame, colour, 0.08, 0.22)).toBe(0)
      expect(distanceFrom(frame, colour, 0.78, 0.92)).toBeGreaterThan(20)
    }
  })

  it('decodes only the first frame for a still (templates, layouts)', async () => {
    const picture = await decodePicture(await makeAnimation('gif', 320, 240), LIMITS)
    expect(picture.animation).toBeUndefined()
    expect(picture.pixels.length).toBe(320 * 240 * picture.channels)
  })
})

describe('animatedRenderCost', () => {
  it('counts every frame of an animation and a still as renderCost does', async () => {
    const one = renderCost(await makeAnimation('gif', 320, 240, [FRAMES[0]!], [100]), LIMITS)
    expect(await animatedRenderCost(await makeAnimation('gif', 320, 240), LIMITS)).toBe(one * 3)
    expect(await animatedRenderCost(await makeAnimation('webp', 320, 240), LIMITS)).toBe(one * 3)
    const png = await sharp({
      create: { width: 320, height: 240, channels: 3, background: '#fff' },
    })
      .png()
      .toBuffer()
    expect(await animatedRenderCost(png, LIMITS)).toBe(renderCost(png, LIMITS))
  })

  it('counts no more frames than a render decodes', async () => {
    const bytes = gifClaiming(64, 64, MAX_ANIMATION_FRAMES + 50)
    expect(await animatedRenderCost(bytes, LIMITS)).toBe(
      renderCost(bytes, LIMITS) * MAX_ANIMATION_FRAMES,
    )
  })
})
