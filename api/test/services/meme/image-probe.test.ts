import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/services/shared/app-error.ts'
import { probeImage } from '../../../src/services/meme/image-probe.ts'
import { makeAnimatedGif, makeGif, makePicture, makePngHeader } from '../../support/pictures.ts'

const LIMITS = { maxPixels: 40_000_000, maxEdge: 2048 }

function refusal(bytes: Buffer, maxPixels = 40_000_000, maxEdge = 2048): AppError {
  try {
    probeImage(bytes, { maxPixels, maxEdge })
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('probeImage accepted the bytes')
}

describe('probeImage', () => {
  it.each([
    ['jpeg', 'image/jpeg'],
    ['png', 'image/png'],
    ['webp', 'image/webp'],
  ] as const)('reads a %s by its bytes', async (format, type) => {
    const probe = probeImage(await makePicture(format, 320, 240), LIMITS)
    expect(probe).toEqual({ contentType: type, width: 320, height: 240 })
  })

  it('reads a GIF', async () => {
    expect(probeImage(await makeAnimatedGif(64, 48, [[255, 0, 0]]), LIMITS)).toEqual({
      contentType: 'image/gif',
      width: 64,
      height: 48,
    })
  })

  it('refuses a picture under 48 pixels on a side with IMAGE_TOO_SMALL, naming the minimum', async () => {
    for (const bytes of [makeGif(), makePngHeader(1, 1), makePngHeader(47, 300)]) {
      const error = refusal(bytes)
      expect(error.statusCode).toBe(422)
      expect(error.code).toBe('IMAGE_TOO_SMALL')
      expect(error.message).toMatch(/both sides must be at least 48 pixels/)
    }
    expect(refusal(makePngHeader(1, 1)).message).toBe(
      'The picture is 1×1 pixels; both sides must be at least 48 pixels, to leave room for a caption',
    )
    expect(probeImage(makePngHeader(48, 48), LIMITS).width).toBe(48)
  })

  it('refuses a picture over 10:1 with IMAGE_ASPECT_RATIO, naming the maximum', () => {
    const error = refusal(makePngHeader(1, 65_500))
    expect(error.statusCode).toBe(422)
    expect(error.code).toBe('IMAGE_ASPECT_RATIO')
    expect(error.message).toBe(
      'The picture is 1×65500 pixels, 65500:1; its longer side may be at most 10 times its shorter side (10:1)',
    )
    expect(refusal(makePngHeader(4801, 480)).code).toBe('IMAGE_ASPECT_RATIO')
    expect(probeImage(makePngHeader(4800, 480), LIMITS).width).toBe(4800)
  })

  it('holds the aspect lower when MAX_EDGE would shrink the shorter side under 48', () => {
    expect(refusal(makePngHeader(2700, 480), 40_000_000, 256).message).toContain(
      'at most 5.3 times',
    )
    expect(
      probeImage(makePngHeader(2500, 480), { maxPixels: 40_000_000, maxEdge: 256 }).width,
    ).toBe(2500)
  })

  it('refuses a PNG whose header claims 30000×30000 before decoding it', () => {
    const error = refusal(makePngHeader(30_000, 30_000))
    expect(error.statusCode).toBe(422)
    expect(error.code).toBe('IMAGE_TOO_LARGE')
    expect(error.message).toContain('30000×30000')
  })

  it('allows exactly MAX_PIXELS and refuses one pixel more', () => {
    expect(probeImage(makePngHeader(100, 100), { maxPixels: 10_000, maxEdge: 2048 }).width).toBe(
      100,
    )
    expect(refusal(makePngHeader(101, 100), 10_000).code).toBe('IMAGE_TOO_LARGE')
  })

  it.each([
    ['text', Buffer.from('hello, this is not a picture')],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')],
    ['HTML', Buffer.from('<!doctype html><script>alert(1)</script>')],
    ['BMP', Buffer.from('424d000000000000000036000000280000000100000001000000', 'hex')],
    ['an empty file', Buffer.alloc(0)],
  ])('refuses %s with UNSUPPORTED_MEDIA', (_name, bytes) => {
    const error = refusal(bytes)
    expect(error.statusCode).toBe(415)
    expect(error.code).toBe('UNSUPPORTED_MEDIA')
  })

  it('refuses a truncated header as unreadable', () => {
    const error = refusal(makePngHeader(10, 10).subarray(0, 12))
    expect(error.statusCode).toBe(422)
    expect(error.code).toBe('IMAGE_UNREADABLE')
  })
})
