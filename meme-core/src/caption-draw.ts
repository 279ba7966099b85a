import type { CaptionLayout } from './caption-layout.ts'

/**
 * The part of CanvasRenderingContext2D that drawing captions needs. Both the browser's
 * context and @napi-rs/canvas's satisfy it, so preview and render share one drawing path.
 */
export interface CaptionContext {
  font: string
  fillStyle: unknown
  strokeStyle: unknown
  lineWidth: number
  lineJoin: string
  miterLimit: number
  textAlign: string
  textBaseline: string
  save(): void
  restore(): void
  fillText(text: string, x: number, y: number): void
  strokeText(text: string, x: number, y: number): void
}

export function drawCaptions(ctx: CaptionContext, layouts: readonly CaptionLayout[]): void {
  for (const layout of layouts) {
    ctx.save()
    ctx.font = layout.font
    ctx.textAlign = layout.align
    ctx.textBaseline = 'alphabetic'
    ctx.lineJoin = 'round'
    ctx.miterLimit = 2
    ctx.lineWidth = layout.strokeWidth
    ctx.strokeStyle = layout.stroke
    ctx.fillStyle = layout.fill
    for (const line of layout.lines) {
      // Outline first, so the fill covers its inner half and the letters keep their weight.
      if (layout.strokeWidth > 0) ctx.strokeText(line.text, line.x, line.y)
      ctx.fillText(line.text, line.x, line.y)
    }
    ctx.restore()
  }
}
