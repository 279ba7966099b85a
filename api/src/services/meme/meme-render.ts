import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas'
import {
  captionBounds,
  captionText,
  drawCaptions,
  fontStack,
  layerOrder,
  layoutCaption,
  outputSize,
  planPictureEdits,
  CAPTION_DEFAULTS,
  type Caption,
  type CaptionLayout,
  type ImageSize,
  type ImageType,
  type PictureEdits,
  type PixelRect,
} from '@meme-studio/meme-core'
import type { MemeRequest } from '@meme-studio/meme-core/schema'
import sharp, { type Metadata, type OutputInfo, type Raw } from 'sharp'
import { AppError } from '../shared/app-error.ts'
import { loadCaptionFonts } from './caption-fonts.ts'
import { checkPictureShape, probeImage } from './image-probe.ts'
import { editPicture } from './picture-edits-render.ts'
import { drawStickerLayer, type StickerUpload } from './sticker-layers.ts'

export type OutputFormat = 'jpeg' | 'png' | 'webp'

/** What a render encodes: a format a request can choose, or an animated GIF kept as one. */
type EncodedFormat = OutputFormat | 'gif'

const OUTPUT_CONTENT_TYPES = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
} as const satisfies Record<EncodedFormat, ImageType>

/** A Lambda response carries at most 6 MB; keep room for the JSON and headers around it. */
export const MAX_OUTPUT_BASE64_BYTES = 6 * 1024 * 1024 - 64 * 1024

/** Lossy qualities tried in turn until the output fits. */
const QUALITY_LADDER = [85, 70, 55, 40]

/**
 * Frames an animation may have: every frame is decoded and held at once, and GIF tools
 * rarely make more than a few hundred.
 */
export const MAX_ANIMATION_FRAMES = 300

/**
 * Frames × width × height an animation may have, as stored: all frames are decoded at once
 * as RGBA (4 bytes a pixel, 100 MB at this cap, plus the scaled copy and the encoder's), and
 * an animation much larger would not fit a 6 MB answer anyway. Checked from the header,
 * before anything is decoded.
 */
export const MAX_ANIMATION_PIXELS = 25_000_000

/** Without a chosen format the output keeps the input's; a still GIF becomes PNG. */
const DEFAULT_OUTPUT_FORMATS: Record<ImageType, OutputFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'png',
}

/** JPEG has no transparency: transparent parts of a PNG, WebP or GIF become white, as on paper. */
const JPEG_BACKGROUND = '#ffffff'

export interface RenderedMeme {
  bytes: Buffer
  contentType: (typeof OUTPUT_CONTENT_TYPES)[EncodedFormat]
  width: number
  height: number
}

/**
 * A picture decoded, upright and scaled down: raw 8-bit pixels, RGB or, when the upload
 * has transparency, RGBA (straight alpha). Renders draw onto it and put it back as it was,
 * so one decoded picture serves many renders.
 */
export interface Picture {
  readonly pixels: Buffer
  readonly width: number
  readonly height: number
  readonly channels: 3 | 4
  /** Its size upright and before scaling down: what pixel positions in a request refer to. */
  readonly upright: ImageSize
  /** The upload's format: the output's unless the request chooses another. */
  readonly sourceType: ImageType
  /** Memory it holds, for the cache's budget. */
  readonly byteLength: number
  /**
   * An animated GIF or WebP: `pixels` holds every frame, one under the other, each
   * `width` × `height`.
   */
  readonly animation?: Animation
}

export interface Animation {
  readonly frames: number
  /** Each frame's time on screen, in ms. */
  readonly delay: readonly number[]
  /** Times it plays; 0 is forever. */
  readonly loop: number
}

export interface DecodeOptions {
  maxPixels: number
  /** The longer edge a picture is scaled down to (`outputSize`). */
  maxEdge: number
  /** Every frame of an animated GIF or WebP, rather than its first (renders, not templates). */
  animated?: boolean
}

export interface DrawOptions {
  format?: OutputFormat
  maxOutputBase64Bytes?: number
  /**
   * The output's size when it is not the picture's (memes by URL, `?width=&height=`): the
   * captions are drawn at the picture's size and the result is scaled as it is encoded, once.
   * Both edges: padded to exactly that (white in a JPEG, transparent otherwise); one: the
   * aspect kept.
   */
  outputSize?: { width?: number; height?: number }
  /** Pictures drawn over the meme, in and among the captions (meme-core's `layerOrder`). */
  stickers?: readonly StickerUpload[]
}

/**
 * Captions as a request gives them: placed in fractions of the picture, or (the seed's
 * form) in pixels of the picture as uploaded, which are placed once its upright size is known.
 */
