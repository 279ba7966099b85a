import { randomUUID } from 'node:crypto'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { createCanvas } from '@napi-rs/canvas'
import {
  drawEditedPicture,
  outputSize,
  planPictureEdits,
  type PictureEdits,
} from '@meme-studio/meme-core'
import type { FastifyInstance } from 'fastify'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  BLUE,
  cornersOf,
  GREEN,
  makeQuadrants,
  RED,
  rgbOf,
  YELLOW,
  type Rgb,
} from '../support/edit-pictures.ts'
import {
  drawTestPicture,
  makeAnimatedGif,
  makePicture,
  withExifOrientation,
} from '../support/pictures.ts'
import { buildApp, putUpload, startTestS3, testConfig } from '../support/test-app.ts'

let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance

beforeAll(async () => {
  s3 = await startTestS3()
  app = await buildApp(testConfig(s3.endpoint))
})
afterAll(async () => {
  await app.close()
  await s3.close()
})

/** One small caption in the middle: the corners stay the picture's. */
const CAPTIONS = [{ text: 'Hi', x: 0.5, y: 0.5, width: 0.2, height: 0.2 }]

async function upload(bytes: Buffer, ext = 'png', type = 'image/png'): Promise<string> {
  const key = `uploads/${randomUUID()}.${ext}`
  await putUpload(testConfig(s3.endpoint), key, bytes, type)
  return key
}

function render(payload: object, on: FastifyInstance = app) {
  return on.inject({ method: 'POST', url: '/api/meme', payload })
}

async function rendered(payload: object, on: FastifyInstance = app) {
  const response = await render(payload, on)
  expect(response.statusCode, response.body).toBe(200)
  return Buffer.from(response.json().meme_data, 'base64')
}

