import { imageSize } from 'image-size'
import { AppError } from '../shared/app-error.ts'
import { sniffImageType, type ImageType } from '@meme-studio/meme-core'

export interface ImageProbe {
  contentType: ImageType
  /** As stored, before EXIF orientation. */
  width: number
  height: number
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