export type CaptionsFor = readonly Caption[] | ((upright: ImageSize) => readonly Caption[])

/** A `MemeRequest`, or one whose captions are placed once the picture's size is known. */
export type RenderRequest = Omit<MemeRequest, 'captions'> & { captions: CaptionsFor }

const placed = (captions: CaptionsFor, upright: ImageSize) =>
  typeof captions === 'function' ? captions(upright) : captions

export const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4

let sharpConfigured = false

/**
 * libvips keeps a cache of recent operations by default: for a server that never repeats
 * an operation on the same input it only holds memory. Set once, on first use, so merely
 * importing this module changes nothing.
 */
function configureSharp(): void {
  if (sharpConfigured) return
  sharp.cache(false)
  sharpConfigured = true
}

function unreadable(cause: unknown): AppError {
  return new AppError(422, 'IMAGE_UNREADABLE', 'The picture is damaged and cannot be read', {
    cause,
  })
}

/**
 * libjpeg's warnings for data that ends before the image does: "Premature end of JPEG file"
 * (a file cut short) and "Corrupt JPEG data: premature end of data segment" (the scan ends
 * at a marker before every row the header promises is filled).
 * @see https://github.com/libjpeg-turbo/libjpeg-turbo/blob/main/jerror.h
 */
const PREMATURE_END = /premature end/i

function truncated(cause: unknown): AppError {
  return new AppError(
    422,
    'IMAGE_TRUNCATED',
    "The picture's data ends before the size in its header is filled: the file is cut short or its header is wrong",
    { cause },
  )
}

interface DrawingSize {
  /** Upright (EXIF orientation applied, as browsers do). */
  upright: ImageSize
  /** Upright and scaled down by `outputSize`. */
  drawn: ImageSize
  /** Set for an animation whose frames are all decoded. */
  animation?: Animation
  /** An animation's EXIF orientation, which libvips cannot apply to one: decode turns it. */
  orientation?: number
}

/** An animation over the caps could not be sent back in 6 MB either: the same refusal. */
function animationTooLarge(message: string): AppError {
  return new AppError(422, 'OUTPUT_TOO_LARGE', message)
}

/**
 * The size a picture is drawn at, from its header; for an animation (when `animated`), its
 * frames and timing, refused beyond the caps before any frame is decoded.
 */
async function drawingSize(bytes: Buffer, maxEdge: number, animated = false): Promise<DrawingSize> {
  let metadata: Metadata
  try {
    metadata = await sharp(bytes).metadata()
  } catch (cause) {
    throw unreadable(cause)
  }
  const { width, height } = metadata.autoOrient
  const sizes = { upright: { width, height }, drawn: outputSize(metadata.autoOrient, maxEdge) }
  const frames = metadata.pages ?? 1
  if (!animated || frames < 2) return sizes
  if (frames > MAX_ANIMATION_FRAMES) {
    throw animationTooLarge(
      `The animation has ${frames} frames; at most ${MAX_ANIMATION_FRAMES} can be captioned`,
    )
  }
  if (frames * width * height > MAX_ANIMATION_PIXELS) {
    throw animationTooLarge(
      `The animation has ${frames} frames of ${width}×${height}; frames × width × height may be at most ${MAX_ANIMATION_PIXELS}`,
    )
  }
  // A frame the header gives no delay for shows for 100 ms, as browsers do for 0.
  const delay = Array.from({ length: frames }, (_, i) => metadata.delay?.[i] || 100)
  return {
    ...sizes,
    animation: { frames, delay, loop: metadata.loop ?? 0 },
    orientation: metadata.orientation ?? 1,
  }
}

/**
 * Memory a render of this upload holds at its peak, from its header alone: the decoded
 * pixels, and libvips's copy of the input at full size, which it needs whole to rotate;
 * RGBA, in case. Encoders and caption layers add less than the pixels themselves. Refuses
 * what `probeImage` refuses.
 */
export function renderCost(bytes: Buffer, options: DecodeOptions): number {
  const stored = probeImage(bytes, options)
  // Orientation swaps width and height, never the area.
  const drawn = outputSize(stored, options.maxEdge)
  return (stored.width * stored.height + drawn.width * drawn.height) * 4
}

/** `renderCost` for a render, which decodes every frame of an animated GIF or WebP. */
export async function animatedRenderCost(bytes: Buffer, options: DecodeOptions): Promise<number> {
  return renderCost(bytes, options) * (await framesCounted(bytes, options))
}

