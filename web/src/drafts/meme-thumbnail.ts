/** A recent meme's thumbnail is at most this many pixels a side. */
export const THUMBNAIL_EDGE = 320

function encode(canvas: HTMLCanvasElement, type: string): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, 0.85))
}

/**
 * A small copy of a meme for the recent list, drawn on a canvas: WebP where the browser can
 * encode it (it keeps transparency), else JPEG.
 */
export async function memeThumbnail(image: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(image)
  const scale = Math.min(1, THUMBNAIL_EDGE / Math.max(bitmap.width, bitmap.height))
  const canvas = document.createElement('canvas')
  canvas.width = Math.max(1, Math.round(bitmap.width * scale))
  canvas.height = Math.max(1, Math.round(bitmap.height * scale))
  const context = canvas.getContext('2d')
  if (!context) throw new Error('This browser cannot draw a thumbnail.')
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height)
  bitmap.close()
  // A browser that cannot encode WebP answers with a PNG instead: too big for a thumbnail.
  const webp = await encode(canvas, 'image/webp')
  if (webp?.type === 'image/webp') return webp
  const jpeg = await encode(canvas, 'image/jpeg')
  if (!jpeg) throw new Error('This browser cannot encode a thumbnail.')
  return jpeg
}
