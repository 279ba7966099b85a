import type { PixelRect } from './caption-layout.ts'
import type { ImageSize } from './picture-size.ts'

/**
 * Edits to the picture before it is captioned, applied to the original upload in this order:
 * turned upright (EXIF), rotated, mirrored, cropped, then given bands of plain colour above
 * and below. Captions and stickers are placed in fractions of the result.
 */
export interface PictureEdits {
  /** Clockwise, in quarter turns. */
  rotate?: 0 | 90 | 180 | 270
  /** Mirrored left to right, after rotating. */
  flipHorizontal?: boolean
  /** Mirrored top to bottom, after rotating. */
  flipVertical?: boolean
  /** The part kept, in fractions of the rotated and mirrored picture. */
  crop?: { x: number; y: number; width: number; height: number }
  /** Room above the cropped picture, as a fraction of its height. */
  bandTop?: number
  /** Room below the cropped picture, as a fraction of its height. */
  bandBottom?: number
  /** The bands' colour, `#rrggbb`; white when unset. */
  bandColor?: string
}

export const PICTURE_EDIT_LIMITS = {
  /** A crop keeps at least this share of each side (the pixel minimum is the shape rule's). */
  minCropFraction: 0.01,
  /** A band is at most this many times the cropped picture's height. */
  maxBand: 1,
} as const

export const DEFAULT_BAND_COLOR = '#ffffff'

/** Where each edit lands, in pixels of the picture it applies to. */
export interface EditPlan {
  /** The upright picture's size after the rotation. */
  rotated: ImageSize
  /** The kept part, in pixels of the rotated and mirrored picture. */
  crop: PixelRect
  /** Band heights, in pixels of the original's scale. */
  bandTop: number
  bandBottom: number
  bandColor: string
  /** The edited picture's size at the original's scale, before `outputSize` scales it down. */
  size: ImageSize
}

const turns = (edits: PictureEdits | undefined) => edits?.rotate ?? 0

/** Whether the edits change anything: no edits render exactly as before. */
export function hasPictureEdits(edits: PictureEdits | undefined): boolean {
  if (!edits) return false
  const crop = edits.crop
  return (
    turns(edits) !== 0 ||
    edits.flipHorizontal === true ||
    edits.flipVertical === true ||
    (crop !== undefined &&
      (crop.x !== 0 || crop.y !== 0 || crop.width !== 1 || crop.height !== 1)) ||
    (edits.bandTop ?? 0) > 0 ||
    (edits.bandBottom ?? 0) > 0
  )
}

/**
 * The pixels each edit keeps or adds, for a picture of `upright` size. Edges are rounded to
 * whole pixels, the same way in the preview and on the server; a crop keeps at least one.
 */
export function planPictureEdits(upright: ImageSize, edits: PictureEdits | undefined): EditPlan {
  const quarter = turns(edits) === 90 || turns(edits) === 270
  const rotated = quarter ? { width: upright.height, height: upright.width } : { ...upright }
  const crop = edits?.crop ?? { x: 0, y: 0, width: 1, height: 1 }
  const edge = (fraction: number, whole: number) =>
    Math.min(whole, Math.max(0, Math.round(fraction * whole)))
  const left = Math.min(edge(crop.x, rotated.width), rotated.width - 1)
  const top = Math.min(edge(crop.y, rotated.height), rotated.height - 1)
  const right = Math.max(left + 1, edge(crop.x + crop.width, rotated.width))
  const bottom = Math.max(top + 1, edge(crop.y + crop.height, rotated.height))
  const kept = { left, top, width: right - left, height: bottom - top }
  const band = (fraction: number | undefined) =>
    Math.round(Math.min(PICTURE_EDIT_LIMITS.maxBand, Math.max(0, fraction ?? 0)) * kept.height)
  const bandTop = band(edits?.bandTop)
  const bandBottom = band(edits?.bandBottom)
  return {
    rotated,
    crop: kept,
    bandTop,
    bandBottom,
    bandColor: edits?.bandColor ?? DEFAULT_BAND_COLOR,
    size: { width: kept.width, height: kept.height + bandTop + bandBottom },
  }
}

/** The part of a 2D context that drawing an edited picture or a sticker needs (browser, Skia). */
export interface PictureContext {
  fillStyle: unknown
  imageSmoothingEnabled: boolean
  save(): void
  restore(): void
  translate(x: number, y: number): void
  rotate(angle: number): void
  scale(x: number, y: number): void
  beginPath(): void
  rect(x: number, y: number, width: number, height: number): void
  clip(): void
  fillRect(x: number, y: number, width: number, height: number): void
  drawImage(image: never, dx: number, dy: number, dw: number, dh: number): void
}

/**
 * Draws the upright picture `image` (of `upright` size) with its edits onto a canvas of
 * `size` (the edited size scaled by `outputSize`): the bands, then the kept part, rotated and
 * mirrored. The preview draws with this; the server applies the same plan with libvips.
 */