/**
 * The frames a render decodes: read from an animated GIF's or WebP's header (libvips walks
 * the frames without decoding them), up to `MAX_ANIMATION_FRAMES`, past which the render
 * refuses the picture; 1 for anything else.
 */
async function framesCounted(bytes: Buffer, options: DecodeOptions): Promise<number> {
  const { contentType } = probeImage(bytes, options)
  if (contentType !== 'image/gif' && contentType !== 'image/webp') return 1
  configureSharp()
  // A header libvips cannot read is refused by the render itself, as IMAGE_UNREADABLE.
  const frames = await sharp(bytes)
    .metadata()
    .then(({ pages }) => pages ?? 1)
    .catch(() => 1)
  return Math.min(frames, MAX_ANIMATION_FRAMES)
}

interface Turn {
  /** Mirrored left to right; sharp does this before rotating. */
  flop: boolean
  angle: 0 | 90 | 180 | 270
  /** Width and height trade places. */
  swaps: boolean
}

/** What `autoOrient` does for each EXIF orientation but 1, as a mirror and a rotation. */
const ORIENTATIONS: Record<number, Turn | undefined> = {
  2: { flop: true, angle: 0, swaps: false },
  3: { flop: false, angle: 180, swaps: false },
  4: { flop: true, angle: 180, swaps: false },
  5: { flop: true, angle: 270, swaps: true },
  6: { flop: false, angle: 90, swaps: true },
  7: { flop: true, angle: 90, swaps: true },
  8: { flop: false, angle: 270, swaps: true },
}

/** Turns each frame of a decoded animation upright, one frame at a time. */
async function turnFrames(
  data: Buffer,
  stored: ImageSize,
  frames: number,
  channels: 3 | 4,
  turn: Turn,
): Promise<{ pixels: Buffer; width: number; height: number }> {
  const frameBytes = stored.width * stored.height * channels
  const turned: Buffer[] = []
  for (let f = 0; f < frames; f++) {
    const frame = data.subarray(f * frameBytes, (f + 1) * frameBytes)
    turned.push(
      await sharp(frame, { raw: { ...stored, channels } })
        .flop(turn.flop)
        .rotate(turn.angle)
        .raw()
        .toBuffer(),
    )
  }
  const upright = turn.swaps ? { width: stored.height, height: stored.width } : stored
  return { pixels: Buffer.concat(turned), ...upright }
}

/**
 * Decodes an upload: upright, scaled to `size` if given, 8-bit sRGB with alpha if it has
 * any. An animated GIF or WebP gives every frame when `sizes` carries its animation, else
 * its first. None of the file's metadata (EXIF,
 * GPS, XMP, ICC) survives: only pixels are kept.
 */
async function decode(
  bytes: Buffer,
  sourceType: ImageType,
  sizes: DrawingSize | undefined,
  maxPixels: number,
): Promise<Picture> {
  const animation = sizes?.animation
  // libvips refuses to rotate an animation: its frames are decoded as stored and turned after.
  const turn = animation ? ORIENTATIONS[sizes?.orientation ?? 1] : undefined
  const size =
    turn?.swaps && sizes ? { width: sizes.drawn.height, height: sizes.drawn.width } : sizes?.drawn
  const decodeWith = (failOn: 'warning' | 'error') => {
    // The header check is ours; libvips's own pixel limit stays on behind it. It counts all
    // frames of an animation, which drawingSize has checked against its own cap.
    let pipeline = sharp(bytes, {
      limitInputPixels: animation ? Math.max(maxPixels, MAX_ANIMATION_PIXELS) : maxPixels,
      failOn,
      animated: animation !== undefined,
    })
    if (!animation) pipeline = pipeline.autoOrient()
    // The exact size outputSize chose, so the browser's preview and this agree to the pixel;
    // a JPEG shrinks while it is decoded.
    if (size) pipeline = pipeline.resize(size.width, size.height, { fit: 'fill' })
    return pipeline
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
  }
  let decoded: { data: Buffer; info: OutputInfo }
  try {
    decoded = await decodeWith('warning')
  } catch (strict) {
    // A header that claims more pixels than the data holds (6000×6000 in the header, 800×600
    // of scan data) is only a warning to libjpeg, which fills the rest with grey: refused, so
    // no one gets a meme that is mostly a grey the picture never had. Other warnings (stray
    // bytes between segments, say, common from some cameras) are decoded as before.
    if (strict instanceof Error && PREMATURE_END.test(strict.message)) throw truncated(strict)
    try {
      decoded = await decodeWith('error')
    } catch (cause) {
      throw unreadable(cause)
    }
  }
  const { data, info } = decoded
  if (info.channels !== 3 && info.channels !== 4) {
    throw unreadable(new Error(`${info.channels} channels after conversion to sRGB`))
  }
  const frames = animation ? (info.pages ?? 1) : 1
  const pageHeight = animation ? (info.pageHeight ?? info.height) : info.height
  if (animation && pageHeight * frames !== info.height) {
    throw unreadable(new Error(`${frames} frames of ${pageHeight} rows in ${info.height} rows`))
  }
  const { pixels, width, height } = turn
    ? await turnFrames(data, { width: info.width, height: pageHeight }, frames, info.channels, turn)
    : { pixels: data, width: info.width, height: pageHeight }
  return {
    pixels,
    width,
    height,
    channels: info.channels,
    // Scaled to `sizes.drawn` exactly, or else as decoded: the pixels decide.
    upright: sizes?.upright ?? { width, height },
    sourceType,
    byteLength: pixels.byteLength,
    // The frames decoded decide; a header that miscounts them gets the usual delay for the rest.
    ...(animation && frames > 1
      ? {
          animation: {
            frames,
            delay: Array.from({ length: frames }, (_, i) => animation.delay[i] ?? 100),
            loop: animation.loop,
          },
        }
      : {}),
  }
}

