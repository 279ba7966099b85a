import { imageSize } from 'image-size'
import { AppError } from '../shared/app-error.ts'
import {
  formatAspectRatio,
  pictureShapeLimits,
  pictureShapeProblem,
  sniffImageType,
  type ImageSize,
  type ImageType,
} from '@meme-studio/meme-core'

export interface ImageProbe {
  contentType: ImageType
  /** As stored, before EXIF orientation. */
  width: number
  height: number
}

/**
 * What a picture is for: one to caption must have room for a caption; a sticker may be as
 * small as an icon, but no more elongated than a picture (its height follows from its width).
 */
export type PictureUse = 'picture' | 'sticker'

export interface ProbeLimits {
  maxPixels: number
  /** The longer edge pictures are scaled down to; it bounds the aspect ratio (meme-core). */
  maxEdge: number
}

/**
 * Reads format and size from the header alone, and refuses, before anything is decoded, a
 * picture whose decoded pixels would exceed `maxPixels`, or whose shape cannot carry a
 * caption: meme-core's `pictureShapeProblem`, the rule the browser checks too.
 */
export function probeImage(
  bytes: Uint8Array,
  limits: ProbeLimits,
  use: PictureUse = 'picture',
): ImageProbe {
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
  if (width * height > limits.maxPixels) {
    throw new AppError(
      422,
      'IMAGE_TOO_LARGE',
      `The picture is ${width}×${height} pixels; the limit is ${limits.maxPixels.toLocaleString('en')} pixels`,
    )
  }
  checkPictureShape({ width, height }, limits.maxEdge, 'The picture', use)
  return { contentType, width, height }
}

/**
 * Refuses a picture whose shape cannot carry a caption (meme-core's `pictureShapeProblem`):
 * an upload from its header, or an upload as its edits leave it (`subject` says which).
 */
export function checkPictureShape(
  size: ImageSize,
  maxEdge: number,
  subject = 'The picture',
  use: PictureUse = 'picture',
): void {
  const { width, height } = size
  const limits = pictureShapeLimits(maxEdge)
  const problem = pictureShapeProblem(size, use === 'sticker' ? { ...limits, minEdge: 1 } : limits)
  if (problem?.kind === 'too-elongated') {
    throw new AppError(
      422,
      'IMAGE_ASPECT_RATIO',
      `${subject} is ${width}×${height} pixels, ${formatAspectRatio(problem.aspectRatio)}; ` +
        `its longer side may be at most ${problem.limits.maxAspectRatio} times its shorter side ` +
        `(${formatAspectRatio(problem.limits.maxAspectRatio)})`,
    )
  }
  if (problem?.kind === 'too-small') {
    throw new AppError(
      422,
      'IMAGE_TOO_SMALL',
      `${subject} is ${width}×${height} pixels; both sides must be at least ` +
        `${problem.limits.minEdge} pixels, to leave room for a caption`,
    )
  }
}
