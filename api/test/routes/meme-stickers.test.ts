import { randomBytes, randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BLUE,
  GREEN,
  makeQuadrants,
  makeSolid,
  RED,
  rgbOf,
  YELLOW,
  type Rgb,
} from '../support/edit-pictures.ts'
import {
  makeAnimatedGif,
  makeHalfTransparentPng,
  makePngHeader,
  withExifOrientation,
} from '../support/pictures.ts'
import { buildApp, putUpload, startTestS3, testConfig } from '../support/test-app.ts'

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

const GREY: Rgb = [128, 128, 128]
/** A caption away from where the stickers go. */
const CAPTIONS = [{ text: 'Hi', x: 0.5, y: 0.9, width: 0.2, height: 0.1 }]

async function upload(bytes: Buffer, ext = 'png', type = 'image/png'): Promise<string> {
  const key = `uploads/${randomUUID()}.${ext}`
  await putUpload(testConfig(s3.endpoint), key, bytes, type)
  return key
}

function render(payload: object) {
  return app.inject({ method: 'POST', url: '/api/meme', payload })
}

async function rendered(payload: object) {
  const response = await render(payload)
  expect(response.statusCode, response.body).toBe(200)
  return Buffer.from(response.json().meme_data, 'base64')
}

describe('POST /api/meme with stickers', () => {
  let grey: string
  let redSticker: string
  beforeAll(async () => {
    grey = await upload(await makeSolid(400, 300, GREY))
    // 100×50: twice as wide as tall.
    redSticker = await upload(await makeSolid(100, 50, RED))
  })

  it('draws a sticker where it is placed, its width a fraction of the picture’s, its shape kept', async () => {
    const meme = await rgbOf(
      await rendered({
        image: grey,
        captions: CAPTIONS,
        format: 'png',
        stickers: [{ image: redSticker, x: 0.25, y: 0.25, width: 0.25 }],
      }),
    )
    // 100×50 centred on (100, 75): x 50..150, y 50..100.
    expect(meme.at(100, 75)).toEqual([...RED])
    expect([meme.at(53, 53), meme.at(146, 96)]).toEqual([[...RED], [...RED]])
    expect([meme.at(46, 75), meme.at(154, 75)]).toEqual([[...GREY], [...GREY]])
    expect([meme.at(100, 46), meme.at(100, 104)]).toEqual([[...GREY], [...GREY]])
  })

  it('turns a sticker clockwise about its centre', async () => {
    const meme = await rgbOf(
      await rendered({
        image: grey,
        captions: CAPTIONS,
        format: 'png',
        stickers: [{ image: redSticker, x: 0.25, y: 0.25, width: 0.25, rotation: 90 }],
      }),
    )
    // Now 50 wide and 100 tall about (100, 75): x 75..125, y 25..125.
    expect([meme.at(100, 30), meme.at(100, 120)]).toEqual([[...RED], [...RED]])
    expect([meme.at(60, 75), meme.at(140, 75)]).toEqual([[...GREY], [...GREY]])
  })

  it('lets the picture show through a sticker’s transparent parts', async () => {
    // 320×240, transparent on the left, mid-grey on the right: on black, only the right shows.
    const black = await upload(await makeSolid(400, 300, [0, 0, 0]))
    const half = await upload(await makeHalfTransparentPng(320, 240))
    const meme = await rgbOf(
      await rendered({
        image: black,
        captions: CAPTIONS,
        format: 'png',
        stickers: [{ image: half, x: 0.5, y: 0.5, width: 0.8 }],
      }),
    )
    // 320×240 centred: x 40..360.
    expect(meme.at(100, 150)).toEqual([0, 0, 0])
    expect(meme.at(300, 150)).toEqual([128, 128, 128])
  })

  it('takes a sticker’s shape upright (EXIF), as a browser shows it', async () => {
    // Stored 100×50, orientation 6: upright it is 50×100, so at 100 px wide it is 200 tall.
    const jpeg = withExifOrientation(
      await sharp(await makeSolid(100, 50, RED))
        .flatten()
        .jpeg({ quality: 95 })
        .toBuffer(),
      6,
    )
    const key = await upload(jpeg, 'jpg', 'image/jpeg')
    const meme = await rgbOf(
      await rendered({
        image: grey,
        captions: CAPTIONS,
        format: 'png',
        stickers: [{ image: key, x: 0.5, y: 0.5, width: 0.25 }],
      }),
    )
    const reddish = ([r, g, b]: number[]) => r! > 200 && g! < 60 && b! < 60
    // x 150..250, y 50..250.
    expect([meme.at(200, 60), meme.at(200, 240), meme.at(155, 150)].every(reddish)).toBe(true)
    expect([meme.at(200, 40), meme.at(140, 150), meme.at(260, 150)].some(reddish)).toBe(false)
  })

  describe('with a caption over the same place', () => {
    /** Blue letters without an outline, large, right where the sticker goes. */
    const caption = {
      text: 'MMM',
      x: 0.5,
      y: 0.5,
      width: 0.8,
      height: 0.4,
      color: '#0000ff',
      strokeWidth: 0,
    }
    const bluePixels = async (above: number | undefined) => {
      const meme = await rgbOf(
        await rendered({
          image: grey,
          captions: [caption],
          format: 'png',
          stickers: [
            {
              image: redSticker,
              x: 0.5,
              y: 0.5,
              width: 1,
              ...(above === undefined ? {} : { above }),
            },
          ],
        }),
      )
      let blue = 0
      let red = 0
      for (let y = 110; y < 190; y++) {
        for (let x = 20; x < 380; x++) {
          const [r, g, b] = meme.at(x, y)
          if (b! > 200 && r! < 60 && g! < 60) blue++
          if (r! > 200 && b! < 60 && g! < 60) red++
        }
      }
      return { blue, red }
    }

    it('draws it under the captions by default (above: 0)', async () => {
      const under = await bluePixels(undefined)
      expect(under.blue).toBeGreaterThan(1000)
      expect(under.red).toBeGreaterThan(1000)
      expect(await bluePixels(0)).toEqual(under)
    })

    it('draws it over the first caption with above: 1', async () => {
      expect(await bluePixels(1)).toMatchObject({ blue: 0 })
    })
  })

  it('stacks stickers in their order: a later one covers an earlier one', async () => {
    const greenSticker = await upload(await makeSolid(50, 50, GREEN))
    const meme = await rgbOf(
      await rendered({
        image: grey,
        captions: CAPTIONS,
        format: 'png',
        stickers: [
          { image: redSticker, x: 0.5, y: 0.5, width: 0.5 },
          { image: greenSticker, x: 0.5, y: 0.5, width: 0.1 },
        ],
      }),
    )
    expect(meme.at(200, 150)).toEqual([...GREEN])
    expect(meme.at(130, 150)).toEqual([...RED])
  })

  it('places stickers in fractions of the edited picture', async () => {
    const quadrants = await upload(await makeQuadrants(200, 100))
    const meme = await rgbOf(
      await rendered({
        image: quadrants,
        captions: CAPTIONS,
        format: 'png',
        edits: { rotate: 90 },
        stickers: [{ image: redSticker, x: 0.25, y: 0.75, width: 0.3 }],
      }),
    )
    // 100×200 after the turn; the sticker 30×15 about (25, 150), on the yellow quarter.
    expect([meme.width, meme.height]).toEqual([100, 200])
    expect(meme.at(25, 150)).toEqual([...RED])
    expect(meme.at(25, 170)).toEqual([...YELLOW])
    expect(meme.at(75, 25)).toEqual([...RED])
  })

  it('draws a sticker on every frame of an animated GIF, and takes a GIF sticker’s first frame', async () => {
    const colours = [
      [200, 30, 30],
      [30, 30, 200],
    ] as const
    const key = await upload(await makeAnimatedGif(320, 240, colours), 'gif', 'image/gif')
    const gifSticker = await upload(
      await makeAnimatedGif(60, 60, [GREEN, BLUE]),
      'gif',
      'image/gif',
    )
    const gif = await rendered({
      image: key,
      captions: CAPTIONS,
      stickers: [{ image: gifSticker, x: 0.5, y: 0.4, width: 0.2 }],
    })
    expect(await sharp(gif).metadata()).toMatchObject({ format: 'gif', pages: 2 })
    for (const [page, colour] of colours.entries()) {
      const frame = await rgbOf(gif, page)
      expect(frame.at(160, 96)).toEqual([...GREEN])
      expect(frame.at(20, 20)).toEqual([...colour])
    }
  })

  describe('refuses', () => {
    const refused = async (stickers: unknown) => {
      const response = await render({ image: grey, captions: CAPTIONS, stickers })
      return { status: response.statusCode, ...response.json() }
    }
    const sticker = (image: string) => ({ image, x: 0.5, y: 0.5, width: 0.2 })

    it.each<[string, () => unknown, string]>([
      [
        'six stickers',
        () => Array.from({ length: 6 }, () => sticker(redSticker)),
        'body/stickers must NOT have more than 5 items',
      ],
      [
        'a key that is not an upload’s',
        () => [sticker('../secrets.png')],
        'body/stickers/0/image must be a key issued by GET /api/sign-s3-request',
      ],
      [
        'a key outside uploads/',
        () => [sticker('renders/2b1c2d3e-1111-4222-8333-444455556666.png')],
        'body/stickers/0/image',
      ],
      [
        'an unknown property',
        () => [{ ...sticker(redSticker), opacity: 0.5 }],
        'body/stickers/0 has an unknown property "opacity"',
      ],
      [
        'a width under 3 %',
        () => [{ ...sticker(redSticker), width: 0.01 }],
        'body/stickers/0/width must be >= 0.03',
      ],
      [
        'a turn past 180°',
        () => [{ ...sticker(redSticker), rotation: 200 }],
        'body/stickers/0/rotation must be <= 180',
      ],
      [
        'a centre off the picture',
        () => [{ ...sticker(redSticker), x: 1.5 }],
        'body/stickers/0/x must be <= 1',
      ],
      [
        'above a fractional number of captions',
        () => [{ ...sticker(redSticker), above: 0.5 }],
        'body/stickers/0/above must be integer',
      ],
      ['stickers that are not a list', () => sticker(redSticker), 'body/stickers must be array'],
    ])('%s (400 VALIDATION)', async (_, stickers, message) => {
      expect(await refused(stickers())).toMatchObject({
        status: 400,
        code: 'VALIDATION',
        message: expect.stringContaining(message),
      })
    })

    it('a sticker whose upload does not exist (404 IMAGE_NOT_FOUND, naming it)', async () => {
      const missing = `uploads/${randomUUID()}.png`
      expect(await refused([sticker(redSticker), sticker(missing)])).toMatchObject({
        status: 404,
        code: 'IMAGE_NOT_FOUND',
        message: "Sticker 2's picture was not found: that upload does not exist or has expired",
      })
    })

    it('a sticker that is not a picture (415 UNSUPPORTED_MEDIA)', async () => {
      const text = await upload(Buffer.from('just text, not a picture'))
      expect(await refused([sticker(text)])).toMatchObject({
        status: 415,
        code: 'UNSUPPORTED_MEDIA',
        message: "Sticker 1's picture: the uploaded file is not a JPEG, PNG, WebP or GIF picture",
      })
    })

    it('a sticker over MAX_UPLOAD_BYTES (422 IMAGE_TOO_LARGE)', async () => {
      // Noise does not compress: 300×300 RGB is some 270 kB of PNG.
      const noise = await sharp(randomBytes(300 * 300 * 3), {
        raw: { width: 300, height: 300, channels: 3 },
      })
        .png()
        .toBuffer()
      expect(noise.length).toBeGreaterThan(MAX_UPLOAD_BYTES)
      expect(await refused([sticker(await upload(noise))])).toMatchObject({
        status: 422,
        code: 'IMAGE_TOO_LARGE',
        message: "Sticker 1's picture: the picture is larger than 200,000 bytes",
      })
    })

    it('a sticker whose header claims too many pixels (422 IMAGE_TOO_LARGE)', async () => {
      const huge = await upload(makePngHeader(30_000, 30_000))
      expect(await refused([sticker(huge)])).toMatchObject({
        status: 422,
        code: 'IMAGE_TOO_LARGE',
        message: expect.stringMatching(/^Sticker 1's picture: the picture is 30000×30000 pixels/),
      })
    })

    it('a sticker more elongated than a picture may be (422 IMAGE_ASPECT_RATIO), but not a small one', async () => {
      const strip = await upload(await makeSolid(12, 1, RED))
      expect(await refused([sticker(strip)])).toMatchObject({
        status: 422,
        code: 'IMAGE_ASPECT_RATIO',
        message: expect.stringMatching(/^Sticker 1's picture: the picture is 12×1 pixels, 12:1;/),
      })
      const icon = await upload(await makeSolid(16, 16, RED))
      const response = await render({ image: grey, captions: CAPTIONS, stickers: [sticker(icon)] })
      expect(response.statusCode).toBe(200)
    })

    it('a sticker whose data is damaged (422 IMAGE_UNREADABLE)', async () => {
      const damaged = await upload(makePngHeader(100, 100))
      expect(await refused([sticker(damaged)])).toMatchObject({
        status: 422,
        code: 'IMAGE_UNREADABLE',
        message: "Sticker 1's picture: the picture is damaged and cannot be read",
      })
    })
  })
})
