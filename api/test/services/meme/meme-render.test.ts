import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import { createCanvas, loadImage } from '@napi-rs/canvas'
import {
  drawCaptions,
  fontStack,
  outputSize,
  type Caption,
  type CaptionFontId,
} from '@meme-studio/meme-core'
import { imageSize } from 'image-size'
import sharp from 'sharp'
import { describe, expect, it, vi } from 'vitest'
import { AppError } from '../../../src/services/shared/app-error.ts'
import {
  base64Length,
  decodePicture,
  drawMeme,
  layoutCaptions,
  renderMeme,
  type OutputFormat,
  type Picture,
  type RenderedMeme,
} from '../../../src/services/meme/meme-render.ts'
import {
  makeAnimatedGif,
  makeGif,
  makeHalfTransparentPng,
  makeJpegClaiming,
  makeJpegWithPrivateMetadata,
  makePicture,
  makePngHeader,
  makeSolidPng,
  PRIVATE_METADATA,
  withExifOrientation,
} from '../../support/pictures.ts'
import {
  alphaAt,
  decodePixels,
  maxDifference,
  meanDifference,
  pixelAt,
  type Pixels,
} from '../../support/pixels.ts'

const LIMITS = { maxPixels: 40_000_000, maxEdge: 2048 }
const TOP_AND_BOTTOM = [
  { text: 'One does not simply', x: 0.5, y: 0.15 },
  { text: 'render a meme', x: 0.5, y: 0.85 },
]
const band = (top: number, bottom: number) => ({ left: 0.1, right: 0.9, top, bottom })
const MAGIC: Record<OutputFormat, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' }
const RED = [214, 40, 40] as const
const BLUE = [30, 60, 200] as const

async function rendered(bytes: Buffer, format?: OutputFormat) {
  return renderMeme(bytes, TOP_AND_BOTTOM, { ...LIMITS, format })
}

