import { imageSize } from 'image-size'
import { AppError } from './app-error.ts'
import type { ImageContentType } from './image-types.ts'

export interface ImageProbe {
  contentType: ImageContentType
  /** As stored, before EXIF orientation. */
  width: number
  height: number
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return signature.every((byte, i) => bytes[offset + i] === byte)
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0))

/** Picks the format from the file's first bytes; the stored Content-Type is not trusted. */
export function sniffImageType(bytes: Uint8Array): ImageContentType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif'
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp'
  return undefined
}

/**
 * Reads format and size from the header alone, and refuses a picture whose
 * decoded pixels would exceed `maxPixels` before anything is decoded.
 */
export function probeImage(bytes: Uint8Array, maxPixels: number): ImageProbe {
  const contentType = sniffImageType(bytes)
  if (!contentType) {
    throw new AppError(
      415,
      'UNSUPPORTED_MEDIA',
      'The uploaded file is not a JPEG, PNG, WebP or GIF picture',
    )
  }
  let size: ReturnType<typeof imageSize>
  try {
    size = imageSize(bytes)
  } catch (cause) {
    throw new AppError(422, 'IMAGE_UNREADABLE', 'The picture is damaged and cannot be read', {
      cause,
    })
  }
  const { width, height } = size
  if (!width || !height) {
    throw new AppError(422, 'IMAGE_UNREADABLE', 'The picture has no size in its header')
  }
  if (width * height > maxPixels) {
    throw new AppError(
      422,
      'IMAGE_TOO_LARGE',
      `The picture is ${width}×${height} pixels; the limit is ${maxPixels.toLocaleString('en')} pixels`,
    )
  }
  return { contentType, width, height }
}
