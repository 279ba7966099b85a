import type { EditPlan, ImageSize, PictureEdits } from '@meme-studio/meme-core'
import sharp from 'sharp'
import type { Picture } from './meme-render.ts'

/**
 * sharp mirrors before it rotates, whatever order the calls come in (checked by the pixel
 * tests): a mirror after a quarter turn is the other mirror before it.
 */
function mirrorsBeforeTurn(edits: PictureEdits): { flip: boolean; flop: boolean } {
  const horizontal = edits.flipHorizontal === true
  const vertical = edits.flipVertical === true
  const quarter = edits.rotate === 90 || edits.rotate === 270
  return quarter ? { flip: horizontal, flop: vertical } : { flip: vertical, flop: horizontal }
}

/** `#rrggbb` as the bytes of one pixel, opaque when the picture has alpha. */
function bandPixel(color: string, channels: 3 | 4): Buffer {
  const rgb = [1, 3, 5].map((at) => Number.parseInt(color.slice(at, at + 2), 16))
  return Buffer.from(channels === 4 ? [...rgb, 255] : rgb)
}

/** The cropped frame between its bands: rows copied, the bands filled with their colour. */
function addBands(cropped: Buffer, plan: EditPlan, channels: 3 | 4): Buffer {
  if (plan.bandTop === 0 && plan.bandBottom === 0) return cropped
  const rowBytes = plan.size.width * channels
  const banded = Buffer.alloc(plan.size.height * rowBytes)
  banded.fill(bandPixel(plan.bandColor, channels))
  cropped.copy(banded, plan.bandTop * rowBytes)
  return banded
}

/**
 * Applies a picture's edits to each frame of `picture` (decoded upright at full size, so a
 * crop keeps the original's resolution), following meme-core's `planPictureEdits` to the
 * pixel: rotated clockwise, mirrored, cropped, given bands, then scaled to `size`
 * (`outputSize` of the plan's). Three passes a frame, because sharp runs chained operations
 * in an order of its own (mirror, rotate, crop, resize, then extend): the bands are added
 * between the crop and the scaling here, in the raw pixels.
 */
export async function editPicture(
  picture: Picture,
  edits: PictureEdits,
  plan: EditPlan,
  size: ImageSize,
): Promise<Picture> {
  const { width, height, channels } = picture
  const frames = picture.animation?.frames ?? 1
  const frameBytes = width * height * channels
  const { flip, flop } = mirrorsBeforeTurn(edits)
  const edited: Buffer[] = []
  for (let f = 0; f < frames; f++) {
    const frame = picture.pixels.subarray(f * frameBytes, (f + 1) * frameBytes)
    const cropped = await sharp(frame, { raw: { width, height, channels } })
      .flip(flip)
      .flop(flop)
      .rotate(edits.rotate ?? 0)
      .extract(plan.crop)
      .raw()
      .toBuffer()
    const banded = addBands(cropped, plan, channels)
    const scaled =
      size.width === plan.size.width && size.height === plan.size.height
        ? banded
        : await sharp(banded, { raw: { ...plan.size, channels } })
            .resize(size.width, size.height, { fit: 'fill' })
            .raw()
            .toBuffer()
    edited.push(scaled)
  }
  const pixels = frames === 1 ? edited[0]! : Buffer.concat(edited)
  return {
    pixels,
    width: size.width,
    height: size.height,
    channels,
    // Captions and stickers are placed in fractions of the edited picture.
    upright: plan.size,
    sourceType: picture.sourceType,
    byteLength: pixels.byteLength,
    ...(picture.animation ? { animation: picture.animation } : {}),
  }
}
