import type { PictureEdits } from '@meme-studio/meme-core'
import { AppError } from '../shared/app-error.ts'

/** Sums of fractions such as 0.1 + 0.9 may land a rounding error past 1. */
const EPSILON = 1e-9

/**
 * What the schema cannot say of `edits`: a crop must end inside the picture. Checked before
 * anything is read, by the routes that take a meme request and by the render itself (jobs
 * are rendered later, by another function). Free of sharp, so the control function can use it.
 */
export function checkPictureEdits(edits: PictureEdits | undefined): void {
  const crop = edits?.crop
  if (!crop) return
  for (const [edge, start, length] of [
    ['x + width', crop.x, crop.width],
    ['y + height', crop.y, crop.height],
  ] as const) {
    if (start + length > 1 + EPSILON) {
      throw new AppError(
        400,
        'VALIDATION',
        `body/edits/crop ${edge} is ${Number((start + length).toFixed(6))}; the crop must end inside the picture (at most 1)`,
      )
    }
  }
}
