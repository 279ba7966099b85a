import {
  captionFont,
  captionText,
  drawCaptions,
  layoutCaption,
  type Caption,
  type ImageSize,
} from '@meme-studio/meme-core'
import { onBeforeUnmount, watch, type Ref } from 'vue'

/** What the preview draws the captions on: a decoded picture at its natural size. */
export interface PreviewPicture extends ImageSize {
  image: CanvasImageSource
}

/** Until a picture is chosen the captions show on a stand-in of a common photo shape. */
export const PLACEHOLDER_SIZE: ImageSize = { width: 1200, height: 900 }

function paintPlaceholder(ctx: CanvasRenderingContext2D, size: ImageSize): void {
  const gradient = ctx.createLinearGradient(0, 0, size.width, size.height)
  gradient.addColorStop(0, '#3b3f4e')
  gradient.addColorStop(1, '#1f222c')
  ctx.fillStyle = gradient
  ctx.fillRect(0, 0, size.width, size.height)
}

/**
 * Draws the meme exactly as the server will: the picture at its natural size, then the
 * captions laid out and drawn by the shared caption package.
 */
export function paintMemePreview(
  ctx: CanvasRenderingContext2D,
  picture: PreviewPicture | null,
  captions: readonly Caption[],
): void {
  const size = picture ?? PLACEHOLDER_SIZE
  const canvas = ctx.canvas
  if (canvas.width !== size.width || canvas.height !== size.height) {
    canvas.width = size.width
    canvas.height = size.height
  }
  ctx.clearRect(0, 0, size.width, size.height)
  if (picture) ctx.drawImage(picture.image, 0, 0)
  else paintPlaceholder(ctx, size)

  const measureText = (text: string, font: string) => {
    ctx.font = font
    return ctx.measureText(text).width
  }
  const layouts = captions.map((caption) => layoutCaption(caption, size, measureText))
  drawCaptions(ctx, layouts)
}

/**
 * Waits until the meme font can draw every character of the captions. Measuring before it
 * has loaded would lay the text out with a fallback font's widths.
 */
export async function loadCaptionFont(captions: readonly Caption[]): Promise<void> {
  const text = captions.map(captionText).join(' ').trim()
  if (!text || !('fonts' in document)) return
  try {
    // The size does not matter: it picks the face and the unicode-range subsets to fetch.
    await document.fonts.load(captionFont(16), text)
  } catch {
    // Drawing with the fallback font still shows where the text goes.
  }
}

/**
 * Keeps a canvas showing the meme: redraws once per animation frame at most, whatever
 * the number of changes in between, and drops a draw overtaken by a newer one.
 */
export function useCaptionPreview(
  canvas: Readonly<Ref<HTMLCanvasElement | null>>,
  picture: Readonly<Ref<PreviewPicture | null>>,
  captions: Readonly<Ref<readonly Caption[]>>,
): void {
  let frame = 0
  let latestDraw = 0

  async function redraw(): Promise<void> {
    frame = 0
    const draw = ++latestDraw
    await loadCaptionFont(captions.value)
    const ctx = canvas.value?.getContext('2d')
    if (draw !== latestDraw || !ctx) return
    paintMemePreview(ctx, picture.value, captions.value)
  }

  function scheduleRedraw(): void {
    if (frame) return
    frame = requestAnimationFrame(() => void redraw())
  }

  watch([canvas, picture, captions], scheduleRedraw, { deep: true, immediate: true })

  onBeforeUnmount(() => {
    if (frame) cancelAnimationFrame(frame)
    latestDraw += 1
  })
}
