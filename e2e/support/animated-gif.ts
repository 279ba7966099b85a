/** One frame of an animated GIF: a palette index per pixel, row by row, and its delay. */
export interface GifFrame {
  indices: Uint8Array
  /** Hundredths of a second, as GIF counts them. */
  delay: number
}

/**
 * Encodes an animated GIF that loops forever, frames as given, with a palette of up to 256
 * `[r, g, b]` colours. No encoder is a dependency of the e2e package, and this one is small:
 * LZW is written without compression (a clear code before the table would grow past 9-bit
 * codes), which every decoder reads.
 * @see https://www.w3.org/Graphics/GIF/spec-gif89a.txt
 */
export function encodeAnimatedGif(
  width: number,
  height: number,
  palette: readonly (readonly [number, number, number])[],
  frames: readonly GifFrame[],
): Buffer {
  const bytes: number[] = []
  const u16 = (value: number) => bytes.push(value & 0xff, value >> 8)
  bytes.push(...Buffer.from('GIF89a'))
  u16(width)
  u16(height)
  // A global colour table of 256 entries (size field 7), no sort, no background.
  bytes.push(0xf7, 0, 0)
  for (let i = 0; i < 256; i++) bytes.push(...(palette[i] ?? [0, 0, 0]))
  // NETSCAPE2.0: loop forever.
  bytes.push(0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0'), 0x03, 0x01, 0, 0, 0)
  for (const frame of frames) {
    // Graphic control: no disposal needed (every frame covers the whole picture), the delay.
    bytes.push(0x21, 0xf9, 0x04, 0x04)
    u16(frame.delay)
    bytes.push(0, 0)
    bytes.push(0x2c)
    u16(0)
    u16(0)
    u16(width)
    u16(height)
    bytes.push(0)
    bytes.push(8)
    const data = lzwUncompressed(frame.indices)
    for (let i = 0; i < data.length; i += 255) {
      const block = data.subarray(i, i + 255)
      bytes.push(block.length, ...block)
    }
    bytes.push(0)
  }
  bytes.push(0x3b)
  return Buffer.from(bytes)
}

/**
 * 9-bit codes: a clear, then up to 250 literal pixels (so the decoder's table stays under the
 * 512 entries that would widen the codes), again and again, then the end code.
 */
function lzwUncompressed(indices: Uint8Array): Uint8Array {
  const CLEAR = 256
  const END = 257
  const out: number[] = []
  let buffer = 0
  let bits = 0
  const write = (code: number) => {
    buffer |= code << bits
    bits += 9
    while (bits >= 8) {
      out.push(buffer & 0xff)
      buffer >>= 8
      bits -= 8
    }
  }
  for (let i = 0; i < indices.length; i++) {
    if (i % 250 === 0) write(CLEAR)
    write(indices[i]!)
  }
  write(END)
  if (bits > 0) out.push(buffer & 0xff)
  return Uint8Array.from(out)
}