/**
 * Decodes an upload into a `Picture`. The bytes are untrusted: the format comes from the
 * magic bytes and the size from the header, checked against `maxPixels` before anything is
 * decoded.
 */
export async function decodePicture(bytes: Buffer, options: DecodeOptions): Promise<Picture> {
  configureSharp()
  const { contentType } = probeImage(bytes, options)
  const sizes = await drawingSize(bytes, options.maxEdge, options.animated)
  return decode(bytes, contentType, sizes, options.maxPixels)
}

let measureContext: SKRSContext2D | undefined

/**
 * Widths measured before, by font and text. Laying out a caption measures the same lines at
 * each size its search tries, and re-renders bring the same words again (a template's top
 * text, a caption being typed): most of a layout's time, spent again. Bounded; emptied
 * whenever fonts are added, which can change a width.
 */
const widths = new Map<string, number>()
const MAX_WIDTHS = 8192

/** Text width as the browser's canvas measures it, for `layoutCaption`. */
function measureText(text: string, font: string): number {
  const key = `${font}\n${text}`
  const known = widths.get(key)
  if (known !== undefined) return known
  measureContext ??= createCanvas(1, 1).getContext('2d')
  if (measureContext.font !== font) measureContext.font = font
  const width = measureContext.measureText(text).width
  if (widths.size >= MAX_WIDTHS) widths.clear()
  widths.set(key, width)
  return width
}

/**
 * Lays captions out on the picture, loading the font files their text needs first, and
 * refuses text that does not fit its box at the smallest readable size: a server that
 * drew it anyway would hand back a meme the person never saw in the preview.
 */
export function layoutCaptions(captions: readonly Caption[], size: ImageSize): CaptionLayout[] {
  return captions.map((caption, i) => {
    const text = captionText(caption)
    const added = loadCaptionFonts(fontStack(caption.font ?? CAPTION_DEFAULTS.font, text), text)
    if (added.length > 0) widths.clear()
    const layout = layoutCaption(caption, size, measureText)
    if (layout.overflows) {
      throw new AppError(
        422,
        'TEXT_DOES_NOT_FIT',
        `Caption ${i + 1} has more text than fits its box at the smallest readable size; make the box larger or the text shorter`,
      )
    }
    return layout
  })
}

/**
 * The pixels a caption's ink can reach, from the measured glyphs of each line: much
 * smaller than its box, which is what makes drawing into a layer of this size cheap.
 * Inside `captionBounds`, which bounds it from the layout alone.
 */
