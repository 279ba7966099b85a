import {
  planPanelLayout,
  type ImageSize,
  type PanelLayoutKind,
  type PanelLayoutPlan,
  type PixelRect,
} from '@meme-studio/meme-core'
import sharp, { type OverlayOptions } from 'sharp'
import { probeImage } from '../meme/image-probe.ts'
import { decodePicture, renderCost, type DecodeOptions } from '../meme/meme-render.ts'
import { AppError } from '../shared/app-error.ts'

/** The first rung of the meme render's quality ladder: what a meme of a photo is encoded at. */
export const LAYOUT_JPEG_QUALITY = 85

export interface ComposedLayout {
  bytes: Buffer
  contentType: 'image/jpeg' | 'image/png'
  width: number
  height: number
}

export interface ComposeOptions extends DecodeOptions {
  /** The composed picture becomes an upload: it may be no larger than one. */
  maxUploadBytes: number
}

function unreadable(cause: unknown): AppError {
  return new AppError(422, 'IMAGE_UNREADABLE', 'The picture is damaged and cannot be read', {
    cause,
  })
}

/** A picture's size as it is drawn: upright, EXIF orientation applied, as browsers show it. */
async function uprightSize(bytes: Buffer): Promise<ImageSize> {
  try {
    return (await sharp(bytes).metadata()).autoOrient
  } catch (cause) {
    throw unreadable(cause)
  }
}

/**
 * Memory a composition holds at its peak: the uploads' bytes, one picture being decoded (they
 * are decoded one after another) and every cell cut from them, RGBA in case.
 */
export function composeCost(uploads: readonly Buffer[], options: DecodeOptions): number {
  const decoding = Math.max(...uploads.map((bytes) => renderCost(bytes, options)))
  const held = uploads.reduce((sum, bytes) => sum + bytes.length, 0)
  const cells = Math.min(options.maxEdge, 1600) ** 2 * 4
  return held + decoding + cells
}

/** One panel's pixels: its picture's crop, scaled to the panel's rect. */
interface Cell {
  rect: PixelRect
  pixels: Buffer
  channels: 3 | 4
}

/**
 * Cuts a panel out of an upload: decoded with the meme render's checks (format from the magic
 * bytes, pixel cap from the header, truncated data refused), upright and no larger than
 * `maxEdge`, so four pictures at the pixel cap never sit in memory at once; then the engine's
 * crop, scaled to the panel.
 */
async function cutCell(
  bytes: Buffer,
  upright: ImageSize,
  placement: PanelLayoutPlan['panels'][number],
  options: DecodeOptions,
): Promise<Cell> {
  const picture = await decodePicture(bytes, options)
  // The crop is in the upright picture's pixels; the decoded one may be scaled down.
  const sx = picture.width / upright.width
  const sy = picture.height / upright.height
  const left = Math.min(picture.width - 1, Math.max(0, Math.round(placement.crop.left * sx)))
  const top = Math.min(picture.height - 1, Math.max(0, Math.round(placement.crop.top * sy)))
  const extract = {
    left,
    top,
    width: Math.max(1, Math.min(picture.width - left, Math.round(placement.crop.width * sx))),
    height: Math.max(1, Math.min(picture.height - top, Math.round(placement.crop.height * sy))),
  }
  const { rect } = placement
  const pixels = await sharp(picture.pixels, {
    raw: { width: picture.width, height: picture.height, channels: picture.channels },
  })
    .extract(extract)
    .resize(rect.width, rect.height, { fit: 'fill' })
    .raw()
    .toBuffer()
  return { rect, pixels, channels: picture.channels }
}

/**
 * Puts one upload in each panel of a layout and encodes the result: JPEG, or PNG when a
 * picture has transparency, which its panel keeps. Checks every upload (as a meme render
 * would) before decoding any. `uploads` are in reading order, as many as the layout's panels.
 */
export async function composeLayout(
  kind: PanelLayoutKind,
  uploads: readonly Buffer[],
  options: ComposeOptions,
): Promise<ComposedLayout> {
  const sizes: ImageSize[] = []
  for (const bytes of uploads) {
    probeImage(bytes, options)
    sizes.push(await uprightSize(bytes))
  }
  const plan = planPanelLayout(kind, sizes, options.maxEdge)
  const cells: Cell[] = []
  for (const [i, placement] of plan.panels.entries()) {
    cells.push(await cutCell(uploads[i]!, sizes[i]!, placement, options))
  }
  const alpha = cells.some((cell) => cell.channels === 4)
  const overlays: OverlayOptions[] = cells.flatMap(({ rect, pixels, channels }) => {
    const at = { left: rect.left, top: rect.top }
    const picture = {
      input: pixels,
      raw: { width: rect.width, height: rect.height, channels },
      ...at,
    }
    if (!alpha) return [picture]
    // The white under a panel is cut out first, so a transparent sticker stays transparent.
    // (`source` would do it in one, but libvips clears the whole canvas outside the overlay.)
    const block = { width: rect.width, height: rect.height, channels: 4 as const }
    const opaque = { ...block, background: { r: 0, g: 0, b: 0, alpha: 1 } }
    return [{ input: { create: opaque }, ...at, blend: 'dest-out' as const }, picture]
  })
  const canvas = sharp({
    create: {
      width: plan.width,
      height: plan.height,
      channels: alpha ? 4 : 3,
      background: plan.background,
    },
  }).composite(overlays)
  const bytes = alpha
    ? await canvas.png().toBuffer()
    : await canvas.jpeg({ quality: LAYOUT_JPEG_QUALITY, optimiseCoding: false }).toBuffer()
  if (bytes.length > options.maxUploadBytes) {
    throw new AppError(
      422,
      'OUTPUT_TOO_LARGE',
      `The composed picture is ${bytes.length.toLocaleString('en')} bytes; an upload may be at ` +
        `most ${options.maxUploadBytes.toLocaleString('en')} bytes. Use smaller or simpler pictures`,
    )
  }
  return {
    bytes,
    contentType: alpha ? 'image/png' : 'image/jpeg',
    width: plan.width,
    height: plan.height,
  }
}
