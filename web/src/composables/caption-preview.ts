import {
  drawCaptions,
  drawEditedPicture,
  drawSticker,
  layerOrder,
  layoutCaption,
  placeSticker,
  type Caption,
  type CaptionLayout,
  type ImageSize,
  type PictureEdits,
} from '@meme-studio/meme-core'
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue'
import type { CaptionFonts } from '@/fonts/caption-fonts.ts'

/**
 * The page's caption fonts, imported when a draw first has text to draw: an editor without
 * text has no use for them, and its first load stays that much smaller. Each face's files
 * come later still, when the text needs that face (fonts/caption-fonts.ts).
 */
const pageCaptionFonts: CaptionFonts = {
  async load(captions) {
    if (captions.every((caption) => caption.text === '')) return
    const { captionFonts } = await import('@/fonts/caption-fonts.ts')
    await captionFonts().load(captions)
  },
}

/** What the preview draws the captions on: a decoded picture at its natural (upright) size. */
export interface PreviewPicture extends ImageSize {
  image: CanvasImageSource
  /** Rotation, mirroring, crop and bands, drawn as the server applies them. */
  edits?: PictureEdits
}

/** What a paint may be given besides the picture and captions. */
export interface PaintOptions {
  /**
   * The captions already laid out for these captions and size: an animation's frames reuse
   * them, since only the picture changes from frame to frame.
   */
  layouts?: readonly CaptionLayout[]
  /** Stickers to draw among the captions, in meme-core's `layerOrder`. */
  stickers?: readonly PreviewSticker[]
}

/**
 * A sticker as the preview draws it: its decoded picture at its natural size, and its place
 * as the request gives it (`above` counting only the captions drawn).
 */
export interface PreviewSticker {
  image: CanvasImageSource
  natural: ImageSize
  x: number
  y: number
  width: number
  rotation: number
  above: number
}

/**
 * Draws the meme exactly as the server will: the picture with its edits, scaled to the size
 * the server renders at (`outputSize` of the edited size), then the captions laid out and
 * drawn by the shared caption package on those same pixels. CSS scales the canvas down to
 * the screen. Without a picture the canvas holds only the captions: the stand-in under them
 * is the preview's CSS (see `useCaptionPreview` for why).
 */
export function paintMemePreview(
  ctx: CanvasRenderingContext2D,
  picture: PreviewPicture | null,
  captions: readonly Caption[],
  size: ImageSize,
  options: PaintOptions = {},
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
    drawEditedPicture(ctx, picture.image, picture, picture.edits, size)
  }

  const measureText = (text: string, font: string) => {
    ctx.font = font
    return ctx.measureText(text).width
  }
  const layouts =
    options.layouts?.slice() ?? captions.map((caption) => layoutCaption(caption, size, measureText))
  const stickers = options.stickers ?? []
  // Captions and stickers interleaved as the server draws them.
  for (const layer of layerOrder(layouts.length, stickers)) {
    if (layer.kind === 'caption') {
      drawCaptions(ctx, [layouts[layer.index]!])
      continue
    }
    const sticker = stickers[layer.index]!
    ctx.imageSmoothingEnabled = true
    ctx.imageSmoothingQuality = 'high'
    drawSticker(ctx, sticker.image, placeSticker(sticker, sticker.natural, size))
  }
  return layouts
}

/** What `useCaptionPreview` gives back: a way to show an animation's frames. */
export interface CaptionPreview {
  /**
   * Draws another frame of the picture (an animation's, at the picture's size) under the
   * captions as last laid out; `null` goes back to the picture's own image. A frame must stay
   * open until the next call replaces it.
   */
  showFrame(image: CanvasImageSource | null): void
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
  stickers?: Readonly<Ref<readonly PreviewSticker[]>>,
): CaptionPreview {
  let frame = 0
  let latestDraw = 0
  /** A change is waiting to be drawn: a frame drawn meanwhile would show the old layouts. */
  let pending = false
  let frameImage: CanvasImageSource | null = null
  let laidOut: readonly CaptionLayout[] | undefined

  const shownPicture = (): PreviewPicture | null =>
    picture.value && frameImage ? { ...picture.value, image: frameImage } : picture.value

  /** Nothing has been drawn on the canvas since it was made or last cleared. */
  let blank = true

  async function redraw(): Promise<void> {
    frame = 0
    const draw = ++latestDraw
    await fonts.load(captions.value)
    const target = canvas.value
    if (draw !== latestDraw || !target) return
    const empty = !picture.value && captions.value.length === 0 && !stickers?.value.length
    // Nothing to draw on a canvas that shows nothing: the editor as it opens, which drew its
    // empty preview twice (again when the header's font arrived). A canvas' first draw makes
    // its bitmap, 1200 × 900 pixels without a picture: 30 to 120 ms of the editor's start-up
    // at Lighthouse's 4x CPU throttling, on a preview a phone does not even show.
    if (empty && blank) {
      laidOut = []
    } else {
      const ctx = target.getContext('2d')
      if (!ctx) return
      laidOut = paintMemePreview(ctx, shownPicture(), captions.value, size.value, {
        stickers: stickers?.value,
      })
      blank = empty
    }
    if (!frame) {
      pending = false
      target.removeAttribute('aria-busy')
    }
  }

  function scheduleRedraw(): void {
    // Busy until the latest change is drawn: tests wait for this before reading pixels.
    canvas.value?.setAttribute('aria-busy', 'true')
    pending = true
    if (frame) return
    frame = requestAnimationFrame(() => void redraw())
  }

  function showFrame(image: CanvasImageSource | null): void {
    frameImage = image
    const ctx = canvas.value?.getContext('2d')
    // A draw to come shows this frame itself, with the captions as they are by then.
    if (pending || !ctx || !laidOut || !picture.value) return
    paintMemePreview(ctx, shownPicture(), captions.value, size.value, {
      layouts: laidOut,
      stickers: stickers?.value,
    })
  }

  watch([canvas, picture, captions, size, () => stickers?.value], scheduleRedraw, {
    deep: true,
    immediate: true,
  })

  // A letter the first face lacks falls to a later one, which the browser fetches while
  // drawing: draw again once it has arrived.
  onMounted(() => document.fonts?.addEventListener?.('loadingdone', scheduleRedraw))
  onBeforeUnmount(() => {
    document.fonts?.removeEventListener?.('loadingdone', scheduleRedraw)
    if (frame) cancelAnimationFrame(frame)
    latestDraw += 1
  })

  return { showFrame }
}
