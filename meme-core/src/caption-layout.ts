import { CAPTION_DEFAULTS, MEME_FONT, type Caption, type CaptionAlign } from './caption-model.ts'

/** Width of `text` drawn in the CSS `font`, in pixels: canvas `measureText(text).width`. */
export type MeasureText = (text: string, font: string) => number

export interface ImageSize {
  width: number
  height: number
}

export interface CaptionLine {
  text: string
  /** Anchor of the line for `fillText` with `textAlign = align`. */
  x: number
  /** Alphabetic baseline. */
  y: number
}

export interface CaptionLayout {
  /** CSS font shorthand to draw with. */
  font: string
  fontSize: number
  align: CaptionAlign
  fill: string
  stroke: string
  strokeWidth: number
  lines: CaptionLine[]
  /** The text box in picture pixels. */
  box: { left: number; top: number; width: number; height: number }
  /** True when the text does not fit even at the smallest size and was drawn anyway. */
  overflows: boolean
}

/** The automatic font size, before `scale`, as a fraction of the picture's shorter side. */
const BASE_FONT_FRACTION = 0.12
/** Below this the text is unreadable on a phone; as a fraction of the shorter side. */
const MIN_FONT_FRACTION = 0.02
const MIN_FONT_PX = 8
/** The box may not grow past half the picture's height. */
const MAX_BOX_HEIGHT_FRACTION = 0.5
/** Outline width relative to the font size: visible, never swallowing the letters. */
const STROKE_FRACTION = 0.1

/** The text as drawn: upper-cased unless the caption says not to, without outer spaces. */
export function captionText(caption: Pick<Caption, 'text' | 'uppercase'>): string {
  const uppercase = caption.uppercase ?? CAPTION_DEFAULTS.uppercase
  return (uppercase ? caption.text.toLocaleUpperCase() : caption.text).trim()
}

export function captionFont(fontSize: number): string {
  return `${fontSize}px ${MEME_FONT.family}, sans-serif`
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/** Splits a word into pieces no wider than `maxWidth`, never inside a grapheme (emoji, accents). */
function breakWord(word: string, fits: (s: string) => boolean): string[] {
  const pieces: string[] = []
  let current = ''
  for (const { segment } of graphemes.segment(word)) {
    if (current && !fits(current + segment)) {
      pieces.push(current)
      current = segment
    } else {
      current += segment
    }
  }
  if (current) pieces.push(current)
  return pieces
}

/**
 * Greedy word wrap. Returns undefined when a word is wider than the line and
 * `breakLongWords` is off, so the caller can try a smaller size first.
 */
export function wrapWords(
  text: string,
  maxWidth: number,
  measure: (s: string) => number,
  breakLongWords: boolean,
): string[] | undefined {
  const fits = (s: string) => measure(s) <= maxWidth
  const lines: string[] = []
  let current = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = current ? `${current} ${word}` : word
    if (fits(candidate)) {
      current = candidate
      continue
    }
    if (current) lines.push(current)
    if (fits(word)) {
      current = word
      continue
    }
    if (!breakLongWords) return undefined
    const pieces = breakWord(word, fits)
    current = pieces.pop() ?? ''
    lines.push(...pieces)
  }
  if (current) lines.push(current)
  return lines
}

/**
 * Lays out one caption on a picture: wraps the words to the box width and picks the
 * largest whole-pixel font size, up to the automatic size times `scale`, at which the
 * lines fit the box. Pure: the same input gives the same layout in the browser and on
 * the server, given the same font.
 */
export function layoutCaption(
  caption: Caption,
  image: ImageSize,
  measureText: MeasureText,
): CaptionLayout {
  const width = caption.width ?? CAPTION_DEFAULTS.width
  const scale = caption.scale ?? CAPTION_DEFAULTS.scale
  const align = caption.align ?? CAPTION_DEFAULTS.align
  const text = captionText(caption)

  const shorterSide = Math.min(image.width, image.height)
  const minSize = Math.max(MIN_FONT_PX, Math.round(shorterSide * MIN_FONT_FRACTION))
  const maxSize = Math.max(minSize, Math.round(shorterSide * BASE_FONT_FRACTION * scale))

  const boxWidth = width * image.width
  const centreX = caption.x * image.width
  const centreY = caption.y * image.height
  const roomAbove = Math.min(caption.y, 1 - caption.y) * 2
  const maxHeight = Math.max(roomAbove, 0.1) * image.height
  const boxHeight = Math.min(maxHeight, MAX_BOX_HEIGHT_FRACTION * image.height)

  const tryWrap = (size: number, breakLongWords: boolean) => {
    const font = captionFont(size)
    // The outline reaches half its width outside the glyphs: keep it inside the box.
    const innerWidth = boxWidth - size * STROKE_FRACTION
    const lines = wrapWords(text, innerWidth, (s) => measureText(s, font), breakLongWords)
    if (!lines) return undefined
    return lines.length * size * MEME_FONT.lineHeight <= boxHeight ? lines : undefined
  }

  // Prefer a smaller size over breaking a word; break words only when nothing else fits.
  let fitted = largestFitting(minSize, maxSize, (size) => tryWrap(size, false))
  fitted ??= largestFitting(minSize, maxSize, (size) => tryWrap(size, true))
  const overflows = !fitted
  const fontSize = fitted?.size ?? minSize
  const lines =
    fitted?.lines ??
    wrapWords(text, boxWidth, (s) => measureText(s, captionFont(minSize)), true) ??
    []

  const lineHeight = fontSize * MEME_FONT.lineHeight
  const blockHeight = lines.length * lineHeight
  const top = centreY - blockHeight / 2
  // Centre the capitals in each line's slot: what readers see as the line's body.
  const baselineOffset = (lineHeight + fontSize * MEME_FONT.capHeight) / 2
  const left = centreX - boxWidth / 2
  const inset = (fontSize * STROKE_FRACTION) / 2
  const anchorX =
    align === 'left' ? left + inset : align === 'right' ? left + boxWidth - inset : centreX

  return {
    font: captionFont(fontSize),
    fontSize,
    align,
    fill: caption.color ?? CAPTION_DEFAULTS.color,
    stroke: caption.strokeColor ?? CAPTION_DEFAULTS.strokeColor,
    strokeWidth: fontSize * STROKE_FRACTION,
    lines: lines.map((line, i) => ({
      text: line,
      x: anchorX,
      y: top + i * lineHeight + baselineOffset,
    })),
    box: { left, top: centreY - boxHeight / 2, width: boxWidth, height: boxHeight },
    overflows,
  }
}

/** Binary search for the largest size in [min, max] at which `attempt` succeeds. */
function largestFitting(
  min: number,
  max: number,
  attempt: (size: number) => string[] | undefined,
): { size: number; lines: string[] } | undefined {
  let best: { size: number; lines: string[] } | undefined
  let low = min
  let high = max
  while (low <= high) {
    const size = Math.floor((low + high) / 2)
    const lines = attempt(size)
    if (lines) {
      best = { size, lines }
      low = size + 1
    } else {
      high = size - 1
    }
  }
  return best
}
