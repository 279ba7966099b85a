export interface ImageSize {
  width: number
  height: number
}

/**
 * The size a picture is drawn at: scaled down so its longer edge is at most `maxEdge`,
 * never up. The preview and the server both call this, so they lay captions out on the
 * same pixels.
 */
export function outputSize(size: ImageSize, maxEdge: number): ImageSize {
  const scale = Math.min(1, maxEdge / Math.max(size.width, size.height))
  if (scale === 1) return { width: size.width, height: size.height }
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  }
}

/**
 * The shorter side's minimum, in pixels. Measured with the caption layout: below 48 px the
 * classic top-text box (a fifth of the picture's height) cannot hold one line at the smallest
 * readable size (8 px), and below 20 px no caption fits at all; a 1×1 picture used to be
 * refused only for its text.
 */
export const MIN_PICTURE_EDGE = 48

/**
 * How many times its shorter side a picture's longer side may be. 10 takes panoramas and tall
 * screenshots (a phone screen is about 1:2.2, a stitched chat a few screens long); a strip
 * longer than that leaves captions across its short side smaller than its own detail, and
 * after scaling down to `maxEdge` its shorter side would shrink under `MIN_PICTURE_EDGE`.
 */
export const MAX_PICTURE_ASPECT = 10

/** The shape rules for a given `maxEdge`: what `/api/limits` answers and both sides check. */
export interface PictureShapeLimits {
  minEdge: number
  maxAspectRatio: number
}

/**
 * The rules in force: the aspect is also held to what keeps the shorter side at least
 * `MIN_PICTURE_EDGE` once the longer one is scaled down to `maxEdge` (a `MAX_EDGE` under
 * 480 lowers it).
 */
export function pictureShapeLimits(maxEdge: number): PictureShapeLimits {
  return {
    minEdge: MIN_PICTURE_EDGE,
    maxAspectRatio: Math.min(
      MAX_PICTURE_ASPECT,
      Math.floor((maxEdge / MIN_PICTURE_EDGE) * 10) / 10,
    ),
  }
}

export type PictureShapeProblem =
  | { kind: 'too-elongated'; aspectRatio: number; limits: PictureShapeLimits }
  | { kind: 'too-small'; limits: PictureShapeLimits }

/**
 * Whether a picture of this size can carry captions: first its proportions (a 1×65500 strip
 * is refused for those, whatever its width), then its shorter side. Rotation changes neither.
 */
export function pictureShapeProblem(
  size: ImageSize,
  limits: PictureShapeLimits,
): PictureShapeProblem | undefined {
  const shorter = Math.min(size.width, size.height)
  const longer = Math.max(size.width, size.height)
  const aspectRatio = longer / Math.max(shorter, 1)
  if (aspectRatio > limits.maxAspectRatio) return { kind: 'too-elongated', aspectRatio, limits }
  if (shorter < limits.minEdge) return { kind: 'too-small', limits }
  return undefined
}

/** "10:1", "5.3:1": a ratio as people write it. */
export function formatAspectRatio(ratio: number): string {
  return `${Math.round(ratio * 10) / 10}:1`
}
