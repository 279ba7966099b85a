import {
  drawCaptions,
  layoutCaption,
  type Caption,
  type CaptionLayout,
  type ImageSize,
} from '@meme-studio/meme-core'
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue'
import type { CaptionFonts } from '@/fonts/caption-fonts.ts'

/**
 * The page's caption fonts, imported when a draw first has text to draw. Imported
 * statically, the editor would wait for their chunk (200 kB of unicode ranges) before
 * showing anything: on a phone's connection, a second of blank page.
 */
const pageCaptionFonts: CaptionFonts = {
  async load(captions) {
    if (captions.every((caption) => caption.text === '')) return
    const { captionFonts } = await import('@/fonts/caption-fonts.ts')
    await captionFonts().load(captions)
  },
}

/** What the preview draws the captions on: a decoded picture at its natural size. */
export interface PreviewPicture extends ImageSize {
  image: CanvasImageSource
}

function paintPlaceholder(ctx: CanvasRenderingContext2D, size: ImageSize): void {
  const gradient = ctx.createLinearGradient(0, 0, size.width, size.height)
  gradient.addColorStop(0, '#3b3f4e')
  gradient.addColorStop(1, '#1f222c')
  ctx.fillStyle = gradient
  ctx.fillRect(0, 0, size.width, size.height)
}

/**
 * Draws the meme exactly as the server will: the picture scaled to the size the server
 * renders at (`outputSize`), then the captions laid out and drawn by the shared caption
 * package on those same pixels. CSS scales the canvas down to the screen.
 */
export function paintMemePreview(
  ctx: CanvasRenderingContext2D,
  picture: PreviewPicture | null,
  captions: readonly Caption[],
  size: ImageSize,
): CaptionLayout[] {
  const canvas = ctx.canvas
  if (canvas.width !== size.width || canvas.height !== size.height) {
    canvas.width = size.width
    canvas.height = size.height
  }
  ctx.clearRect(0, 0, size.width, size.height)
  if (picture) {
    ctx.imageSmoothingEnabled = true
    ctx.imageSmoothingQuality = 'high'
    ctx.drawImage(picture.image, 0, 0, size.width, size.height)
  } else {
    paintPlaceholder(ctx, size)
  }

  const measureText = (text: string, font: string) => {
    ctx.font = font
    return ctx.measureText(text).width
  }
  const layouts = captions.map((caption) => layoutCaption(caption, size, measureText))
  drawCaptions(ctx, layouts)
  return layouts
}

/**
 * Keeps a canvas showing the meme: redraws once per animation frame at most, whatever
 * the number of changes in between, and drops a draw overtaken by a newer one. Each draw
 * first loads the font files its text needs, so text is never measured in a stand-in font.
 */
export function useCaptionPreview(
  canvas: Readonly<Ref<HTMLCanvasElement | null>>,
  picture: Readonly<Ref<PreviewPicture | null>>,
  captions: Readonly<Ref<readonly Caption[]>>,
  size: Readonly<Ref<ImageSize>>,
  fonts: CaptionFonts = pageCaptionFonts,
): void {
  let frame = 0
  let latestDraw = 0

  async function redraw(): Promise<void> {
    frame = 0
    const draw = ++latestDraw
    await fonts.load(captions.value)
    const ctx = canvas.value?.getContext('2d')
    if (draw !== latestDraw || !ctx) return
    paintMemePreview(ctx, picture.value, captions.value, size.value)
    if (!frame) ctx.canvas.removeAttribute('aria-busy')
  }

  function scheduleRedraw(): void {
    // Busy until the latest change is drawn: tests wait for this before reading pixels.
    canvas.value?.setAttribute('aria-busy', 'true')
    if (frame) return
    frame = requestAnimationFrame(() => void redraw())
  }

  watch([canvas, picture, captions, size], scheduleRedraw, { deep: true, immediate: true })

  // A letter the first face lacks falls to a later one, which the browser fetches while
  // drawing: draw again once it has arrived.
  onMounted(() => document.fonts?.addEventListener?.('loadingdone', scheduleRedraw))
  onBeforeUnmount(() => {
    document.fonts?.removeEventListener?.('loadingdone', scheduleRedraw)
    if (frame) cancelAnimationFrame(frame)
    latestDraw += 1
  })
}