describe('POST /api/meme with edits', () => {
  let quadrants: string
  beforeAll(async () => {
    quadrants = await upload(await makeQuadrants(200, 100))
  })

  it.each<[string, object, [number, number], Rgb[]]>([
    ['rotate 90 (clockwise)', { rotate: 90 }, [100, 200], [BLUE, RED, GREEN, YELLOW]],
    ['rotate 180', { rotate: 180 }, [200, 100], [YELLOW, BLUE, RED, GREEN]],
    ['rotate 270', { rotate: 270 }, [100, 200], [GREEN, YELLOW, BLUE, RED]],
    ['flip horizontally', { flipHorizontal: true }, [200, 100], [GREEN, RED, BLUE, YELLOW]],
    ['flip vertically', { flipVertical: true }, [200, 100], [BLUE, YELLOW, GREEN, RED]],
    [
      'rotate 90, then flip horizontally',
      { rotate: 90, flipHorizontal: true },
      [100, 200],
      [RED, BLUE, YELLOW, GREEN],
    ],
    [
      'rotate 90, then flip vertically',
      { rotate: 90, flipVertical: true },
      [100, 200],
      [YELLOW, GREEN, RED, BLUE],
    ],
    [
      'rotate 180, then flip vertically',
      { rotate: 180, flipVertical: true },
      [200, 100],
      [GREEN, RED, BLUE, YELLOW],
    ],
    [
      'rotate 270, then flip horizontally',
      { rotate: 270, flipHorizontal: true },
      [100, 200],
      [YELLOW, GREEN, RED, BLUE],
    ],
    [
      'rotate 90, then flip both ways',
      { rotate: 90, flipHorizontal: true, flipVertical: true },
      [100, 200],
      [GREEN, YELLOW, BLUE, RED],
    ],
  ])('%s: the sizes and the corners’ colours', async (_, edits, size, corners) => {
    const meme = await rgbOf(
      await rendered({ image: quadrants, captions: CAPTIONS, format: 'png', edits }),
    )
    expect([meme.width, meme.height]).toEqual(size)
    expect(cornersOf(meme)).toEqual(corners)
  })

  it('draws what the preview draws (meme-core drawEditedPicture), pixel for pixel', async () => {
    const source = drawTestPicture(320, 240)
    const key = await upload(await source.encode('png'))
    const edits: PictureEdits = {
      rotate: 90,
      flipHorizontal: true,
      crop: { x: 0.1, y: 0.2, width: 0.7, height: 0.6 },
      bandTop: 0.2,
      bandBottom: 0.1,
      bandColor: '#204060',
    }
    // A small caption at the centre: left out of the comparison.
    const caption = { text: '.', x: 0.5, y: 0.5, width: 0.1, height: 0.05 }
    const served = await rgbOf(
      await rendered({ image: key, captions: [caption], format: 'png', edits }),
    )
    const upright = { width: 320, height: 240 }
    const size = planPictureEdits(upright, edits).size
    expect([served.width, served.height]).toEqual([size.width, size.height])
    const canvas = createCanvas(size.width, size.height)
    drawEditedPicture(canvas.getContext('2d'), source, upright, edits, size)
    const preview = canvas.getContext('2d').getImageData(0, 0, size.width, size.height).data
    let worst = 0
    for (let y = 0; y < size.height; y++) {
      for (let x = 0; x < size.width; x++) {
        if (Math.abs(x - size.width / 2) < 20 && Math.abs(y - size.height / 2) < 20) continue
        const i = (y * size.width + x) * 4
        const mine = served.at(x, y)
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(mine[c]! - preview[i + c]!))
      }
    }
    expect(worst).toBeLessThanOrEqual(1)
  })

  it('crops in fractions of the rotated picture', async () => {
    const top = await rgbOf(
      await rendered({
        image: quadrants,
        captions: CAPTIONS,
        format: 'png',
        edits: { crop: { x: 0.5, y: 0, width: 0.5, height: 0.5 } },
      }),
    )
    expect([top.width, top.height]).toEqual([100, 50])
    expect(cornersOf(top)).toEqual([GREEN, GREEN, GREEN, GREEN])
    // Turned a quarter (100×200), the lower half is the original's right half.
    const turned = await rgbOf(
      await rendered({
        image: quadrants,
        captions: CAPTIONS,
        format: 'png',
        edits: { rotate: 90, crop: { x: 0, y: 0.5, width: 1, height: 0.5 } },
      }),
    )
    expect([turned.width, turned.height]).toEqual([100, 100])
    expect(cornersOf(turned)).toEqual([YELLOW, GREEN, GREEN, YELLOW])
  })

  it('adds bands of their colour above and below, the picture between', async () => {
    const meme = await rgbOf(
      await rendered({
        image: quadrants,
        captions: CAPTIONS,
        format: 'png',
        edits: { bandTop: 0.5, bandBottom: 0.25, bandColor: '#000080' },
      }),
    )
    // 100 rows of picture, 50 above, 25 below.
    expect([meme.width, meme.height]).toEqual([200, 175])
    const NAVY = [0, 0, 128]
    for (const y of [0, 49]) expect([meme.at(0, y), meme.at(199, y)]).toEqual([NAVY, NAVY])
    expect([meme.at(2, 52), meme.at(197, 52)]).toEqual([RED, GREEN])
    expect([meme.at(2, 147), meme.at(197, 147)]).toEqual([BLUE, YELLOW])
    for (const y of [150, 174]) expect([meme.at(0, y), meme.at(199, y)]).toEqual([NAVY, NAVY])
  })

  it('paints bands white by default, and places captions in fractions of the edited picture', async () => {
    const meme = await rgbOf(
      await rendered({
        image: quadrants,
        // In the band: its text is black on the white, as a classic meme's.
        captions: [
          {
            text: 'BAND',
            x: 0.5,
            y: 0.25,
            width: 0.9,
            height: 0.4,
            color: '#000000',
            strokeColor: '#000000',
          },
        ],
        format: 'png',
        edits: { bandTop: 1 },
      }),
    )
    expect([meme.width, meme.height]).toEqual([200, 200])
    expect(meme.at(1, 1)).toEqual([255, 255, 255])
    const bandRow = Array.from({ length: 200 }, (_, x) => meme.at(x, 50))
    expect(bandRow.some(([r]) => r! < 100)).toBe(true)
    expect(cornersOf(meme).slice(2)).toEqual([YELLOW, BLUE])
  })

  it('turns the picture upright (EXIF) before rotating it', async () => {
    // Orientation 6: stored turned a quarter anticlockwise, shown turned clockwise.
    const jpeg = withExifOrientation(
      await sharp(await makeQuadrants(200, 100))
        .jpeg({ quality: 95 })
        .toBuffer(),
      6,
    )
    const key = await upload(jpeg, 'jpg', 'image/jpeg')
    const meme = await rgbOf(
      await rendered({ image: key, captions: CAPTIONS, format: 'png', edits: { rotate: 270 } }),
    )
    // Upright it is 100×200 (as rotate 90 of the stored); turned back a quarter: as stored.
    expect([meme.width, meme.height]).toEqual([200, 100])
    const close = (a: number[], b: Rgb) => a.every((c, i) => Math.abs(c - b[i]!) < 24)
    const corners = cornersOf(meme, 10)
    expect([RED, GREEN, YELLOW, BLUE].every((colour, i) => close(corners[i]!, colour))).toBe(true)
  })

  it('crops a large picture from its original pixels, not from the scaled-down copy', async () => {
    // 4096×2048: a render without edits is scaled to 2048×1024 (MAX_EDGE 2048).
    const key = await upload(await makeQuadrants(4096, 2048))
    const crop = { x: 0.5, y: 0.5, width: 0.25, height: 0.25 }
    const bytes = await rendered({ image: key, captions: CAPTIONS, format: 'png', edits: { crop } })
    const meme = await rgbOf(bytes)
    // 1024×512 of the original: within MAX_EDGE, kept as it is (a crop of the scaled copy
    // would be 512×256).
    expect([meme.width, meme.height]).toEqual([1024, 512])
    expect(outputSize({ width: 1024, height: 512 }, 2048)).toEqual({ width: 1024, height: 512 })
    expect(cornersOf(meme)).toEqual([YELLOW, YELLOW, YELLOW, YELLOW])
  })

  it('scales the edited picture down to MAX_EDGE, bands and all', async () => {
    const key = await upload(await makeQuadrants(4096, 2048))
    const meme = await rgbOf(
      await rendered({
        image: key,
        captions: CAPTIONS,
        format: 'png',
        edits: { rotate: 90, bandBottom: 0.5, bandColor: '#ff00ff' },
      }),
    )
    // Rotated 2048×4096, a band of 2048: 2048×6144, scaled to 683×2048.
    expect(outputSize({ width: 2048, height: 6144 }, 2048)).toEqual({ width: 683, height: 2048 })
    expect([meme.width, meme.height]).toEqual([683, 2048])
    expect(meme.at(5, 5)).toEqual([...BLUE])
    expect(meme.at(677, 1360)).toEqual([...GREEN])
    expect(meme.at(340, 1400)).toEqual([255, 0, 255])
  })

  it('edits a template’s picture', async () => {
    const meme = await rgbOf(
      await rendered({
        template: 'blank-4x3-blue',
        captions: CAPTIONS,
        format: 'png',
        edits: { rotate: 90, bandTop: 0.25, bandColor: '#000000' },
      }),
    )
    // 1024×768 turned: 768×1024, and a band of 256 rows.
    expect([meme.width, meme.height]).toEqual([768, 1280])
    expect(meme.at(5, 5)).toEqual([0, 0, 0])
    expect(meme.at(5, 1270)).toEqual([0x25, 0x63, 0xeb])
  })

  it('edits every frame of an animated GIF, and keeps it animated', async () => {
    const colours = [
      [200, 30, 30],
      [30, 30, 200],
    ] as const
    const key = await upload(await makeAnimatedGif(320, 240, colours), 'gif', 'image/gif')
    const gif = await rendered({
      image: key,
      captions: CAPTIONS,
      edits: { rotate: 90, bandTop: 0.5, bandColor: '#000000' },
    })
    expect(await sharp(gif).metadata()).toMatchObject({
      format: 'gif',
      pages: 2,
      delay: [100, 100],
      width: 240,
      height: 480,
    })
    for (const [page, colour] of colours.entries()) {
      const frame = await rgbOf(gif, page)
      expect(frame.height).toBe(480)
      expect(frame.at(120, 10)).toEqual([0, 0, 0])
      expect(frame.at(120, 470)).toEqual([...colour])
    }
  })

  it('renders edits that change nothing exactly as no edits, from the same cached picture', async () => {
    const cached = await buildApp(testConfig(s3.endpoint))
    const send = vi.spyOn(cached.s3, 'send')
    const key = await upload(await makePicture('png', 320, 240))
    const plain = await rendered({ image: key, captions: CAPTIONS }, cached)
    const none = await rendered(
      {
        image: key,
        captions: CAPTIONS,
        edits: { rotate: 0, flipHorizontal: false, crop: { x: 0, y: 0, width: 1, height: 1 } },
      },
      cached,
    )
    expect(none.equals(plain)).toBe(true)
    const gets = send.mock.calls.filter(([command]) => command instanceof GetObjectCommand)
    expect(gets).toHaveLength(1)
    await cached.close()
  })

  it('never serves an edited picture for an unedited request, or the reverse', async () => {
    const key = await upload(await makeQuadrants(200, 100))
    const payload = { image: key, captions: CAPTIONS, format: 'png' }
    const first = await rgbOf(await rendered(payload))
    const turned = await rgbOf(await rendered({ ...payload, edits: { rotate: 90 } }))
    const again = await rgbOf(await rendered(payload))
    const cropped = await rgbOf(
      await rendered({ ...payload, edits: { crop: { x: 0, y: 0, width: 0.5, height: 1 } } }),
    )
    expect([first.width, turned.width, again.width, cropped.width]).toEqual([200, 100, 200, 100])
    expect(cornersOf(first)).toEqual(cornersOf(again))
    expect(cornersOf(turned)).toEqual([BLUE, RED, GREEN, YELLOW])
    expect(cornersOf(cropped)).toEqual([RED, RED, BLUE, BLUE])
  })

  describe('refuses', () => {
    const refused = async (edits: unknown, image = quadrants) => {
      const response = await render({ image, captions: CAPTIONS, edits })
      return { status: response.statusCode, ...response.json() }
    }

    it('a crop that ends outside the picture (400 VALIDATION, saying which edge)', async () => {
      expect(await refused({ crop: { x: 0.6, y: 0, width: 0.5, height: 1 } })).toMatchObject({
        status: 400,
        code: 'VALIDATION',
        message:
          'body/edits/crop x + width is 1.1; the crop must end inside the picture (at most 1)',
      })
      expect(await refused({ crop: { x: 0, y: 0.25, width: 1, height: 0.8 } })).toMatchObject({
        status: 400,
        message: expect.stringContaining('y + height is 1.05'),
      })
    })

    it('a crop that ends on the edge is fine, rounding and all', async () => {
      const response = await render({
        image: quadrants,
        captions: CAPTIONS,
        edits: { crop: { x: 0.1, y: 0.4, width: 0.9, height: 0.6 } },
      })
      expect(response.statusCode).toBe(200)
    })

    it.each<[string, unknown, string]>([
      ['an unknown property', { rotate: 90, zoom: 2 }, 'has an unknown property "zoom"'],
      [
        'an unknown property of the crop',
        { crop: { x: 0, y: 0, width: 1, height: 1, z: 1 } },
        'unknown property "z"',
      ],
      ['rotate 45', { rotate: 45 }, 'body/edits/rotate'],
      ['a band of twice the height', { bandTop: 2 }, 'body/edits/bandTop must be <= 1'],
      ['a negative band', { bandBottom: -0.1 }, 'body/edits/bandBottom must be >= 0'],
      [
        'a crop narrower than 1 %',
        { crop: { x: 0, y: 0, width: 0.001, height: 1 } },
        'body/edits/crop/width',
      ],
      [
        'a band colour that is not #rrggbb',
        { bandTop: 0.2, bandColor: 'red' },
        'body/edits/bandColor',
      ],
      ['edits that are not an object', 'rotate', 'body/edits must be object'],
    ])('%s (400 VALIDATION)', async (_, edits, message) => {
      expect(await refused(edits)).toMatchObject({
        status: 400,
        code: 'VALIDATION',
        message: expect.stringContaining(message),
      })
    })

    it('edits that leave the picture too elongated (422 IMAGE_ASPECT_RATIO)', async () => {
      // 100×900 (9:1) is taken; bands of half its height make it 100×1350, 13.5:1.
      const tall = await upload(await makeQuadrants(100, 900))
      expect(await refused({ bandTop: 0.5 }, tall)).toMatchObject({
        status: 422,
        code: 'IMAGE_ASPECT_RATIO',
        message:
          'The edited picture is 100×1350 pixels, 13.5:1; its longer side may be at most 10 times its shorter side (10:1)',
      })
    })

    it('edits that leave the picture too small (422 IMAGE_TOO_SMALL)', async () => {
      expect(await refused({ crop: { x: 0, y: 0, width: 0.2, height: 1 } })).toMatchObject({
        status: 422,
        code: 'IMAGE_TOO_SMALL',
        message:
          'The edited picture is 40×100 pixels; both sides must be at least 48 pixels, to leave room for a caption',
      })
    })
  })
})