async function decoded(bytes: Buffer): Promise<Picture> {
  return decodePicture(bytes, LIMITS)
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('renderMeme', () => {
  it('draws captions in their bands and leaves the middle of the picture alone', async () => {
    const source = await makePicture('png', 640, 480)
    const meme = await rendered(source)
    expect(meme).toMatchObject({ contentType: 'image/png', width: 640, height: 480 })
    const [before, after] = await Promise.all([decodePixels(source), decodePixels(meme.bytes)])
    expect([after.width, after.height]).toEqual([640, 480])
    // Lossless in and out: the middle is untouched to the bit; the caption bands are not.
    expect(meanDifference(before, after, band(0.4, 0.6))).toBe(0)
    expect(meanDifference(before, after, band(0.08, 0.22))).toBeGreaterThan(20)
    expect(meanDifference(before, after, band(0.78, 0.92))).toBeGreaterThan(20)
  })

  it('draws white letters with a black outline', async () => {
    const source = await makePicture('png', 400, 300)
    const meme = await renderMeme(source, [{ text: 'IIIIIIII', x: 0.5, y: 0.5, scale: 3 }], LIMITS)
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

  describe('every input format to every output format', () => {
    const inputs = {
      jpeg: () => makePicture('jpeg', 320, 240),
      png: () => makePicture('png', 320, 240),
      webp: () => makePicture('webp', 320, 240),
      // Two frames, red then blue: the first is what a still shows (and WebP's first frame).
      gif: () => makeAnimatedGif(320, 240, [RED, BLUE]),
    }
    const cases = (Object.keys(inputs) as (keyof typeof inputs)[]).flatMap((input) =>
      (['jpeg', 'png', 'webp'] as const).map((format) => [input, format] as const),
    )

    it.each(cases)('%s → %s', async (input, format) => {
      const source = await inputs[input]()
      const meme = await rendered(source, format)
      expect(meme.contentType).toBe(`image/${format}`)
      expect(imageSize(meme.bytes)).toMatchObject({ type: MAGIC[format], width: 320, height: 240 })
      const [before, after] = await Promise.all([decodePixels(source), decodePixels(meme.bytes)])
      expect(meanDifference(before, after, band(0.1, 0.2))).toBeGreaterThan(20)
      expect(meanDifference(before, after, band(0.8, 0.9))).toBeGreaterThan(20)
      // Lossy formats change the middle a little; nothing is drawn there.
      expect(meanDifference(before, after, band(0.4, 0.6))).toBeLessThan(format === 'png' ? 1 : 4)
      if (input === 'gif') {
        const [r, g, b] = pixelAt(after, 160, 120)
        expect(r).toBeGreaterThan(180)
        expect(g + b).toBeLessThan(120)
      }
    })

    it.each([
      ['jpeg', 'image/jpeg'],
      ['png', 'image/png'],
      ['webp', 'image/webp'],
      // Animated: its frames are kept (meme-animation.test.ts); a still GIF gives PNG.
      ['gif', 'image/gif'],
    ] as const)('keeps the input format by default: %s gives %s', async (input, type) => {
      const meme = await rendered(await inputs[input]())
      expect(meme.contentType).toBe(type)
    })
  })

  it('refuses the smallest GIF there is for its size, not for its text', async () => {
    const meme = await renderMeme(makeGif(), [{ text: '.', x: 0.5, y: 0.5 }], LIMITS).catch(
      (e: unknown) => e,
    )
    // 2×1 pixels have no room for any text at a readable size: the picture is what is wrong.
    expect(meme).toMatchObject({ statusCode: 422, code: 'IMAGE_TOO_SMALL' })
  })

  it('draws classic top and bottom text on a picture of the minimum size, 48×48', async () => {
    const meme = await renderMeme(
      await makeSolidPng(48, 48),
      [
        { text: 'TOP', x: 0.5, y: 0.12, width: 0.9, height: 0.2 },
        { text: 'BOTTOM', x: 0.5, y: 0.88, width: 0.9, height: 0.2 },
      ],
      LIMITS,
    )
    expect(imageSize(meme.bytes)).toMatchObject({ width: 48, height: 48 })
  })

  it('draws on a 10:1 strip, the longest shape taken', async () => {
    const meme = await renderMeme(
      await makeSolidPng(1000, 100),
      [{ text: 'wide', x: 0.5, y: 0.5 }],
      LIMITS,
    )
    expect(imageSize(meme.bytes)).toMatchObject({ width: 1000, height: 100 })
  })

  describe('a JPEG whose header claims more than its data holds', () => {
    it('refuses 6000×6000 in the header over 800×600 of data with IMAGE_TRUNCATED', async () => {
      const jpeg = await makeJpegClaiming(800, 600, { width: 6000, height: 6000 })
      expect(imageSize(jpeg)).toMatchObject({ width: 6000, height: 6000 })
      const kept = vi.fn()
      const error = await renderMeme(jpeg, TOP_AND_BOTTOM, { ...LIMITS, onDecoded: kept }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(AppError)
      expect(error).toMatchObject({
        statusCode: 422,
        code: 'IMAGE_TRUNCATED',
        message:
          "The picture's data ends before the size in its header is filled: the file is cut short or its header is wrong",
      })
      // Nothing decoded is kept for a later render either.
      expect(kept).not.toHaveBeenCalled()
      await expect(decoded(jpeg)).rejects.toMatchObject({ code: 'IMAGE_TRUNCATED' })
    })

    it('refuses a JPEG cut short in its scan data', async () => {
      const whole = await makePicture('jpeg', 800, 600)
      await expect(rendered(whole.subarray(0, whole.length / 2))).rejects.toMatchObject({
        code: 'IMAGE_TRUNCATED',
      })
    })

    it('still decodes the same picture with its true size in the header', async () => {
      const jpeg = await makeJpegClaiming(800, 600, { width: 800, height: 600 })
      const meme = await rendered(jpeg)
      expect(imageSize(meme.bytes)).toMatchObject({ width: 800, height: 600 })
    })
  })

  it('keeps transparency in PNG and WebP and puts JPEG on white', async () => {
    const source = await makeHalfTransparentPng()
    const captions = [{ text: 'x', x: 0.5, y: 0.1, scale: 0.25 }]
    for (const format of ['png', 'webp'] as const) {
      const out = await decodePixels(
        (await renderMeme(source, captions, { ...LIMITS, format })).bytes,
      )
      expect(alphaAt(out, 40, 200)).toBe(0)
      expect(alphaAt(out, 280, 200)).toBe(255)
    }
    const jpeg = await decodePixels(
      (await renderMeme(source, captions, { ...LIMITS, format: 'jpeg' })).bytes,
    )
    expect(pixelAt(jpeg, 40, 200).every((c) => c > 245)).toBe(true)
    expect(pixelAt(jpeg, 280, 200).every((c) => Math.abs(c - 128) < 6)).toBe(true)
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
      ...LIMITS,
      format: 'png',
    })
    expect([meme.width, meme.height]).toEqual(size)
    const out = await decodePixels(meme.bytes)
    expect([out.width, out.height]).toEqual(size)
    const [r, g, b] = pixelAt(out, red[0] * out.width, red[1] * out.height)
    expect(r).toBeGreaterThan(180)
    expect(g + b).toBeLessThan(150)
  })

  describe('metadata', () => {
    it('finds EXIF, GPS and XMP in the test photo', async () => {
      const photo = await makeJpegWithPrivateMetadata()
      const metadata = await sharp(photo).metadata()
      expect(metadata.exif?.includes(PRIVATE_METADATA.artist)).toBe(true)
      // The GPS IFD pointer, tag 0x8825, little-endian.
      expect(metadata.exif?.includes(Buffer.from([0x25, 0x88]))).toBe(true)
      expect(metadata.xmp?.includes(PRIVATE_METADATA.artist)).toBe(true)
    })

    it.each(['jpeg', 'png', 'webp'] as const)(
      'writes none of it into a %s, nor an oriented photo’s EXIF',
      async (format) => {
        for (const photo of [
          await makeJpegWithPrivateMetadata(),
          withExifOrientation(await makePicture('jpeg'), 6),
        ]) {
          const meme = await rendered(photo, format)
          const metadata = await sharp(meme.bytes).metadata()
          expect(metadata.exif).toBeUndefined()
          expect(metadata.xmp).toBeUndefined()
          expect(metadata.orientation).toBeUndefined()
          const latin1 = meme.bytes.toString('latin1')
          expect(latin1).not.toContain('Exif\0\0')
          expect(latin1).not.toContain(PRIVATE_METADATA.artist)
          expect(latin1).not.toContain('PhoneCo')
          expect(latin1).not.toContain('adobe:ns:meta')
        }
      },
    )
  })

  describe('large pictures', () => {
    it('scales a picture down to the max edge, to the size outputSize says', async () => {
      const source = await makePicture('jpeg', 3000, 1000)
      const meme = await rendered(source)
      expect(outputSize({ width: 3000, height: 1000 }, 2048)).toEqual({ width: 2048, height: 683 })
      expect(imageSize(meme.bytes)).toMatchObject({ type: 'jpg', width: 2048, height: 683 })
      expect([meme.width, meme.height]).toEqual([2048, 683])
      // Scaled, not cropped: the red quarter is still the top-left quarter.
      const out = await decodePixels(meme.bytes)
      expect(pixelAt(out, 512, 200)[0]).toBeGreaterThan(180)
      expect(pixelAt(out, 1536, 200)[0]).toBeLessThan(150)
    })

    it('takes the max edge it is given, after orientation', async () => {
      const portrait = withExifOrientation(await makePicture('jpeg', 1200, 400), 6)
      const meme = await renderMeme(portrait, TOP_AND_BOTTOM, { ...LIMITS, maxEdge: 600 })
      expect(imageSize(meme.bytes)).toMatchObject({ width: 200, height: 600 })
    })

    it('never scales a picture up', async () => {
      const meme = await rendered(await makePicture('png', 300, 200))
      expect(imageSize(meme.bytes)).toMatchObject({ width: 300, height: 200 })
    })
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

  it('refuses a picture whose pixel data is damaged, while its captions are drawn', async () => {
    const png = await makePicture('png', 640, 480)
    const damaged = Buffer.from(png).fill(0x55, 200, png.length - 100)
    // The header is whole, so drawing starts; decoding fails meanwhile.
    const many = Array.from({ length: 10 }, (_, i) => ({ text: `Line ${i}`, x: 0.5, y: 0.1 * i }))
    await expect(renderMeme(damaged, many, LIMITS)).rejects.toMatchObject({
      statusCode: 422,
      code: 'IMAGE_UNREADABLE',
    })
  })

  it('refuses text that does not fit its box at the smallest readable size', async () => {
    const crowded: Caption[] = [
      { text: 'fits', x: 0.5, y: 0.1 },
      { text: 'far too many words '.repeat(25).trim(), x: 0.5, y: 0.5, width: 0.2, height: 0.1 },
    ]
    const error = await renderMeme(await makePicture('png'), crowded, LIMITS).catch(
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(AppError)
    expect(error).toMatchObject({
      statusCode: 422,
      code: 'TEXT_DOES_NOT_FIT',
      message:
        'Caption 2 has more text than fits its box at the smallest readable size; make the box larger or the text shorter',
    })
  })

  describe('output that must fit a Lambda response', () => {
    it('lowers JPEG quality until the output fits', async () => {
      const source = await makePicture('jpeg', 800, 600)
      const best = await rendered(source)
      const limit = base64Length(best.bytes.length) - 1
      const smaller = await renderMeme(source, TOP_AND_BOTTOM, {
        ...LIMITS,
        maxOutputBase64Bytes: limit,
      })
      expect(base64Length(smaller.bytes.length)).toBeLessThanOrEqual(limit)
      expect(imageSize(smaller.bytes)).toMatchObject({ type: 'jpg', width: 800, height: 600 })
    })

    it.each(['png', 'jpeg'] as const)(
      'answers OUTPUT_TOO_LARGE when %s cannot fit',
      async (format) => {
        const error = await renderMeme(await makePicture('png'), TOP_AND_BOTTOM, {
          ...LIMITS,
          format,
          maxOutputBase64Bytes: 100,
        }).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(AppError)
        expect(error).toMatchObject({ statusCode: 422, code: 'OUTPUT_TOO_LARGE' })
      },
    )
  })
})

/** What drawing every caption on a canvas the size of the picture gives: the reference. */
async function drawnWhole(source: Buffer, captions: Caption[]): Promise<Pixels> {
  const image = await loadImage(source)
  const canvas = createCanvas(image.width, image.height)
  const ctx = canvas.getContext('2d')
  ctx.drawImage(image, 0, 0)
  drawCaptions(ctx, layoutCaptions(captions, { width: image.width, height: image.height }))
  return decodePixels(await canvas.encode('png'))
}

describe('captions drawn on layers the size of their ink', () => {
  it.each<[string, Caption[]]>([
    ['top and bottom', TOP_AND_BOTTOM],
    [
      'rotated, shadowed, thick outlines, every alignment',
      [
        { text: 'Tilted text', x: 0.3, y: 0.3, rotation: 33, shadow: true, strokeWidth: 0.25 },
        { text: 'left Qjg', x: 0.5, y: 0.6, align: 'left', font: 'hand', uppercase: false },
        { text: 'right', x: 0.6, y: 0.85, align: 'right', rotation: -170, font: 'serif' },
      ],
    ],
    [
      'scripts and emoji',
      [
        { text: 'Ünïcödé ÅÉÎ', x: 0.5, y: 0.15, font: 'sans', uppercase: false },
        { text: 'مرحبا بالعالم', x: 0.5, y: 0.4 },
        { text: '猫が好き 😀', x: 0.5, y: 0.65, shadow: true },
        { text: '한국어 🎉', x: 0.5, y: 0.88, rotation: 10 },
      ],
    ],
    [
      'a shadow without an outline',
      [{ text: 'Soft shadow', x: 0.5, y: 0.5, shadow: true, strokeWidth: 0 }],
    ],
    ['reaching past the edges', [{ text: 'Edge', x: 0.02, y: 0.98, scale: 4, rotation: 45 }]],
  ])('match drawing on the whole picture: %s', async (_case, captions) => {
    const source = await makePicture('png', 480, 360)
    const meme = await renderMeme(source, captions, { ...LIMITS, format: 'png' })
    const [ours, reference] = await Promise.all([
      decodePixels(meme.bytes),
      drawnWhole(source, captions),
    ])
    expect(maxDifference(await decodePixels(source), ours)).toBeGreaterThan(100)
    // Blending rounds a little differently from Skia's; a caption cut off at its layer's
    // edge would differ by far more.
    expect(maxDifference(ours, reference)).toBeLessThanOrEqual(3)
  })

  it('draws colour emoji and CJK text', async () => {
    const source = await makePicture('png', 480, 360)
    const meme = await renderMeme(source, [{ text: '😀😀 猫', x: 0.5, y: 0.5, scale: 2 }], {
      ...LIMITS,
      format: 'png',
    })
    const out = await decodePixels(meme.bytes)
    let yellow = 0
    for (let y = 130; y < 230; y++) {
      for (let x = 40; x < 440; x++) {
        const [r, g, b] = pixelAt(out, x, y)
        if (r > 200 && g > 150 && b < 100) yellow++
      }
    }
    expect(yellow).toBeGreaterThan(100)
  })
})

describe('loadCaptionFonts', () => {
  /** A fresh copy of the module, which remembers what it registered. */
  async function freshLoader() {
    vi.resetModules()
    const module = await import('../../../src/services/meme/caption-fonts.ts')
    return (font: CaptionFontId, text: string) =>
      module.loadCaptionFonts(fontStack(font, text), text).map((file) => basename(file))
  }

  it('registers only the subset files the text needs, once', async () => {
    const load = await freshLoader()
    expect(load('serif', 'Ωμέγα')).toEqual(['noto-serif-greek-700-normal.woff2'])
    expect(load('serif', 'Ωμέγα')).toEqual([])
    expect(load('anton', 'ONE DOES NOT SIMPLY')).toEqual(['anton-latin-400-normal.woff2'])
  })

  it('finds numbered subsets and single-file faces, and no other CJK face', async () => {
    const files = (await freshLoader())('anton', '漢字🙂')
    expect(files).toContain('twemoji.woff2')
    expect(files.filter((f) => /^noto-sans-sc-\d+-700-normal\.woff2$/.test(f))).not.toEqual([])
    expect(files.filter((f) => /jp|kr/.test(f))).toEqual([])
  })
})

describe('drawMeme on a decoded picture (a cache hit)', () => {
  it('draws new text on the picture and leaves the picture as it was', async () => {
    const source = await makePicture('png', 480, 360)
    const picture = await decoded(source)
    const pristine = sha(picture.pixels)
    const first = await drawMeme(picture, [{ text: 'First', x: 0.5, y: 0.5 }])
    expect(sha(picture.pixels)).toBe(pristine)
    const second = await drawMeme(picture, [{ text: 'Second', x: 0.5, y: 0.2 }])
    expect(sha(picture.pixels)).toBe(pristine)
    // The second meme is what a first render with its text gives: no trace of the first.
    const fresh = await renderMeme(source, [{ text: 'Second', x: 0.5, y: 0.2 }], LIMITS)
    expect(sha(second.bytes)).toBe(sha(fresh.bytes))
    expect(sha(first.bytes)).not.toBe(sha(second.bytes))
  })

  it('leaves the picture as it was when encoding fails', async () => {
    const picture = await decoded(await makePicture('png', 480, 360))
    const pristine = sha(picture.pixels)
    await expect(
      drawMeme(picture, TOP_AND_BOTTOM, { format: 'png', maxOutputBase64Bytes: 100 }),
    ).rejects.toMatchObject({ code: 'OUTPUT_TOO_LARGE' })
    expect(sha(picture.pixels)).toBe(pristine)
  })

  it('gives each of several renders at once its own text only', async () => {
    const source = await makePicture('jpeg', 480, 360)
    const picture = await decoded(source)
    const pristine = sha(picture.pixels)
    const texts = ['Alpha', 'Bravo', 'Charlie', 'Delta']
    const together = await Promise.all(
      texts.map((text, i) => drawMeme(picture, [{ text, x: 0.5, y: 0.2 + i * 0.2 }])),
    )
    for (const [i, text] of texts.entries()) {
      const alone = await renderMeme(source, [{ text, x: 0.5, y: 0.2 + i * 0.2 }], LIMITS)
      expect(sha(together[i]!.bytes)).toBe(sha(alone.bytes))
    }
    expect(sha(picture.pixels)).toBe(pristine)
  })

  it('gives each render its own text while renders keep overlapping (copies reused)', async () => {
    const source = await makePicture('jpeg', 480, 360)
    const picture = await decoded(source)
    const pristine = sha(picture.pixels)
    const caption = (i: number) => [{ text: `Render ${i}`, x: 0.5, y: 0.1 + (i % 8) * 0.1 }]
    // Each new render starts while others still run: the copies made for the first ones
    // serve the later ones, and none may carry an earlier render's text.
    const renders: Promise<RenderedMeme>[] = []
    for (let i = 0; i < 12; i++) {
      renders.push(drawMeme(picture, caption(i)))
      if (i >= 2) await renders[i - 2]
    }
    const memes = await Promise.all(renders)
    for (const [i, meme] of memes.entries()) {
      const alone = await renderMeme(source, caption(i), LIMITS)
      expect(sha(meme.bytes), `render ${i}`).toBe(sha(alone.bytes))
    }
    expect(sha(picture.pixels)).toBe(pristine)
  })
})