export function inkBounds(layout: CaptionLayout, size: ImageSize): PixelRect {
  const outer = captionBounds(layout, size)
  if (outer.width === 0 || outer.height === 0 || layout.lines.length === 0) return outer
  measureContext ??= createCanvas(1, 1).getContext('2d')
  const ctx = measureContext
  ctx.font = layout.font
  ctx.textAlign = layout.align
  ctx.direction = layout.direction
  ctx.textBaseline = 'alphabetic'
  let left = Infinity
  let right = -Infinity
  let top = Infinity
  let bottom = -Infinity
  for (const line of layout.lines) {
    const m = ctx.measureText(line.text)
    left = Math.min(left, line.x - m.actualBoundingBoxLeft)
    right = Math.max(right, line.x + m.actualBoundingBoxRight)
    top = Math.min(top, line.y - m.actualBoundingBoxAscent)
    bottom = Math.max(bottom, line.y + m.actualBoundingBoxDescent)
  }
  // The outline's round joins reach half its width past the glyphs; antialiasing one more
  // pixel, and a little more for glyph outlines the metrics round off.
  const pad = layout.strokeWidth / 2 + 2 + layout.fontSize * 0.02
  const corners = [
    [left - pad, top - pad],
    [right + pad, top - pad],
    [left - pad, bottom + pad],
    [right + pad, bottom + pad],
  ] as const
  const angle = (layout.box.rotation * Math.PI) / 180
  const cos = Math.cos(angle)
  const sin = Math.sin(angle)
  const xs = corners.map(([x, y]) => layout.box.x + x * cos - y * sin)
  const ys = corners.map(([x, y]) => layout.box.y + x * sin + y * cos)
  let minX = Math.min(...xs)
  let maxX = Math.max(...xs)
  let minY = Math.min(...ys)
  let maxY = Math.max(...ys)
  const { shadow } = layout
  if (shadow) {
    // Canvas shadows are offset in picture space, whatever the rotation; a blur of b is a
    // Gaussian of sigma b/2, gone by three sigmas.
    const blur = shadow.blur * 1.5 + 1
    minX += Math.min(0, shadow.offsetX) - blur
    maxX += Math.max(0, shadow.offsetX) + blur
    minY += Math.min(0, shadow.offsetY) - blur
    maxY += Math.max(0, shadow.offsetY) + blur
  }
  const l = Math.max(outer.left, Math.floor(minX))
  const t = Math.max(outer.top, Math.floor(minY))
  const r = Math.min(outer.left + outer.width, Math.ceil(maxX))
  const b = Math.min(outer.top + outer.height, Math.ceil(maxY))
  if (r <= l || b <= t) return { left: 0, top: 0, width: 0, height: 0 }
  return { left: l, top: t, width: r - l, height: b - t }
}

