import { imageSize } from 'image-size'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../src/services/app-error.ts'
import { base64Length, renderMeme } from '../../src/services/meme-render.ts'
import { makeGif, makePicture, makePngHeader, withExifOrientation } from '../support/pictures.ts'
import { decodePixels, meanDifference, pixelAt } from '../support/pixels.ts'

const MAX_PIXELS = 40_000_000
const TOP_AND_BOTTOM = [
  { text: 'One does not simply', x: 0.5, y: 0.15 },
  { text: 'render a meme', x: 0.5, y: 0.85 },
]
const band = (top: number, bottom: number) => ({ left: 0.1, right: 0.9, top, bottom })

async function rendered(bytes: Buffer, format?: 'jpeg' | 'png' | 'webp') {
  return renderMeme(bytes, TOP_AND_BOTTOM, { format, maxPixels: MAX_PIXELS })
}

describe('renderMeme', () => {
  it('draws captions in their bands and leaves the middle of the picture alone', async () => {
    const source = await makePicture('png', 640, 480)
    const meme = await rendered(source)
    expect(meme.contentType).toBe('image/png')
    const [before, after] = await Promise.all([decodePixels(source), decodePixels(meme.bytes)])
    expect([after.width, after.height]).toEqual([640, 480])
    // Lossless in and out: the middle is untouched to the bit; the caption bands are not.
    expect(meanDifference(before, after, band(0.4, 0.6))).toBe(0)
    expect(meanDifference(before, after, band(0.08, 0.22))).toBeGreaterThan(20)
    expect(meanDifference(before, after, band(0.78, 0.92))).toBeGreaterThan(20)
  })

  it('draws white letters with a black outline', async () => {
    const source = await makePicture('png', 400, 300)
    const meme = await renderMeme(source, [{ text: 'IIIIIIII', x: 0.5, y: 0.5, scale: 3 }], {
      maxPixels: MAX_PIXELS,
    })
    const out = await decodePixels(meme.bytes)
    let white = 0
    let black = 0
    for (let x = 40; x < 360; x++) {
      const [r, g, b] = pixelAt(out, x, 150)
      if (r > 240 && g > 240 && b > 240) white++
      if (r < 15 && g < 15 && b < 15) black++
    }
    expect(white).toBeGreaterThan(20)
    expect(black).toBeGreaterThan(20)
  })

  it.each([
    ['jpeg', undefined, 'image/jpeg', 'jpg'],
    ['png', undefined, 'image/png', 'png'],
    ['webp', undefined, 'image/webp', 'webp'],
    ['jpeg', 'png', 'image/png', 'png'],
    ['png', 'webp', 'image/webp', 'webp'],
    ['webp', 'jpeg', 'image/jpeg', 'jpg'],
  ] as const)(
    'turns %s into %s (default: the input type)',
    async (input, format, type, sniffed) => {
      const meme = await rendered(await makePicture(input), format)
      expect(meme.contentType).toBe(type)
      expect(imageSize(meme.bytes)).toMatchObject({ type: sniffed, width: 320, height: 240 })
    },
  )

  it('renders the first frame of a GIF as PNG', async () => {
    const meme = await renderMeme(makeGif(), [{ text: 'a', x: 0.5, y: 0.5, scale: 0.25 }], {
      maxPixels: MAX_PIXELS,
    })
    expect(meme.contentType).toBe('image/png')
    expect(imageSize(meme.bytes)).toMatchObject({ type: 'png', width: 2, height: 1 })
  })

  it.each([
    // Source: red in the top-left quarter of 320×240. Where must red land once upright?
    // @see https://www.cipa.jp/std/documents/e/DC-008-2012_E.pdf (Orientation, 0x0112)
    [1, [320, 240], [0.25, 0.25]],
    [2, [320, 240], [0.75, 0.25]],
    [3, [320, 240], [0.75, 0.75]],
    [4, [320, 240], [0.25, 0.75]],
    [5, [240, 320], [0.25, 0.25]],
    [6, [240, 320], [0.75, 0.25]],
    [7, [240, 320], [0.75, 0.75]],
    [8, [240, 320], [0.25, 0.75]],
  ] as const)('applies EXIF orientation %i as a browser does', async (orientation, size, red) => {
    const jpeg = withExifOrientation(await makePicture('jpeg', 320, 240), orientation)
    const meme = await renderMeme(jpeg, [{ text: '.', x: 0.5, y: 0.5, scale: 0.25 }], {
      maxPixels: MAX_PIXELS,
      format: 'png',
    })
    const out = await decodePixels(meme.bytes)
    expect([out.width, out.height]).toEqual(size)
    const [r, g, b] = pixelAt(out, red[0] * out.width, red[1] * out.height)
    expect(r).toBeGreaterThan(180)
    expect(g + b).toBeLessThan(150)
  })

  it('writes no EXIF into the output', async () => {
    const jpeg = withExifOrientation(await makePicture('jpeg'), 6)
    const meme = await rendered(jpeg)
    expect(meme.bytes.includes(Buffer.from('Exif\0\0', 'latin1'))).toBe(false)
  })

  it('refuses oversized pictures before decoding', async () => {
    await expect(rendered(makePngHeader(30_000, 30_000))).rejects.toMatchObject({
      statusCode: 422,
      code: 'IMAGE_TOO_LARGE',
    })
  })

  it('refuses a picture that is damaged after its header', async () => {
    const png = await makePicture('png')
    const damaged = Buffer.concat([png.subarray(0, 40), Buffer.alloc(200, 0x55)])
    await expect(rendered(damaged)).rejects.toMatchObject({
      statusCode: 422,
      code: 'IMAGE_UNREADABLE',
    })
  })

  describe('output that must fit a Lambda response', () => {
    it('lowers JPEG quality until the output fits', async () => {
      const source = await makePicture('jpeg', 800, 600)
      const best = await rendered(source)
      const limit = base64Length(best.bytes.length) - 1
      const smaller = await renderMeme(source, TOP_AND_BOTTOM, {
        maxPixels: MAX_PIXELS,
        maxOutputBase64Bytes: limit,
      })
      expect(base64Length(smaller.bytes.length)).toBeLessThanOrEqual(limit)
      expect(imageSize(smaller.bytes)).toMatchObject({ type: 'jpg', width: 800, height: 600 })
    })

    it.each(['png', 'jpeg'] as const)(
      'answers OUTPUT_TOO_LARGE when %s cannot fit',
      async (format) => {
        const error = await renderMeme(await makePicture('png'), TOP_AND_BOTTOM, {
          format,
          maxPixels: MAX_PIXELS,
          maxOutputBase64Bytes: 100,
        }).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(AppError)
        expect(error).toMatchObject({ statusCode: 422, code: 'OUTPUT_TOO_LARGE' })
      },
    )
  })
})
