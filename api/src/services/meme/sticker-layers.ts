import { createCanvas, ImageData } from '@napi-rs/canvas'
import {
  drawSticker,
  placeSticker,
  stickerBounds,
  type ImageSize,
  type PixelRect,
  type Sticker,
} from '@meme-studio/meme-core'
import sharp, { type OutputInfo } from 'sharp'
import { AppError } from '../shared/app-error.ts'
import { probeImage, type ImageProbe, type ProbeLimits } from './image-probe.ts'

/** One of a request's stickers with its upload, read and checked from its header. */
export interface StickerUpload {
  sticker: Sticker
  bytes: Buffer
  stored: ImageProbe
}

/** A premultiplied RGBA layer covering `rect`: what captions and stickers are drawn on. */
interface Layer {
  rect: PixelRect
  rgba: Uint8Array
}

/**
 * An error about a sticker's picture, saying which sticker (1-based, as people count): the
 * code and status are the main picture's for the same problem.
 */
export function stickerError(index: number, error: unknown): unknown {
  if (!(error instanceof AppError)) return error
  const message =
    error.code === 'IMAGE_NOT_FOUND'
      ? `Sticker ${index + 1}'s picture was not found: that upload does not exist or has expired`
      : `Sticker ${index + 1}'s picture: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`
  return new AppError(error.statusCode, error.code, message, { cause: error })
}

/**
 * Checks a sticker's upload as an upload is checked (type, bytes, pixels, proportions), from
 * its header; it may be smaller than a picture to caption.
 */
export function probeSticker(
  index: number,
  sticker: Sticker,
  bytes: Buffer,
  limits: ProbeLimits,
): StickerUpload {
  try {
    return { sticker, bytes, stored: probeImage(bytes, limits, 'sticker') }
  } catch (error) {
    throw stickerError(index, error)
  }
}

/**
 * Memory a sticker holds while it is drawn: its bytes, libvips's decoded first frame (RGBA)
 * and its copy scaled to its place, which is at most the meme's diagonal long (twice the
 * meme's area), and the layer, no larger than the meme.
 */
export function stickerCost({ bytes, stored }: StickerUpload, maxEdge: number): number {
  return bytes.length + stored.width * stored.height * 4 * 2 + maxEdge * maxEdge * 4 * 3
}

/** The part of `rect` inside a picture of `size`. */
function clip(rect: PixelRect, size: ImageSize): PixelRect | undefined {
  const left = Math.max(0, rect.left)
  const top = Math.max(0, rect.top)
  const right = Math.min(size.width, rect.left + rect.width)
  const bottom = Math.min(size.height, rect.top + rect.height)
  if (right <= left || bottom <= top) return undefined
  return { left, top, width: right - left, height: bottom - top }
}

/**
 * Draws one sticker on its own layer, as large as its bounds within the meme (`size`), or
 * nothing when it lies wholly outside. Its first frame, upright, is scaled by libvips to the
 * size `placeSticker` gives it (better than Skia's downscaling of a large photo); Skia turns
 * it and places it, as the preview's canvas does.
 */
export async function drawStickerLayer(
  index: number,
  { sticker, bytes, stored }: StickerUpload,
  size: ImageSize,
): Promise<Layer | undefined> {
  // The header was checked against the pixel limit; libvips's own stays on behind it.
  const open = () =>
    sharp(bytes, { limitInputPixels: stored.width * stored.height, failOn: 'error' })
  let decoded: { data: Buffer; info: OutputInfo }
  let placement: ReturnType<typeof placeSticker>
  try {
    const { autoOrient } = await open().metadata()
    placement = placeSticker(sticker, autoOrient, size)
    // Longer than the meme's diagonal, a sticker never shows whole, whatever its turn: it is
    // decoded no longer than that and Skia scales it the rest of the way, as a browser would.
    const scale = Math.min(
      1,
      Math.hypot(size.width, size.height) / Math.max(placement.width, placement.height),
    )
    decoded = await open()
      .autoOrient()
      .resize(
        Math.max(1, Math.round(placement.width * scale)),
        Math.max(1, Math.round(placement.height * scale)),
        { fit: 'fill' },
      )
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
  } catch (cause) {
    throw stickerError(
      index,
      new AppError(422, 'IMAGE_UNREADABLE', 'The picture is damaged and cannot be read', { cause }),
    )
  }
  const rect = clip(stickerBounds(placement), size)
  if (!rect) return undefined
  const { data, info } = decoded
  const image = createCanvas(info.width, info.height)
  image
    .getContext('2d')
    .putImageData(
      new ImageData(
        new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
        info.width,
        info.height,
      ),
      0,
      0,
    )
  const canvas = createCanvas(rect.width, rect.height)
  const ctx = canvas.getContext('2d')
  ctx.imageSmoothingQuality = 'high'
  ctx.translate(-rect.left, -rect.top)
  drawSticker(ctx, image, placement)
  return { rect, rgba: canvas.data() }
}
