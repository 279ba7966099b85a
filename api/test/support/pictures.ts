import { crc32 } from 'node:zlib'
import { createCanvas } from '@napi-rs/canvas'
import sharp from 'sharp'

/**
 * A picture with a recognisable layout: a diagonal gradient, a red square in the
 * top-left quarter. Mid-tones, so white and black caption pixels stand out.
 */
export function drawTestPicture(width: number, height: number) {
  const canvas = createCanvas(width, height)
  const ctx = canvas.getContext('2d')
  const gradient = ctx.createLinearGradient(0, 0, width, height)
  gradient.addColorStop(0, '#4a6fa5')
  gradient.addColorStop(1, '#6b8f71')
  ctx.fillStyle = gradient
  ctx.fillRect(0, 0, width, height)
  ctx.fillStyle = '#d62828'
  ctx.fillRect(0, 0, width / 2, height / 2)
  return canvas
}

export async function makePicture(
  format: 'jpeg' | 'png' | 'webp',
  width = 320,
  height = 240,
): Promise<Buffer> {
  const canvas = drawTestPicture(width, height)
  return format === 'png' ? canvas.encode('png') : canvas.encode(format, 90)
}

/**
 * The smallest valid GIF89a: 2×1 pixels, a global palette of red and blue.
 * @see https://www.w3.org/Graphics/GIF/spec-gif89a.txt
 */
export function makeGif(): Buffer {
  return Buffer.from(
    '474946383961' + // GIF89a
      '02000100' + // 2×1
      '800000' + // global colour table, 2 entries
      'ff0000' +
      '0000ff' +
      '2c000000000200010000' + // image descriptor
      '0202440a' + // LZW min code size 2, one block: clear, 0, 1, end (3-bit codes)
      '00' +
      '3b',
    'hex',
  )
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typed))
  return Buffer.concat([length, typed, crc])
}

/** A PNG whose header claims `width`×`height` pixels with almost no pixel data behind it. */
export function makePngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from('789c030000000001', 'hex')),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/**
 * Inserts an EXIF APP1 segment carrying only the Orientation tag (0x0112) after a JPEG's
 * start-of-image marker.
 * @see https://www.cipa.jp/std/documents/e/DC-008-2012_E.pdf
 */
export function withExifOrientation(jpeg: Buffer, orientation: number): Buffer {
  const tiff = Buffer.from([
    0x4d,
    0x4d,
    0x00,
    0x2a,
    0x00,
    0x00,
    0x00,
    0x08, // big-endian TIFF header, IFD at 8
    0x00,
    0x01, // one entry
    0x01,
    0x12,
    0x00,
    0x03,
    0x00,
    0x00,
    0x00,
    0x01,
    0x00,
    orientation,
    0x00,
    0x00, // SHORT
    0x00,
    0x00,
    0x00,
    0x00, // no next IFD
  ])
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff])
  const marker = Buffer.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff])
  return Buffer.concat([jpeg.subarray(0, 2), marker, payload, jpeg.subarray(2)])
}

/**
 * An animated GIF of solid frames, one per colour: a decoder that reads only the first
 * frame gives the first colour everywhere.
 */
export async function makeAnimatedGif(
  width: number,
  height: number,
  colours: readonly (readonly [number, number, number])[],
): Promise<Buffer> {
  const frame = width * height * 3
  const raw = Buffer.alloc(frame * colours.length)
  colours.forEach((colour, f) => {
    for (let i = 0; i < width * height; i++) raw.set(colour, f * frame + i * 3)
  })
  return sharp(raw, {
    raw: { width, height: height * colours.length, channels: 3, pageHeight: height },
  })
    .gif({ delay: colours.map(() => 100) })
    .toBuffer()
}

/** What a phone writes into a photo and a meme must not give away. */
export const PRIVATE_METADATA = { artist: 'Jane Q. Private', latitude: '51/1 30/1 1234/100' }

/** The test picture as a JPEG carrying EXIF (camera owner, GPS position) and XMP. */
export async function makeJpegWithPrivateMetadata(width = 320, height = 240): Promise<Buffer> {
  return sharp(await makePicture('png', width, height))
    .jpeg({ quality: 90 })
    .withExif({
      IFD0: { Artist: PRIVATE_METADATA.artist, Make: 'PhoneCo', Model: 'Phone 1' },
      IFD3: {
        GPSLatitudeRef: 'N',
        GPSLatitude: PRIVATE_METADATA.latitude,
        GPSLongitudeRef: 'W',
        GPSLongitude: '0/1 7/1 3900/100',
      },
    })
    .withXmp(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">' +
        `<dc:creator>${PRIVATE_METADATA.artist}</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`,
    )
    .toBuffer()
}

/** A PNG that is fully transparent in its left half and opaque mid-grey in its right. */
export async function makeHalfTransparentPng(width = 320, height = 240): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 4)
  for (let y = 0; y < height; y++) {
    for (let x = width / 2; x < width; x++) raw.set([128, 128, 128, 255], (y * width + x) * 4)
  }
  return sharp(raw, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer()
}

/**
 * A real JPEG of `width`×`height` (sharp's baseline encoder) whose start-of-frame header is
 * then patched to claim `claimed` instead: the scan data holds only the real picture's rows.
 * @see https://www.w3.org/Graphics/JPEG/itu-t81.pdf (B.2.2, frame header: P, Y, X)
 */
export async function makeJpegClaiming(
  width: number,
  height: number,
  claimed: { width: number; height: number },
): Promise<Buffer> {
  const jpeg = Buffer.from(
    await sharp(await makePicture('png', width, height))
      .jpeg({ quality: 90 })
      .toBuffer(),
  )
  let at = 2
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      jpeg.writeUInt16BE(claimed.height, at + 5)
      jpeg.writeUInt16BE(claimed.width, at + 7)
      return jpeg
    }
    at += 2 + jpeg.readUInt16BE(at + 2)
  }
  throw new Error('no start-of-frame segment in the JPEG')
}

/** A PNG of one solid colour, any size (sharp's encoder). */
export async function makeSolidPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#4a6fa5' } })
    .png()
    .toBuffer()
}
