import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/services/shared/app-error.ts'
import { probeImage } from '../../../src/services/meme/image-probe.ts'
import { makeGif, makePicture, makePngHeader } from '../../support/pictures.ts'

function refusal(bytes: Buffer, maxPixels = 40_000_000): AppError {
  try {
    probeImage(bytes, maxPixels)
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
    const probe = probeImage(await makePicture(format, 320, 240), 40_000_000)
    expect(probe).toEqual({ contentType: type, width: 320, height: 240 })
  })

  it('reads a GIF', () => {
    expect(probeImage(makeGif(), 100)).toMatchObject({
      contentType: 'image/gif',
      width: 2,
      height: 1,
    })
  })

  it('refuses a PNG whose header claims 30000×30000 before decoding it', () => {
    const error = refusal(makePngHeader(30_000, 30_000))
    expect(error.statusCode).toBe(422)
    expect(error.code).toBe('IMAGE_TOO_LARGE')
    expect(error.message).toContain('30000×30000')
  })

  it('allows exactly MAX_PIXELS and refuses one pixel more', () => {
    expect(probeImage(makePngHeader(100, 100), 10_000).width).toBe(100)
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