/** One caption drawn alone on a transparent layer covering `rect`: premultiplied RGBA. */
export interface CaptionLayer {
  rect: PixelRect
  rgba: Uint8Array
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * Lays out and draws each caption on its own layer, as large as its ink; a caption with no
 * ink has none. Skia draws on this thread: between captions the event loop gets a turn, so
 * ten long captions on a big picture do not hold up other requests.
 */
async function captionLayerList(
  captions: readonly Caption[],
  size: ImageSize,
): Promise<(CaptionLayer | undefined)[]> {
  const layers: (CaptionLayer | undefined)[] = []
  for (const layout of layoutCaptions(captions, size)) {
    const rect = inkBounds(layout, size)
    if (rect.width === 0 || rect.height === 0) {
      layers.push(undefined)
      continue
    }
    if (layers.length > 0) await nextTurn()
    const canvas = createCanvas(rect.width, rect.height)
    const ctx = canvas.getContext('2d')
    ctx.translate(-rect.left, -rect.top)
    drawCaptions(ctx, [layout])
    layers.push({ rect, rgba: canvas.data() })
  }
  return layers
}

/**
 * The captions' layers and the stickers', in the order meme-core's `layerOrder` draws them:
 * the browser's preview stacks them the same way.
 */
async function drawLayers(
  captions: readonly Caption[],
  stickers: readonly StickerUpload[] = [],
  size: ImageSize,
): Promise<CaptionLayer[]> {
  const captionLayers = await captionLayerList(captions, size)
  if (stickers.length === 0) return captionLayers.filter((layer) => layer !== undefined)
  const stickerLayers: (CaptionLayer | undefined)[] = []
  for (const [index, sticker] of stickers.entries()) {
    stickerLayers.push(await drawStickerLayer(index, sticker, size))
  }
  return layerOrder(
    captions.length,
    stickers.map(({ sticker }) => sticker),
  ).flatMap(
    (layer) =>
      (layer.kind === 'caption' ? captionLayers[layer.index] : stickerLayers[layer.index]) ?? [],
  )
}

/**
 * Source-over of a premultiplied RGBA layer onto raw pixels, in place. Between letters a
 * layer is transparent and inside them opaque: read as one 32-bit word per pixel, both are
 * a comparison or two. Words are read little-endian (alpha in the top byte), as on every
 * CPU Node runs on here (x64, arm64).
 */
export function blendLayer(target: Picture, pixels: Buffer, layer: CaptionLayer): void {
  const { rect } = layer
  const rgba = layer.rgba.byteOffset % 4 === 0 ? layer.rgba : new Uint8Array(layer.rgba)
  const words = new Uint32Array(rgba.buffer, rgba.byteOffset, rect.width * rect.height)
  const { channels, width } = target
  for (let y = 0; y < rect.height; y++) {
    let d = ((rect.top + y) * width + rect.left) * channels
    let p = y * rect.width
    for (let end = p + rect.width; p < end; p++, d += channels) {
      const word = words[p]!
      if (word === 0) continue
      const a = word >>> 24
      if (channels === 4) {
        blendOverStraightAlpha(pixels, d, word)
      } else if (a === 255) {
        pixels[d] = word & 255
        pixels[d + 1] = (word >>> 8) & 255
        pixels[d + 2] = (word >>> 16) & 255
      } else {
        const k = 255 - a
        pixels[d] = (word & 255) + (((pixels[d]! * k + 127) / 255) | 0)
        pixels[d + 1] = ((word >>> 8) & 255) + (((pixels[d + 1]! * k + 127) / 255) | 0)
        pixels[d + 2] = ((word >>> 16) & 255) + (((pixels[d + 2]! * k + 127) / 255) | 0)
      }
    }
  }
}

/** One premultiplied pixel over one straight-alpha RGBA pixel at `d`. */
function blendOverStraightAlpha(pixels: Buffer, d: number, word: number): void {
  const a = word >>> 24
  const below = (pixels[d + 3]! * (255 - a)) / 255
  const alpha = a + below
  for (let c = 0; c < 3; c++) {
    const premultiplied = ((word >>> (8 * c)) & 255) + (pixels[d + c]! * below) / 255
    pixels[d + c] = Math.min(255, Math.round((premultiplied * 255) / alpha))
  }
  pixels[d + 3] = Math.round(alpha)
}

/** Rows of a picture as they were before a render drew on them. */
interface SavedRows {
  start: number
  rows: Buffer
}

/** A picture that renders are drawing on right now. */
interface InUse {
  /** Rows the render drawing on the picture itself changed, as they were. */
  saved?: SavedRows[]
  /** Clean copies of the picture, each free for another render at the same time. */
  spares: Buffer[]
  renders: number
}

/**
 * Pictures renders are drawing on now. The first draws on the picture itself and puts its
 * rows back after; one at the same time takes a spare copy (made the first time, then
 * reused while renders of that picture overlap, as they do when many people caption one
 * template) and puts its rows back on the copy. The copies go with the last render.
 */
const inUse = new WeakMap<Picture, InUse>()

const saveRows = (pixels: Buffer, picture: Picture, layers: readonly CaptionLayer[]) => {
  const rowBytes = picture.width * picture.channels
  return layers.map(({ rect }) => {
    const start = rect.top * rowBytes
    return { start, rows: Buffer.from(pixels.subarray(start, start + rect.height * rowBytes)) }
  })
}

const putBack = (pixels: Buffer, saved: readonly SavedRows[]) => {
  for (const { start, rows } of saved) rows.copy(pixels, start)
}

async function encode(
  pixels: Buffer,
  picture: Picture,
  format: OutputFormat,
  limit: number,
  outputSize: DrawOptions['outputSize'],
): Promise<{ data: Buffer; info: OutputInfo }> {
  const image = () => {
    const raw = sharp(pixels, {
      raw: { width: picture.width, height: picture.height, channels: picture.channels },
    })
    if (!outputSize) return raw
    return raw.resize(outputSize.width, outputSize.height, {
      fit: 'contain',
      background: format === 'jpeg' ? JPEG_BACKGROUND : { r: 0, g: 0, b: 0, alpha: 0 },
    })
  }
  if (format === 'png') {
    const png = await image().png().toBuffer({ resolveWithObject: true })
    if (base64Length(png.data.length) > limit) {
      throw new AppError(
        422,
        'OUTPUT_TOO_LARGE',
        'The meme is too large as a PNG; choose JPEG or WebP for this picture',
      )
    }
    return png
  }
  for (const quality of QUALITY_LADDER) {
    const encoded =
      format === 'jpeg'
        ? await image()
            .flatten({ background: JPEG_BACKGROUND })
            // Huffman optimisation saves ~5 % of the bytes for ~15 % of the time; the ladder
            // below handles the responses that must be smaller.
            .jpeg({ quality, optimiseCoding: false })
            .toBuffer({ resolveWithObject: true })
        : await image().webp({ quality }).toBuffer({ resolveWithObject: true })
    if (base64Length(encoded.data.length) <= limit) return encoded
  }
  throw new AppError(
    422,
    'OUTPUT_TOO_LARGE',
    'The meme is too large to send back even at low quality; use a smaller picture',
  )
}

/**
 * Blends caption layers into a picture and encodes the result. The blending is done in
 * the picture's own pixels, whose rows are put back afterwards (even when encoding
 * fails): a cached picture serves the next render unchanged, without a copy of all of it.
 * Only when another render is drawing on the same picture right now does this work on a
 * copy, a spare kept while their renders overlap (`inUse`).
 */
export async function composeMeme(
  picture: Picture,
  layers: readonly CaptionLayer[],
  options: DrawOptions = {},
): Promise<RenderedMeme> {
  if (picture.animation) return composeAnimation(picture, picture.animation, layers, options)
  const format = options.format ?? DEFAULT_OUTPUT_FORMATS[picture.sourceType]
  const limit = options.maxOutputBase64Bytes ?? MAX_OUTPUT_BASE64_BYTES
  let use = inUse.get(picture)
  if (!use) inUse.set(picture, (use = { spares: [], renders: 0 }))
  use.renders += 1
  const onPicture = use.saved === undefined
  let pixels = picture.pixels
  if (!onPicture) {
    const spare = use.spares.pop()
    if (spare) {
      pixels = spare
    } else {
      // A new copy has the other render's captions in it: its rows go back first.
      pixels = Buffer.from(picture.pixels)
      putBack(pixels, use.saved!)
    }
  }
  const saved = saveRows(pixels, picture, layers)
  if (onPicture) use.saved = saved
  try {
    for (const layer of layers) blendLayer(picture, pixels, layer)
    const { data, info } = await encode(pixels, picture, format, limit, options.outputSize)
    return {
      bytes: data,
      contentType: OUTPUT_CONTENT_TYPES[format],
      width: info.width,
      height: info.height,
    }
  } finally {
    putBack(pixels, saved)
    if (onPicture) use.saved = undefined
    else use.spares.push(pixels)
    use.renders -= 1
    if (use.renders === 0) inUse.delete(picture)
  }
}

/**
 * Blends caption layers (drawn once) into every frame of an animation and encodes it as
 * one again, keeping each frame's delay and the loop: GIF for a GIF, WebP for a WebP or
 * when WebP is asked for. JPEG or PNG asked for, or a size of its own (memes by URL), gives
 * the first frame, still. Works on a copy: put back row by row, the frames would cost as
 * much, and a cached animation must not carry someone's captions while it encodes.
 */
async function composeAnimation(
  picture: Picture,
  animation: Animation,
  layers: readonly CaptionLayer[],
  options: DrawOptions,
): Promise<RenderedMeme> {
  const { width, height, channels } = picture
  const frameBytes = width * height * channels
  const format: EncodedFormat =
    options.format ?? (picture.sourceType === 'image/gif' ? 'gif' : 'webp')
  if (format === 'jpeg' || format === 'png' || options.outputSize) {
    const first: Picture = {
      pixels: Buffer.from(picture.pixels.subarray(0, frameBytes)),
      width,
      height,
      channels,
      upright: picture.upright,
      sourceType: picture.sourceType,
      byteLength: frameBytes,
    }
    return composeMeme(first, layers, {
      ...options,
      format: format === 'gif' ? 'png' : format,
    })
  }
  const pixels = Buffer.from(picture.pixels.subarray(0, frameBytes * animation.frames))
  for (let f = 0; f < animation.frames; f++) {
    const frame = pixels.subarray(f * frameBytes, (f + 1) * frameBytes)
    for (const layer of layers) blendLayer(picture, frame, layer)
  }
  const limit = options.maxOutputBase64Bytes ?? MAX_OUTPUT_BASE64_BYTES
  const timing = { delay: [...animation.delay], loop: animation.loop }
  const image = () =>
    sharp(pixels, {
      // sharp reads a raw strip of frames by its page height; its types omit the option.
      raw: { width, height: height * animation.frames, channels, pageHeight: height } as Raw,
    })
  const done = ({ data }: { data: Buffer }): RenderedMeme => ({
    bytes: data,
    contentType: OUTPUT_CONTENT_TYPES[format],
    width,
    height,
  })
  if (format === 'gif') {
    const gif = await image().gif(timing).toBuffer({ resolveWithObject: true })
    if (base64Length(gif.data.length) <= limit) return done(gif)
  } else {
    for (const quality of QUALITY_LADDER) {
      const webp = await image()
        .webp({ ...timing, quality })
        .toBuffer({ resolveWithObject: true })
      if (base64Length(webp.data.length) <= limit) return done(webp)
    }
  }
  throw new AppError(
    422,
    'OUTPUT_TOO_LARGE',
    'The animated meme is too large to send back; use a shorter or smaller animation, or choose PNG or JPEG for its first frame',
  )
}

/** Draws captions on a decoded picture (one from the cache) and encodes the meme. */
export async function drawMeme(
  picture: Picture,
  captions: CaptionsFor,
  options: DrawOptions = {},
): Promise<RenderedMeme> {
  return composeMeme(
    picture,
    await drawLayers(placed(captions, picture.upright), options.stickers, picture),
    options,
  )
}

export interface UploadRenderOptions extends DecodeOptions, DrawOptions {
  /** Gets the decoded picture, to keep for the next render; also when the captions are refused. */
  onDecoded?: (picture: Picture) => void
}

/**
 * Decodes an upload and draws captions on it. The bytes are untrusted: the format comes
 * from the magic bytes and the size from the header, checked against `maxPixels` before
 * anything is decoded. libvips decodes on a worker thread while Skia draws the captions on
 * this one; a picture that needs no scaling starts decoding before its header is read.
 */
export async function renderMeme(
  bytes: Buffer,
  captions: CaptionsFor,
  options: UploadRenderOptions,
): Promise<RenderedMeme> {
  configureSharp()
  const stored = probeImage(bytes, options)
  // Every frame of an animation, whatever this render's format: the decoded picture is
  // kept for the next render, which may want them all.
  const sized = drawingSize(bytes, options.maxEdge, true)
  // Whether a GIF or WebP is animated is known only from its header.
  const fits =
    Math.max(stored.width, stored.height) <= options.maxEdge &&
    stored.contentType !== 'image/gif' &&
    stored.contentType !== 'image/webp'
  const decoding = (
    fits
      ? decode(bytes, stored.contentType, undefined, options.maxPixels)
      : sized.then((size) => decode(bytes, stored.contentType, size, options.maxPixels))
  ).then((picture) => {
    options.onDecoded?.(picture)
    return picture
  })
  // Awaited once the captions are drawn; a damaged picture failing before then is not an
  // unhandled rejection.
  decoding.catch(() => undefined)
  let layers: CaptionLayer[]
  let size: ImageSize
  try {
    const sizes = await sized
    size = sizes.drawn
    layers = await drawLayers(placed(captions, sizes.upright), options.stickers, size)
  } catch (error) {
    // The captions are refused, but the picture is still worth keeping for corrected ones.
    await decoding.catch(() => undefined)
    throw error
  }
  const picture = await decoding
  if (picture.width !== size.width || picture.height !== size.height) {
    // The header and the decoder disagree about orientation: the pixels decide.
    layers = await drawLayers(placed(captions, picture.upright), options.stickers, picture)
  }
  return composeMeme(picture, layers, options)
}

/**
 * Memory a render with picture edits holds at its peak: `animatedRenderCost`'s, with every
 * frame decoded at full size rather than scaled (a crop is taken from the original's pixels),
 * and one frame's working copies while it is edited: turned and cropped, with bands of up to
 * twice its height.
 */
export async function editedRenderCost(bytes: Buffer, options: DecodeOptions): Promise<number> {
  const { width, height } = probeImage(bytes, options)
  const frame = width * height * 4
  const frames = await framesCounted(bytes, options)
  return frame * (frames + 4) + options.maxEdge * options.maxEdge * 4 * frames
}

/**
 * Decodes an upload, applies its picture edits (meme-core's `planPictureEdits`, from the
 * upright original at full size), and draws captions and stickers on the result, placed in
 * fractions of the edited picture. The edited shape is checked as an upload's is, from the
 * header, before anything is decoded. Every frame of an animation is edited; the result is
 * not kept for other renders (see `makeMeme`).
 */
export async function renderEditedMeme(
  bytes: Buffer,
  captions: CaptionsFor,
  edits: PictureEdits,
  options: DecodeOptions & DrawOptions,
): Promise<RenderedMeme> {
  configureSharp()
  const stored = probeImage(bytes, options)
  const sizes = await drawingSize(bytes, options.maxEdge, true)
  checkPictureShape(
    planPictureEdits(sizes.upright, edits).size,
    options.maxEdge,
    'The edited picture',
  )
  // Decoded upright at full size: `drawn` is the upright size itself, so nothing is scaled.
  const full = await decode(
    bytes,
    stored.contentType,
    { ...sizes, drawn: sizes.upright },
    options.maxPixels,
  )
  // The pixels decide, should the header and the decoder disagree about orientation.
  const plan = planPictureEdits({ width: full.width, height: full.height }, edits)
  checkPictureShape(plan.size, options.maxEdge, 'The edited picture')
  const picture = await editPicture(full, edits, plan, outputSize(plan.size, options.maxEdge))
  const layers = await drawLayers(placed(captions, plan.size), options.stickers, picture)
  return composeMeme(picture, layers, options)
}
