import { createCanvas, loadImage } from '@napi-rs/canvas'

export interface Pixels {
  width: number
  height: number
  data: Uint8ClampedArray
}

export async function decodePixels(bytes: Buffer): Promise<Pixels> {
  const image = await loadImage(bytes)
  const canvas = createCanvas(image.width, image.height)
  const ctx = canvas.getContext('2d')
  ctx.drawImage(image, 0, 0)
  return {
    width: image.width,
    height: image.height,
    data: ctx.getImageData(0, 0, image.width, image.height).data,
  }
}

export function pixelAt(p: Pixels, x: number, y: number): [number, number, number] {
  const i = (Math.floor(y) * p.width + Math.floor(x)) * 4
  return [p.data[i] ?? 0, p.data[i + 1] ?? 0, p.data[i + 2] ?? 0]
}

/** Mean absolute difference per channel (0..255) over a region given in fractions. */
export function meanDifference(
  a: Pixels,
  b: Pixels,
  region: { left: number; top: number; right: number; bottom: number },
): number {
  let total = 0
  let count = 0
  for (let y = Math.floor(region.top * a.height); y < Math.floor(region.bottom * a.height); y++) {
    for (let x = Math.floor(region.left * a.width); x < Math.floor(region.right * a.width); x++) {
      const pa = pixelAt(a, x, y)
      const pb = pixelAt(b, x, y)
      total += Math.abs(pa[0] - pb[0]) + Math.abs(pa[1] - pb[1]) + Math.abs(pa[2] - pb[2])
      count += 3
    }
  }
  return total / count
}

export function alphaAt(p: Pixels, x: number, y: number): number {
  return p.data[(Math.floor(y) * p.width + Math.floor(x)) * 4 + 3] ?? 0
}

/** The largest difference of any channel (alpha included) at any pixel. */
export function maxDifference(a: Pixels, b: Pixels): number {
  let max = 0
  for (let i = 0; i < a.data.length; i++) {
    max = Math.max(max, Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0)))
  }
  return max
}
