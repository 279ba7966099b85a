import {
  DEFAULT_BAND_COLOR,
  PICTURE_EDIT_LIMITS,
  type ImageSize,
  type PictureEdits,
} from '@meme-studio/meme-core'

/** A crop in fractions (0..1) of the rotated and mirrored picture, as `PictureEdits` keeps it. */
export type CropRect = NonNullable<PictureEdits['crop']>

export const FULL_CROP: CropRect = { x: 0, y: 0, width: 1, height: 1 }

/** The crop shapes offered: width over height in pixels; `undefined` for any shape. */
export const CROP_RATIOS: readonly { value: string; label: string; ratio?: number }[] = [
  { value: 'free', label: 'Free' },
  { value: '1:1', label: 'Square 1:1', ratio: 1 },
  { value: '4:3', label: '4:3', ratio: 4 / 3 },
  { value: '3:4', label: '3:4', ratio: 3 / 4 },
  { value: '16:9', label: '16:9', ratio: 16 / 9 },
  { value: '9:16', label: '9:16', ratio: 9 / 16 },
]

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value))

/** The smallest side a crop may have, in pixels of a side `whole` pixels long. */
const minPixels = (whole: number) =>
  Math.min(whole, Math.max(1, Math.ceil(PICTURE_EDIT_LIMITS.minCropFraction * whole)))

/** Whether a crop keeps the whole picture (so it is no crop at all). */
export function isFullCrop(crop: CropRect | undefined): boolean {
  return (
    crop === undefined ||
    (crop.x <= 0 && crop.y <= 0 && crop.x + crop.width >= 1 && crop.y + crop.height >= 1)
  )
}

/**
 * A crop kept within the picture and the API's limits: inside 0..1, each side at least the
 * smallest share the API accepts.
 */
export function clampCrop(crop: CropRect): CropRect {
  const min = PICTURE_EDIT_LIMITS.minCropFraction
  const width = clamp(crop.width, min, 1)
  const height = clamp(crop.height, min, 1)
  return {
    x: clamp(crop.x, 0, 1 - width),
    y: clamp(crop.y, 0, 1 - height),
    width,
    height,
  }
}

/** Pixels to fractions of `size`, so that rounding back (as `planPictureEdits` does) gives them. */
function toFractions(
  pixels: { left: number; top: number; width: number; height: number },
  size: ImageSize,
): CropRect {
  return {
    x: pixels.left / size.width,
    y: pixels.top / size.height,
    width: pixels.width / size.width,
    height: pixels.height / size.height,
  }
}

/**
 * The largest crop of `ratio` (width over height, in pixels) that fits the picture of `size`
 * (the rotated one), centred on the centre of `around` (the current crop, else the picture's),
 * moved inside where the centre is too close to an edge. Whole pixels, so the shape is exact.
 */
export function cropToRatio(
  ratio: number,
  size: ImageSize,
  around: CropRect = FULL_CROP,
): CropRect {
  let width = size.width
  let height = Math.round(width / ratio)
  if (height > size.height) {
    height = size.height
    width = Math.round(height * ratio)
  }
  width = clamp(width, minPixels(size.width), size.width)
  height = clamp(height, minPixels(size.height), size.height)
  const centreX = (around.x + around.width / 2) * size.width
  const centreY = (around.y + around.height / 2) * size.height
  const left = clamp(Math.round(centreX - width / 2), 0, size.width - width)
  const top = clamp(Math.round(centreY - height / 2), 0, size.height - height)
  return toFractions({ left, top, width, height }, size)
}

/** Which edges a drag moves: a side or a corner, or the whole rectangle. */
export type CropHandle = 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w' | 'nw' | 'move'

/**
 * A crop after dragging `handle` by (dx, dy) fractions of the picture. A move keeps the size;
 * an edge or corner moves its edges, the opposite ones stay. With a `ratio` (pixels, width
 * over height) the shape is kept: the dragged side leads and the other follows, from the
 * opposite edge or corner (a side's neighbours stay centred).
 */
export function dragCrop(
  start: CropRect,
  handle: CropHandle,
  dx: number,
  dy: number,
  size: ImageSize,
  ratio?: number,
): CropRect {
  const min = PICTURE_EDIT_LIMITS.minCropFraction
  if (handle === 'move') {
    return {
      ...start,
      x: clamp(start.x + dx, 0, 1 - start.width),
      y: clamp(start.y + dy, 0, 1 - start.height),
    }
  }
  let left = start.x
  let top = start.y
  let right = start.x + start.width
  let bottom = start.y + start.height
  if (handle.includes('w')) left = clamp(left + dx, 0, right - min)
  if (handle.includes('e')) right = clamp(right + dx, left + min, 1)
  if (handle.includes('n')) top = clamp(top + dy, 0, bottom - min)
  if (handle.includes('s')) bottom = clamp(bottom + dy, top + min, 1)
  if (ratio === undefined) return { x: left, y: top, width: right - left, height: bottom - top }

  // The fraction-space ratio: a square is taller in fractions of a wide picture.
  const aspect = (ratio * size.height) / size.width
  const horizontal = handle.includes('e') || handle.includes('w')
  const vertical = handle.includes('n') || handle.includes('s')
  let width = right - left
  let height = bottom - top
  // A corner follows the pointer's larger move, in pixels.
  const widthLeads =
    horizontal && (!vertical || Math.abs(dx * size.width) >= Math.abs(dy * size.height))
  if (widthLeads) height = width / aspect
  else width = height * aspect
  // Room on the side that grows: the anchor is the opposite edge, or the centre for a side.
  const anchorX = handle.includes('w')
    ? start.x + start.width
    : handle.includes('e')
      ? start.x
      : start.x + start.width / 2
  const anchorY = handle.includes('n')
    ? start.y + start.height
    : handle.includes('s')
      ? start.y
      : start.y + start.height / 2
  const roomX = handle.includes('w')
    ? anchorX
    : handle.includes('e')
      ? 1 - anchorX
      : 2 * Math.min(anchorX, 1 - anchorX)
  const roomY = handle.includes('n')
    ? anchorY
    : handle.includes('s')
      ? 1 - anchorY
      : 2 * Math.min(anchorY, 1 - anchorY)
  const fit = Math.min(1, roomX / width, roomY / height)
  width *= fit
  height *= fit
  const x = handle.includes('w')
    ? anchorX - width
    : handle.includes('e')
      ? anchorX
      : anchorX - width / 2
  const y = handle.includes('n')
    ? anchorY - height
    : handle.includes('s')
      ? anchorY
      : anchorY - height / 2
  return clampCrop({ x, y, width, height })
}

