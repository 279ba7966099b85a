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
