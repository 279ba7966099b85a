import { describe, expect, it } from 'vitest'
import {
  checkPictureDimensions,
  checkPictureFile,
  formatBytes,
  tooLargeMessage,
  uploadFilename,
} from '../picture-check.ts'
import type { Limits } from '@meme-studio/meme-core/schema'

const LIMITS: Limits = {
  maxUploadBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  maxEdge: 2048,
  imageTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
  minEdge: 48,
  maxAspectRatio: 10,
}

const PNG_HEADER = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const ascii = (text: string) => Array.from(text, (char) => char.charCodeAt(0))

function file(bytes: number[], name: string, type: string, padTo = bytes.length): File {
  const content = new Uint8Array(padTo)
  content.set(bytes)
  return new File([content], name, { type })
}

const NOT_A_PICTURE = "That file isn't a picture we can use. Choose a JPEG, PNG, WebP or GIF."

describe('checkPictureFile', () => {
  it('accepts a real PNG header and reports the type its bytes announce', async () => {
    const png = file(PNG_HEADER, 'cat.png', 'image/png', 2048)
    expect(await checkPictureFile(png, LIMITS)).toEqual({ ok: true, type: 'image/png' })
  })

  it('refuses a text file named like a PNG', async () => {
    const text = new File(['definitely not a picture'], 'cat.png', { type: 'image/png' })
    expect(await checkPictureFile(text, LIMITS)).toEqual({ ok: false, message: NOT_A_PICTURE })
  })

  it('refuses a file the browser says is not an image, whatever its bytes', async () => {
    const pdf = file(PNG_HEADER, 'cat.pdf', 'application/pdf', 64)
    expect(await checkPictureFile(pdf, LIMITS)).toEqual({ ok: false, message: NOT_A_PICTURE })
  })

  it('lets the bytes decide when the browser reports no type', async () => {
    const jpeg = file([0xff, 0xd8, 0xff, 0xdb], 'photo', '', 64)
    expect(await checkPictureFile(jpeg, LIMITS)).toEqual({ ok: true, type: 'image/jpeg' })
  })

  it('refuses a picture over the upload limit, saying both sizes', async () => {
    const huge = file(PNG_HEADER, 'huge.png', 'image/png', Math.round(12.3 * 1024 * 1024))
    expect(await checkPictureFile(huge, LIMITS)).toEqual({
      ok: false,
      message: 'That picture is 12.3 MB; the limit is 10 MB.',
    })
  })

  it('does not claim a file just over the limit is the limit', () => {
    expect(tooLargeMessage(10 * 1024 * 1024 + 1, 10 * 1024 * 1024)).toBe(
      'That picture is just over the 10 MB limit. Choose a smaller one.',
    )
  })

  it('accepts a picture of exactly the limit', async () => {
    const exact = file(PNG_HEADER, 'exact.png', 'image/png', LIMITS.maxUploadBytes)
    expect((await checkPictureFile(exact, LIMITS)).ok).toBe(true)
  })

  it('refuses a type the server does not allow, naming only the allowed ones', async () => {
    const gif = file(ascii('GIF89a'), 'anim.gif', 'image/gif', 64)
    const result = await checkPictureFile(gif, {
      ...LIMITS,
      imageTypes: ['image/jpeg', 'image/png'],
    })
    expect(result).toEqual({
      ok: false,
      message: "That file isn't a picture we can use. Choose a JPEG or PNG.",
    })
  })

  it('refuses an empty file', async () => {
    const empty = new File([], 'empty.png', { type: 'image/png' })
    expect(await checkPictureFile(empty, LIMITS)).toMatchObject({ ok: false })
  })
})

describe('checkPictureDimensions', () => {
  it('refuses more pixels than the server decodes', () => {
    expect(checkPictureDimensions(8000, 6000, LIMITS)).toEqual({
      ok: false,
      message:
        'That picture is 8000 × 6000 pixels (48 megapixels); the limit is 40 megapixels. Choose a smaller one.',
    })
    expect(checkPictureDimensions(8000, 5000, LIMITS)).toEqual({ ok: true })
  })

  it('refuses a 1×1 picture, naming the minimum the server holds it to', () => {
    expect(checkPictureDimensions(1, 1, LIMITS)).toEqual({
      ok: false,
      message:
        'That picture is 1 × 1 pixels, too small for a caption: both sides must be at least 48 pixels. Choose a larger one.',
    })
    expect(checkPictureDimensions(47, 200, LIMITS).ok).toBe(false)
    expect(checkPictureDimensions(48, 48, LIMITS)).toEqual({ ok: true })
  })

  it('refuses a 1×65500 strip, naming the longest shape', () => {
    expect(checkPictureDimensions(1, 65_500, LIMITS)).toEqual({
      ok: false,
      message:
        'That picture is 1 × 65500 pixels, 65500:1: too long and thin for captions. One side may be at most 10 times the other (10:1). Crop it, or choose another.',
    })
    expect(checkPictureDimensions(4800, 480, LIMITS)).toEqual({ ok: true })
    expect(checkPictureDimensions(4801, 480, LIMITS).ok).toBe(false)
  })

  it('takes the numbers from the limits the server sends', () => {
    const lower = { ...LIMITS, maxAspectRatio: 5.3 }
    expect(checkPictureDimensions(2700, 480, lower)).toMatchObject({
      ok: false,
      message: expect.stringContaining('at most 5.3 times the other (5.3:1)'),
    })
  })
})

describe('formatBytes', () => {
  it.each([
    [512, '512 bytes'],
    [2048, '2 KB'],
    [10 * 1024 * 1024, '10 MB'],
    [1536 * 1024, '1.5 MB'],
    [1023, '1,023 bytes'],
    [1023.5 * 1024, '1,023.5 KB'],
    [3000 * 1024 ** 3, '3,000 GB'],
    [12_345_678 * 1024 ** 3, '12,345,678 GB'],
  ])('%d bytes read as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text)
  })
})

describe('uploadFilename', () => {
  it('keeps a sensible name and extension', () => {
    expect(uploadFilename('holiday-2024.JPG', 'image/jpeg')).toBe('holiday-2024.jpg')
  })

  it('gives the extension of the bytes, not of the name', () => {
    expect(uploadFilename('screenshot.png', 'image/jpeg')).toBe('screenshot.jpg')
  })

  it('replaces characters a server might refuse', () => {
    expect(uploadFilename('../Ma photo été (1).png', 'image/png')).toBe('Ma-photo-ete-1.png')
    expect(uploadFilename('😀.gif', 'image/gif')).toBe('picture.gif')
  })
})
