import { STARTING_CAPTION_BOXES, type Caption } from '@meme-studio/meme-core'
import { badImageUrl, type ImageOptions } from './image-options.ts'

/** `custom`'s boxes: the classic top and bottom text a new meme starts with in the editor. */
export const CUSTOM_BOXES: Caption[] = STARTING_CAPTION_BOXES.map((box) => ({ ...box, text: '' }))

/** In `layout=top`, a line's box: a fifth of the picture, or less when more lines must fit. */
const TOP_LINE_HEIGHT = 0.2

/** `layout=top`: the boxes moved one under another from the top, one per line. */
function stackedFromTop(boxes: readonly Caption[], count: number): Caption[] {
  const height = Math.min(TOP_LINE_HEIGHT, 1 / count)
  return Array.from({ length: count }, (_, index) => ({
    ...(boxes[index] ?? boxes[0] ?? CUSTOM_BOXES[0]!),
    x: 0.5,
    y: height * (index + 0.5),
    width: 0.9,
    height,
    rotation: 0,
  }))
}

/**
 * The captions a URL draws: its lines in the boxes' order; boxes without a line stay empty and
 * empty lines draw nothing. More lines than boxes is refused, unless `layout=top` stacks them.
 */
export function imageCaptions(
  template: string,
  boxes: readonly Caption[],
  lines: readonly string[],
  options: Pick<ImageOptions, 'font' | 'color' | 'layout'>,
): Caption[] {
  const placed = options.layout === 'top' ? stackedFromTop(boxes, lines.length) : boxes
  if (lines.length > placed.length) {
    throw badImageUrl(
      `The URL has ${lines.length} lines, but template ${template} has ${placed.length} ` +
        `text boxes (or add layout=top to stack them)`,
    )
  }
  const captions: Caption[] = []
  lines.forEach((text, index) => {
    if (text.trim() === '') return
    captions.push({
      ...placed[index]!,
      text,
      ...(options.font ? { font: options.font } : {}),
      ...(options.color ? { color: options.color.fill } : {}),
      ...(options.color?.stroke ? { strokeColor: options.color.stroke } : {}),
    })
  })
  return captions
}
