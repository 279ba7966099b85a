import { describe, expect, it } from 'vitest'
import {
  imageTypeOfExtension,
  IMAGE_TYPES,
  isImageType,
  sniffImageType,
  UPLOAD_KEY_PATTERN,
} from '../picture-formats.ts'

const ascii = (text: string) => Array.from(text, (char) => char.charCodeAt(0))
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]

// Signatures from the WHATWG MIME Sniffing Standard, "Matching an image type pattern".
describe('sniffImageType', () => {
  it.each([
    ['image/jpeg', [0xff, 0xd8, 0xff, 0xe0]],
    ['image/png', PNG_SIGNATURE],
    ['image/gif', ascii('GIF87a')],
    ['image/gif', ascii('GIF89a')],
    ['image/webp', [...ascii('RIFF'), 0x24, 0, 0, 0, ...ascii('WEBP')]],
  ])('recognises %s', (type, bytes) => {
    expect(sniffImageType(new Uint8Array(bytes))).toBe(type)
  })

  it.each([
    ['text', ascii('hello world!')],
    ['a WAV file (RIFF but not WEBP)', [...ascii('RIFF'), 0x24, 0, 0, 0, ...ascii('WAVE')]],
    ['a truncated PNG signature', PNG_SIGNATURE.slice(0, 4)],
    ['GIF90a', ascii('GIF90a')],
    ['SVG', ascii('<svg xmlns="http://www.w3.org/2000/svg"/>')],
    ['nothing', []],
  ])('refuses %s', (_name, bytes) => {
    expect(sniffImageType(new Uint8Array(bytes))).toBeUndefined()
  })
})

describe('image types', () => {
  it('lists exactly the four formats the API accepts', () => {
    expect(IMAGE_TYPES).toEqual(['image/jpeg', 'image/png', 'image/webp', 'image/gif'])
    expect(isImageType('image/svg+xml')).toBe(false)
    expect(isImageType('toString')).toBe(false)
  })

  it.each([
    ['JPG', 'image/jpeg'],
    ['jfif', 'image/jpeg'],
    ['png', 'image/png'],
    ['webp', 'image/webp'],
    ['gif', 'image/gif'],
    ['svg', undefined],
    ['', undefined],
  ])('reads the extension %j as %s', (extension, type) => {
    expect(imageTypeOfExtension(extension)).toBe(type)
  })
})

describe('UPLOAD_KEY_PATTERN', () => {
  const pattern = new RegExp(UPLOAD_KEY_PATTERN)
  it.each([
    ['uploads/2b1c2d3e-1111-4222-8333-444455556666.jpg', true],
    ['uploads/2b1c2d3e-1111-4222-8333-444455556666.gif', true],
    ['uploads/2b1c2d3e-1111-4222-8333-444455556666.jpeg', false],
    ['uploads/2b1c2d3e-1111-4222-8333-444455556666.png/../x.png', false],
    ['renders/2b1c2d3e-1111-4222-8333-444455556666.png', false],
    ['https://evil.example/uploads/2b1c2d3e-1111-4222-8333-444455556666.png', false],
  ])('%s → %s', (key, matches) => {
    expect(pattern.test(key)).toBe(matches)
  })
})
