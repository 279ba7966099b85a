import sharp from 'sharp'

export type Rgb = readonly [number, number, number]
export const RED: Rgb = [255, 0, 0]
export const GREEN: Rgb = [0, 255, 0]
export const BLUE: Rgb = [0, 0, 255]
export const YELLOW: Rgb = [255, 255, 0]

/**
 * A PNG in four quarters, top-left red, top-right green, bottom-left blue, bottom-right
 * yellow: every rotation and mirror puts a different colour in each corner.
 */
export async function makeQuadrants(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3)
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const top = y < height / 2
      const left = x < width / 2
      raw.set(top ? (left ? RED : GREEN) : left ? BLUE : YELLOW, (y * width + x) * 3)
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer()
}

/** A PNG of one colour; `alpha` 0 leaves it transparent. */
export async function makeSolid(width: number, height: number, colour: Rgb, alpha = 1) {
  const [r, g, b] = colour
  return sharp({ create: { width, height, channels: 4, background: { r, g, b, alpha } } })
    .png()
    .toBuffer()
}

/** An encoded picture's pixels, RGB, and a reader of one of them. */
export async function rgbOf(bytes: Buffer, page = 0) {
  const { data, info } = await sharp(bytes, { page })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true })
  const at = (x: number, y: number): number[] => [
    ...data.subarray((y * info.width + x) * 3, (y * info.width + x + 1) * 3),
  ]
  return { width: info.width, height: info.height, at }
}

/** Colours a few pixels in from each corner: top-left, top-right, bottom-right, bottom-left. */
export function cornersOf({ width, height, at }: Awaited<ReturnType<typeof rgbOf>>, inset = 3) {
  const r = width - 1 - inset
  const b = height - 1 - inset
  return [at(inset, inset), at(r, inset), at(r, b), at(inset, b)]
}
