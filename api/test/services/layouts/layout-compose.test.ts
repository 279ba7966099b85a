import { planPanelLayout } from '@meme-studio/meme-core'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { composeCost, composeLayout } from '../../../src/services/layouts/layout-compose.ts'
import { checkPictureCount } from '../../../src/services/layouts/layout-service.ts'
import { makeJpegClaiming, makePicture, withExifOrientation } from '../../support/pictures.ts'
import { decodePixels, pixelAt } from '../../support/pixels.ts'

const OPTIONS = { maxPixels: 40_000_000, maxEdge: 2048, maxUploadBytes: 10 * 1024 * 1024 }

const isRed = ([r, g, b]: readonly number[]) => r! > 180 && g! < 80 && b! < 80

describe('composeLayout', () => {
  it('places a picture upright, as browsers show it: EXIF orientation applied', async () => {
    // The test picture has a red top-left quarter; orientation 6 shows it turned a quarter
    // clockwise, 240 × 320, the red quarter at the top right.
    const jpeg = withExifOrientation(await makePicture('jpeg', 320, 240), 6)
    const composed = await composeLayout('caption-above', [jpeg], OPTIONS)
    const plan = planPanelLayout('caption-above', [{ width: 240, height: 320 }], 2048)
    expect(composed).toMatchObject({ width: plan.width, height: plan.height })
    const { rect } = plan.panels[0]!
    const pixels = await decodePixels(composed.bytes)
    const at = (fx: number, fy: number) =>
      pixelAt(pixels, rect.left + rect.width * fx, rect.top + rect.height * fy)
    expect(isRed(at(0.75, 0.25))).toBe(true)
    expect(isRed(at(0.25, 0.25))).toBe(false)
    expect(isRed(at(0.75, 0.75))).toBe(false)
  })

  it('keeps no metadata of the pictures', async () => {
    const jpeg = await sharp(await makePicture('png', 320, 240))
      .jpeg()
      .withExif({ IFD0: { Artist: 'Jane Q. Private' } })
      .toBuffer()
    const composed = await composeLayout('side-by-side', [jpeg, jpeg], OPTIONS)
    const metadata = await sharp(composed.bytes).metadata()
    expect(metadata.exif).toBeUndefined()
    expect(composed.bytes.includes('Jane Q. Private')).toBe(false)
  })

  it('refuses a result larger than an upload may be', async () => {
    const picture = await makePicture('jpeg', 320, 240)
    await expect(
      composeLayout('grid', [picture, picture, picture, picture], {
        ...OPTIONS,
        maxUploadBytes: 10_000,
      }),
    ).rejects.toMatchObject({ statusCode: 422, code: 'OUTPUT_TOO_LARGE' })
  })

  it('checks every picture before decoding any: a truncated JPEG is refused as a render refuses it', async () => {
    const good = await makePicture('jpeg', 320, 240)
    const truncated = await makeJpegClaiming(320, 240, { width: 3000, height: 3000 })
    await expect(composeLayout('side-by-side', [good, truncated], OPTIONS)).rejects.toMatchObject({
      statusCode: 422,
      code: 'IMAGE_TRUNCATED',
    })
  })
})

describe('composeCost', () => {
  it('counts the uploads, the largest decode and the cells, not four decodes at once', async () => {
    const small = await makePicture('jpeg', 320, 240)
    const big = await makePicture('jpeg', 3000, 2000)
    const one = composeCost([big], OPTIONS)
    const four = composeCost([big, small, small, small], OPTIONS)
    expect(four - one).toBe(small.length * 3)
    // The decode of 3000 × 2000 (and its 2048 × 1365 copy) and 1600² RGBA cells.
    expect(one).toBe(big.length + (3000 * 2000 + 2048 * 1365) * 4 + 1600 * 1600 * 4)
  })
})

describe('checkPictureCount', () => {
  it('says how many pictures the layout takes', () => {
    expect(() => checkPictureCount({ kind: 'stacked', images: ['uploads/a.png'] })).toThrow(
      'The stacked layout takes 2 pictures; 1 was given',
    )
    expect(() =>
      checkPictureCount({ kind: 'stacked', images: ['uploads/a.png', 'uploads/b.png'] }),
    ).not.toThrow()
  })
})
