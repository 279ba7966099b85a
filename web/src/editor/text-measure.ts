import type { MeasureText } from '@meme-studio/meme-core'

let context: CanvasRenderingContext2D | null | undefined

/**
 * Measures text as the preview canvas draws it, on a canvas of its own, so the editor can
 * tell whether a caption fits its box before drawing anything. Where there is no canvas
 * (unit tests), text measures nothing and always fits.
 */
export const measureCanvasText: MeasureText = (text, font) => {
  context ??= document.createElement('canvas').getContext('2d')
  if (!context) return 0
  context.font = font
  return context.measureText(text).width
}