/** A crop whose edges fall on whole pixels of `size`, so what is shown is what is kept. */
export function snapCrop(crop: CropRect, size: ImageSize): CropRect {
  const left = Math.round(crop.x * size.width)
  const top = Math.round(crop.y * size.height)
  const right = Math.max(left + 1, Math.round((crop.x + crop.width) * size.width))
  const bottom = Math.max(top + 1, Math.round((crop.y + crop.height) * size.height))
  return toFractions({ left, top, width: right - left, height: bottom - top }, size)
}

/** The same part of the picture after it is turned a quarter clockwise. */
export function cropTurnedRight(crop: CropRect): CropRect {
  return { x: 1 - crop.y - crop.height, y: crop.x, width: crop.height, height: crop.width }
}

/** The same part of the picture after it is turned a quarter anticlockwise. */
export function cropTurnedLeft(crop: CropRect): CropRect {
  return { x: crop.y, y: 1 - crop.x - crop.width, width: crop.height, height: crop.width }
}

export function cropMirroredHorizontally(crop: CropRect): CropRect {
  return { ...crop, x: 1 - crop.x - crop.width }
}

export function cropMirroredVertically(crop: CropRect): CropRect {
  return { ...crop, y: 1 - crop.y - crop.height }
}

type Turn = NonNullable<PictureEdits['rotate']>

/** Edits without what changes nothing, so equal pictures compare equal. */
function tidy(edits: PictureEdits): PictureEdits {
  const next: PictureEdits = {}
  if (edits.rotate) next.rotate = edits.rotate
  if (edits.flipHorizontal) next.flipHorizontal = true
  if (edits.flipVertical) next.flipVertical = true
  if (edits.crop && !isFullCrop(edits.crop)) next.crop = clampCrop(edits.crop)
  if (edits.bandTop) next.bandTop = edits.bandTop
  if (edits.bandBottom) next.bandBottom = edits.bandBottom
  if (edits.bandColor && edits.bandColor.toLowerCase() !== DEFAULT_BAND_COLOR) {
    next.bandColor = edits.bandColor.toLowerCase()
  }
  return next
}

/**
 * The edits after turning what is shown a quarter turn (clockwise with `step` 90). The server
 * rotates before it mirrors, so a turn after a mirror is rewritten as one before it: turning a
 * mirror image by 90° is the other mirror of the turned picture (R∘H = V∘R), so the two
 * mirrors trade places. The crop turns with the picture and keeps the same part.
 */
export function turned(edits: PictureEdits, step: 90 | -90): PictureEdits {
  const rotate = ((((edits.rotate ?? 0) + step) % 360) + 360) % 360
  return tidy({
    ...edits,
    rotate: rotate as Turn,
    flipHorizontal: edits.flipVertical,
    flipVertical: edits.flipHorizontal,
    crop: edits.crop && (step === 90 ? cropTurnedRight(edits.crop) : cropTurnedLeft(edits.crop)),
  })
}

/** The edits after mirroring what is shown, left to right or top to bottom; the crop follows. */
export function mirrored(edits: PictureEdits, axis: 'horizontal' | 'vertical'): PictureEdits {
  return tidy(
    axis === 'horizontal'
      ? {
          ...edits,
          flipHorizontal: !edits.flipHorizontal,
          crop: edits.crop && cropMirroredHorizontally(edits.crop),
        }
      : {
          ...edits,
          flipVertical: !edits.flipVertical,
          crop: edits.crop && cropMirroredVertically(edits.crop),
        },
  )
}

/** The edits with another crop (undefined or the whole picture: none). */
export function withCrop(edits: PictureEdits, crop: CropRect | undefined): PictureEdits {
  return tidy({ ...edits, crop })
}

/** Bands above and below, fractions of the cropped picture's height, and their colour. */
export interface Bands {
  top: number
  bottom: number
  color: string
}

const COLOUR = /^#[0-9a-f]{6}$/i

/** The edits with other bands, kept within what the API accepts; a malformed colour is ignored. */
export function withBands(edits: PictureEdits, bands: Partial<Bands>): PictureEdits {
  const band = (value: number | undefined, current: number | undefined) =>
    value === undefined || !Number.isFinite(value)
      ? current
      : clamp(value, 0, PICTURE_EDIT_LIMITS.maxBand)
  return tidy({
    ...edits,
    bandTop: band(bands.top, edits.bandTop),
    bandBottom: band(bands.bottom, edits.bandBottom),
    bandColor:
      bands.color !== undefined && COLOUR.test(bands.color) ? bands.color : edits.bandColor,
  })
}
