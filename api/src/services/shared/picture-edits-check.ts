import type { PictureEdits } from '@meme-studio/meme-core'
import { AppError } from './app-error.ts'

/** Sums of fractions such as 0.1 + 0.9 may land a rounding error past 1. */
const EPSILON = 1e-9

/**
 * What the schema cannot say of `edits`: a crop must end inside the picture. Checked before
 * anything is read: by every render (`makeMeme`), and for a job when it is posted, since its
 * render runs later. Here rather than beside the renderer in `meme/`, whose code the control
 * function's bundle must not hold.
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
