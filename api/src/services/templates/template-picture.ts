import { IMAGE_FORMATS } from '@meme-studio/meme-core'
import sharp from 'sharp'
import type { Picture } from '../meme/meme-render.ts'
import { AppError } from '../shared/app-error.ts'
import { drawThumbnail } from './starter-templates.ts'

/** The formats a template's picture is kept in: the upload's own, except GIF. */
const KEPT_TYPES = {
  'image/jpeg': 'image/jpeg',
  'image/png': 'image/png',
  'image/webp': 'image/webp',
  // A template is one still picture; renders of a GIF give PNG anyway.
  'image/gif': 'image/png',
} as const

export type TemplatePictureType = (typeof KEPT_TYPES)[keyof typeof KEPT_TYPES]

/**
 * Lossy quality of a kept JPEG or WebP. Every render of the template decodes this picture and
 * encodes again, so it is kept well above the renderer's own first choice (85): one more
 * generation costs little.
 */
const KEPT_QUALITY = 92

export interface TemplatePicture {
  bytes: Buffer
  contentType: TemplatePictureType
  /** The file extension of `contentType`, without the dot. */
  extension: string
  width: number
  height: number
  /** A WebP of `THUMBNAIL_EDGE` on its long side. */
  thumbnail: Buffer
}

/**
 * What a template keeps of an upload: the picture as a render sees it (decoded by
 * `decodePicture`, so upright and scaled to `maxEdge`, its shape checked), encoded again
 * without any metadata (EXIF, GPS, XMP, ICC), and its thumbnail. Renders read the kept picture
 * with the uploads' byte limit: a picture that would not fit it is refused here, not at every
 * render.
 */
export async function templatePicture(
  picture: Picture,
  maxBytes: number,
): Promise<TemplatePicture> {
  const contentType = KEPT_TYPES[picture.sourceType]
  const raw = sharp(picture.pixels, {
    raw: { width: picture.width, height: picture.height, channels: picture.channels },
  })
  const bytes = await (
    contentType === 'image/jpeg'
      ? raw.flatten({ background: '#ffffff' }).jpeg({ quality: KEPT_QUALITY })
      : contentType === 'image/webp'
        ? raw.webp({ quality: KEPT_QUALITY })
        : raw.png()
  ).toBuffer()
  if (bytes.length > maxBytes) {
    throw new AppError(
      422,
      'IMAGE_TOO_LARGE',
      `The picture takes ${bytes.length.toLocaleString('en')} bytes as a template; the limit is ` +
        `${maxBytes.toLocaleString('en')} bytes`,
    )
  }
  return {
    bytes,
    contentType,
    extension: IMAGE_FORMATS[contentType].extension,
    width: picture.width,
    height: picture.height,
    thumbnail: await drawThumbnail(bytes),
  }
}
