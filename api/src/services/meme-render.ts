import { createCanvas, loadImage, type Image } from '@napi-rs/canvas'
import { drawCaptions, layoutCaption, type Caption, type ImageType } from '@meme-studio/meme-core'
import { AppError } from './app-error.ts'
import { probeImage } from './image-probe.ts'
import { registerCaptionFonts } from './caption-fonts.ts'

export type OutputFormat = 'jpeg' | 'png' | 'webp'

const OUTPUT_CONTENT_TYPES = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
} as const satisfies Record<OutputFormat, ImageType>

/** A Lambda response carries at most 6 MB; keep room for the JSON and headers around it. */
export const MAX_OUTPUT_BASE64_BYTES = 6 * 1024 * 1024 - 64 * 1024

/** Lossy qualities tried in turn until the output fits. */
const QUALITY_LADDER = [85, 70, 55, 40]

export interface RenderOptions {
  format?: OutputFormat
  maxPixels: number
  maxOutputBase64Bytes?: number
}

/** Without a chosen format the output keeps the input's; a GIF's first frame becomes PNG. */
const DEFAULT_OUTPUT_FORMATS: Record<ImageType, OutputFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'png',
}

export interface RenderedMeme {
  bytes: Buffer
  contentType: (typeof OUTPUT_CONTENT_TYPES)[OutputFormat]
}

export const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4

async function decode(bytes: Buffer): Promise<Image> {
  try {
    // A Buffer, never a string: loadImage(string) would read files and follow URLs.
    return await loadImage(bytes)
  } catch (cause) {
    throw new AppError(422, 'IMAGE_UNREADABLE', 'The picture is damaged and cannot be read', {
      cause,
    })
  }
}

/**
 * Renders captions onto a picture. The bytes are untrusted: the format comes from the
 * magic bytes and the size from the header, checked before decoding.
 */
export async function renderMeme(
  bytes: Buffer,
  captions: readonly Caption[],
  options: RenderOptions,
): Promise<RenderedMeme> {
  registerCaptionFonts()
  const probe = probeImage(bytes, options.maxPixels)
  // Skia's codec applies EXIF orientation while decoding, as browsers do: the image
  // arrives upright, with width and height swapped for orientations 5..8.
  const image = await decode(bytes)
  const { width, height } = image

  const canvas = createCanvas(width, height)
  const ctx = canvas.getContext('2d')
  ctx.drawImage(image, 0, 0)
  const measure = (text: string, font: string) => {
    ctx.font = font
    return ctx.measureText(text).width
  }
  drawCaptions(
    ctx,
    captions.map((caption) => layoutCaption(caption, { width, height }, measure)),
  )

  const format = options.format ?? DEFAULT_OUTPUT_FORMATS[probe.contentType]
  const limit = options.maxOutputBase64Bytes ?? MAX_OUTPUT_BASE64_BYTES
  const contentType = OUTPUT_CONTENT_TYPES[format]
  if (format === 'png') {
    const png = await canvas.encode('png')
    if (base64Length(png.length) > limit) {
      throw new AppError(
        422,
        'OUTPUT_TOO_LARGE',
        'The meme is too large as a PNG; choose JPEG or WebP for this picture',
      )
    }
    return { bytes: png, contentType }
  }
  for (const quality of QUALITY_LADDER) {
    const encoded = await canvas.encode(format, quality)
    if (base64Length(encoded.length) <= limit) {
      return { bytes: encoded, contentType }
    }
  }
  throw new AppError(
    422,
    'OUTPUT_TOO_LARGE',
    'The meme is too large to send back even at low quality; use a smaller picture',
  )
}