export function drawEditedPicture<Image>(
  ctx: PictureContext,
  image: Image,
  upright: ImageSize,
  edits: PictureEdits | undefined,
  size: ImageSize,
): void {
  const plan = planPictureEdits(upright, edits)
  const scaleX = size.width / plan.size.width
  const scaleY = size.height / plan.size.height
  ctx.save()
  if (plan.bandTop > 0 || plan.bandBottom > 0) {
    ctx.fillStyle = plan.bandColor
    ctx.fillRect(0, 0, size.width, size.height)
  }
  ctx.scale(scaleX, scaleY)
  ctx.translate(0, plan.bandTop)
  ctx.beginPath()
  ctx.rect(0, 0, plan.crop.width, plan.crop.height)
  ctx.clip()
  ctx.translate(-plan.crop.left, -plan.crop.top)
  // Mirror within the rotated picture, then turn the upright one into it.
  ctx.translate(
    edits?.flipHorizontal ? plan.rotated.width : 0,
    edits?.flipVertical ? plan.rotated.height : 0,
  )
  ctx.scale(edits?.flipHorizontal ? -1 : 1, edits?.flipVertical ? -1 : 1)
  const angle = turns(edits)
  if (angle === 90) ctx.translate(plan.rotated.width, 0)
  else if (angle === 180) ctx.translate(plan.rotated.width, plan.rotated.height)
  else if (angle === 270) ctx.translate(0, plan.rotated.height)
  ctx.rotate((angle * Math.PI) / 180)
  ctx.drawImage(image as never, 0, 0, upright.width, upright.height)
  ctx.restore()
}

/** A picture placed over the meme (a second upload, or an emoji drawn as one). */
export interface Sticker {
  /** An upload's key (`uploads/<uuid>.<ext>`). */
  image: string
  /** Centre, in fractions of the edited picture's width and height. */
  x: number
  y: number
  /** Width as a fraction of the edited picture's width; the height keeps the sticker's shape. */
  width: number
  /** Clockwise, in degrees. */
  rotation?: number
  /** How many of the captions are drawn under it (the first ones); 0 or unset: under all. */
  above?: number
}

export const STICKER_LIMITS = {
  maxStickers: 5,
  minWidth: 0.03,
  maxWidth: 1,
  maxRotation: 180,
} as const

/** Where a sticker lands: its centre and size in pixels of the meme, and its turn. */
export interface StickerPlacement {
  centreX: number
  centreY: number
  width: number
  height: number
  /** Clockwise, in degrees. */
  rotation: number
}

/** A sticker of `stickerSize` placed on a meme of `size`: the width given, the shape kept. */
export function placeSticker(
  sticker: Pick<Sticker, 'x' | 'y' | 'width' | 'rotation'>,
  stickerSize: ImageSize,
  size: ImageSize,
): StickerPlacement {
  const width = Math.max(1, Math.round(sticker.width * size.width))
  const height = Math.max(1, Math.round((width * stickerSize.height) / stickerSize.width))
  return {
    centreX: sticker.x * size.width,
    centreY: sticker.y * size.height,
    width,
    height,
    rotation: sticker.rotation ?? 0,
  }
}

/** The pixels a placed sticker can cover, rotation included, before clipping to the meme. */
export function stickerBounds(placement: StickerPlacement): PixelRect {
  const angle = (placement.rotation * Math.PI) / 180
  const cos = Math.abs(Math.cos(angle))
  const sin = Math.abs(Math.sin(angle))
  const halfWidth = (placement.width * cos + placement.height * sin) / 2
  const halfHeight = (placement.width * sin + placement.height * cos) / 2
  const left = Math.floor(placement.centreX - halfWidth) - 1
  const top = Math.floor(placement.centreY - halfHeight) - 1
  return {
    left,
    top,
    width: Math.ceil(placement.centreX + halfWidth) + 1 - left,
    height: Math.ceil(placement.centreY + halfHeight) + 1 - top,
  }
}

/** Draws a sticker's image where `placeSticker` put it, in meme coordinates. */
export function drawSticker<Image>(
  ctx: PictureContext,
  image: Image,
  placement: StickerPlacement,
): void {
  ctx.save()
  ctx.translate(placement.centreX, placement.centreY)
  ctx.rotate((placement.rotation * Math.PI) / 180)
  ctx.drawImage(
    image as never,
    -placement.width / 2,
    -placement.height / 2,
    placement.width,
    placement.height,
  )
  ctx.restore()
}

/** One thing drawn over the picture: a caption or a sticker, by its index in its list. */
export type Layer = { kind: 'caption'; index: number } | { kind: 'sticker'; index: number }

/**
 * The order captions and stickers are drawn in: for each caption, first the stickers that go
 * under it (`above` equal to its index), then the caption; last, the stickers above every
 * caption. Stickers with the same `above` keep their order.
 */
export function layerOrder(
  captionCount: number,
  stickers: readonly Pick<Sticker, 'above'>[],
): Layer[] {
  const layers: Layer[] = []
  const under = (k: number) =>
    stickers.forEach((sticker, index) => {
      const above = Math.min(captionCount, Math.max(0, Math.floor(sticker.above ?? 0)))
      if (above === k) layers.push({ kind: 'sticker', index })
    })
  for (let k = 0; k < captionCount; k++) {
    under(k)
    layers.push({ kind: 'caption', index: k })
  }
  under(captionCount)
  return layers
}
