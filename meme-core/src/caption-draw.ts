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
  direction: string
  shadowColor: string
  shadowBlur: number
  shadowOffsetX: number
  shadowOffsetY: number
  save(): void
  restore(): void
  translate(x: number, y: number): void
  rotate(angle: number): void
  fillText(text: string, x: number, y: number): void
  strokeText(text: string, x: number, y: number): void
}

/** Draws laid-out captions in picture coordinates, in order. */
export function drawCaptions(ctx: CaptionContext, layouts: readonly CaptionLayout[]): void {
  for (const layout of layouts) drawCaption(ctx, layout)
}

function drawCaption(ctx: CaptionContext, layout: CaptionLayout): void {
  const { box, shadow } = layout
  ctx.save()
  ctx.translate(box.x, box.y)
  if (box.rotation) ctx.rotate((box.rotation * Math.PI) / 180)
  ctx.font = layout.font
  ctx.textAlign = layout.align
  ctx.direction = layout.direction
  ctx.textBaseline = 'alphabetic'
  ctx.lineJoin = 'round'
  ctx.miterLimit = 2
  ctx.lineWidth = layout.strokeWidth
  ctx.strokeStyle = layout.stroke
  ctx.fillStyle = layout.fill
  const outline = layout.strokeWidth > 0
  for (const line of layout.lines) {
    // One shadow per line, cast by what is drawn first.
    if (shadow) {
      ctx.shadowColor = shadow.color
      ctx.shadowBlur = shadow.blur
      ctx.shadowOffsetX = shadow.offsetX
      ctx.shadowOffsetY = shadow.offsetY
    }
    // Outline first, so the fill covers its inner half and the letters keep their weight.
    if (outline) {
      ctx.strokeText(line.text, line.x, line.y)
      ctx.shadowColor = 'transparent'
    }
    ctx.fillText(line.text, line.x, line.y)
    ctx.shadowColor = 'transparent'
  }
  ctx.restore()
}
