import { createCanvas, loadImage } from '@napi-rs/canvas'

export interface DecodedImage {
  width: number
  height: number
  /** RGBA, row by row. */
  data: Uint8ClampedArray
}

/** A rectangle given as fractions (0..1) of the image's width and height. */
export interface Region {
  x0: number
  x1: number
  y0: number
  y1: number
}

export const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff])

/**
 * Decodes image bytes in Node, optionally scaled to `size`. Always from a Buffer:
 * `loadImage(string)` would read a local path or follow a URL.
 */
export async function decodeImage(
  bytes: Buffer,
  size?: { width: number; height: number },
): Promise<DecodedImage> {
  const image = await loadImage(bytes)
  const { width, height } = size ?? image
  const canvas = createCanvas(width, height)
  const ctx = canvas.getContext('2d')
  ctx.drawImage(image, 0, 0, width, height)
  const { data } = ctx.getImageData(0, 0, width, height)
  return { width, height, data: new Uint8ClampedArray(data) }
}

function* pixelOffsets(image: DecodedImage, region: Region): Generator<number> {
  const x0 = Math.round(region.x0 * image.width)
  const x1 = Math.round(region.x1 * image.width)
  const y0 = Math.round(region.y0 * image.height)
  const y1 = Math.round(region.y1 * image.height)
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) yield (y * image.width + x) * 4
  }
}

/**
 * Mean absolute difference of the R, G and B channels (0..255) between two images of the
 * same size over one region: 0 for identical pixels, about 1..3 for a JPEG re-encode.
 */
export function meanAbsDiff(a: DecodedImage, b: DecodedImage, region: Region): number {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`)
  }
  let sum = 0
  let count = 0
  for (const i of pixelOffsets(a, region)) {
    for (let c = 0; c < 3; c++) sum += Math.abs(a.data[i + c]! - b.data[i + c]!)
    count += 3
  }
  return sum / count
}

/** Share (0..1) of a region's pixels whose R, G and B all satisfy `test`. */
export function shareOfPixels(
  image: DecodedImage,
  region: Region,
  test: (channel: number) => boolean,
): number {
  let matching = 0
  let count = 0
  for (const i of pixelOffsets(image, region)) {
    if (test(image.data[i]!) && test(image.data[i + 1]!) && test(image.data[i + 2]!)) matching++
    count++
  }
  return matching / count
}

/** The mean R, G and B (0..255) of a region. */
export function meanColour(image: DecodedImage, region: Region): [number, number, number] {
  const sum = [0, 0, 0]
  let count = 0
  for (const i of pixelOffsets(image, region)) {
    for (let c = 0; c < 3; c++) sum[c]! += image.data[i + c]!
    count++
  }
  return [sum[0]! / count, sum[1]! / count, sum[2]! / count]
}
