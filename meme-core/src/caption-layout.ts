import { captionFont, CAPTION_FONTS, textDirection } from './caption-fonts.ts'
import { CAPTION_DEFAULTS, type Caption, type CaptionAlign } from './caption-model.ts'
import type { ImageSize } from './picture-size.ts'

/** Width of `text` drawn in the CSS `font`, in pixels: canvas `measureText(text).width`. */
export type MeasureText = (text: string, font: string) => number

export interface CaptionLine {
  text: string
  /** Anchor of the line for `fillText` with `textAlign = align`, from the box's centre. */
  x: number
  /** Alphabetic baseline, from the box's centre. */
  y: number
}

export interface CaptionShadow {
  color: string
  blur: number
  offsetX: number
  offsetY: number
}

export interface CaptionLayout {
  /** CSS font shorthand to draw with. */
  font: string
  fontSize: number
  align: CaptionAlign
  direction: 'ltr' | 'rtl'
  fill: string
  stroke: string
  /** Outline width in pixels; 0 for none. */
  strokeWidth: number
  shadow?: CaptionShadow
  /** The text box in picture pixels: its centre, size and clockwise rotation in degrees. */
  box: { x: number; y: number; width: number; height: number; rotation: number }
  /** Lines in the box's own coordinates: origin at its centre, before rotation. */
  lines: CaptionLine[]
  /**
   * The text does not fit the box even at the smallest readable size. The lines are laid
   * out at that size anyway, for a preview to show; the server refuses to draw them.
   */
  overflows: boolean
}

/** The automatic font size, before `scale`, as a fraction of the picture's shorter side. */
const BASE_FONT_FRACTION = 0.12
/** Below this the text is unreadable on a phone; as a fraction of the shorter side. */
const MIN_FONT_FRACTION = 0.02
const MIN_FONT_PX = 8
/** A box without a height may grow to half the picture's height, and is never under 10 %. */
const MAX_AUTO_HEIGHT = 0.5
const MIN_AUTO_HEIGHT = 0.1
const SHADOW = { color: 'rgba(0, 0, 0, 0.6)', blur: 0.12, offset: 0.04 } as const

/**
 * The text as drawn: upper-cased unless the caption says not to, `\r\n` read as `\n`, without
 * outer spaces or blank lines (a trailing Enter must not move the text while someone types).
 */
export function captionText(caption: Pick<Caption, 'text' | 'uppercase'>): string {
  const uppercase = caption.uppercase ?? CAPTION_DEFAULTS.uppercase
  const text = caption.text.replaceAll('\r\n', '\n')
  return (uppercase ? text.toLocaleUpperCase() : text).trim()
}

/** The smallest font size a caption may have on a picture of this size. */
export function minimumFontSize(image: ImageSize): number {
  return Math.max(MIN_FONT_PX, Math.round(Math.min(image.width, image.height) * MIN_FONT_FRACTION))
}

/** The box height as a fraction of the picture: the caption's own, or the automatic one. */
export function captionHeight(caption: Pick<Caption, 'y' | 'height'>): number {
  if (caption.height !== undefined) return caption.height
  const room = Math.min(caption.y, 1 - caption.y) * 2
  return Math.min(Math.max(room, MIN_AUTO_HEIGHT), MAX_AUTO_HEIGHT)
}

let segmenter: Intl.Segmenter | undefined

/**
 * `text`'s graphemes. The segmenter is made on first use: making one loads ICU's break rules,
 * about 50 ms of a page's start in Chromium (200 ms on Lighthouse's throttled phone), which a
 * page with no text to lay out yet (the editor's first view, the admin pages) need not pay.
 */
function graphemes(text: string): Intl.Segments {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })
  return segmenter.segment(text)
}

/**
 * Scripts written without spaces: a line may break between any two of their characters.
 * Korean uses spaces, but long Korean words may break anywhere too.
 */
const CLOSE_UP = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]$/u
/** Punctuation that may not start a line (kinsoku): it stays with what comes before. */
const NO_LINE_START =
  /^[、。，．,.!?！？：；:;)\]}）」』】〕〉》ー〜・…ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ]$/u
/** Punctuation that may not end a line: it stays with what comes after. */
const NO_LINE_END = /^[([{（「『【〔〈《]$/u

/** A piece of text no line breaks inside, and whether a space comes before it. */
interface Token {
  text: string
  space: boolean
}

/** Splits text at spaces, and between the characters of scripts written without them. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let space = true
    let run = ''
    let holdOpen = false
    let afterCloseUp = false
    for (const { segment } of graphemes(word)) {
      const closeUp = CLOSE_UP.test(segment)
      const breakBefore =
        run !== '' && !holdOpen && !NO_LINE_START.test(segment) && (closeUp || afterCloseUp)
      if (breakBefore) {
        tokens.push({ text: run, space })
        space = false
        run = ''
      }
      run += segment
      holdOpen = NO_LINE_END.test(segment)
      afterCloseUp = closeUp
    }
    if (run) tokens.push({ text: run, space })
  }
  return tokens
}

/** Splits a piece into parts no wider than the line, never inside a grapheme (emoji, accents). */
function breakToken(text: string, fits: (s: string) => boolean): string[] {
  const pieces: string[] = []
  let current = ''
  for (const { segment } of graphemes(text)) {
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
 * Greedy line breaking. Returns undefined when a piece is wider than the line and
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
  for (const token of tokenize(text)) {
    const candidate = current ? current + (token.space ? ' ' : '') + token.text : token.text
    if (fits(candidate)) {
      current = candidate
      continue
    }
    if (current) lines.push(current)
    if (fits(token.text)) {
      current = token.text
      continue
    }
    if (!breakLongWords) return undefined
    const pieces = breakToken(token.text, fits)
    current = pieces.pop() ?? ''
    lines.push(...pieces)
  }
  if (current) lines.push(current)
  return lines
}

/**
 * Breaks text at `\n`, then wraps each of its lines as `wrapWords` does; an empty line stays,
 * as one empty line, so that it takes a line's height.
 */
export function wrapLines(
  text: string,
  maxWidth: number,
  measure: (s: string) => number,
  breakLongWords: boolean,
): string[] | undefined {
  if (text.trim() === '') return []
  const lines: string[] = []
  for (const paragraph of text.split('\n')) {
    const wrapped = wrapWords(paragraph, maxWidth, measure, breakLongWords)
    if (!wrapped) return undefined
    lines.push(...(wrapped.length > 0 ? wrapped : ['']))
  }
  return lines
}

/**
 * Lays out one caption on a picture: breaks the text at `\n`, wraps each line to the box
 * width and picks the
 * largest whole-pixel font size, up to the automatic size times `scale`, at which the
 * lines fit the box. Pure: the same input gives the same layout in the browser and on
 * the server, given the same fonts.
 */
export function layoutCaption(
  caption: Caption,
  image: ImageSize,
  measureText: MeasureText,
): CaptionLayout {
  const face = CAPTION_FONTS[caption.font ?? CAPTION_DEFAULTS.font]
  const fontId = caption.font ?? CAPTION_DEFAULTS.font
  const scale = caption.scale ?? CAPTION_DEFAULTS.scale
  const align = caption.align ?? CAPTION_DEFAULTS.align
  const strokeFraction = caption.strokeWidth ?? CAPTION_DEFAULTS.strokeWidth
  const text = captionText(caption)

  const minSize = minimumFontSize(image)
  const shorterSide = Math.min(image.width, image.height)
  const maxSize = Math.max(minSize, Math.round(shorterSide * BASE_FONT_FRACTION * scale))
  const boxWidth = (caption.width ?? CAPTION_DEFAULTS.width) * image.width
  const boxHeight = captionHeight(caption) * image.height

  const fontAt = (size: number) => captionFont(fontId, size, text)
  const tryWrap = (size: number, breakLongWords: boolean) => {
    const font = fontAt(size)
    // The outline reaches half its width outside the glyphs: keep it inside the box.
    const innerWidth = boxWidth - size * strokeFraction
    const lines = wrapLines(text, innerWidth, (s) => measureText(s, font), breakLongWords)
    if (!lines) return undefined
    return lines.length * size * face.lineHeight <= boxHeight ? lines : undefined
  }

  // Prefer a smaller size over breaking a word; break words only when nothing else fits.
  let fitted = largestFitting(minSize, maxSize, (size) => tryWrap(size, false))
  fitted ??= largestFitting(minSize, maxSize, (size) => tryWrap(size, true))
  const fontSize = fitted?.size ?? minSize
  const lines =
    fitted?.lines ?? wrapLines(text, boxWidth, (s) => measureText(s, fontAt(minSize)), true) ?? []

  const lineHeight = fontSize * face.lineHeight
  const top = (-lines.length * lineHeight) / 2
  // Centre the capitals in each line's slot: what readers see as the line's body.
  const baselineOffset = (lineHeight + fontSize * face.capHeight) / 2
  const strokeWidth = fontSize * strokeFraction
  const inset = strokeWidth / 2
  const anchorX =
    align === 'left' ? -boxWidth / 2 + inset : align === 'right' ? boxWidth / 2 - inset : 0

  return {
    font: fontAt(fontSize),
    fontSize,
    align,
    direction: textDirection(text),
    fill: caption.color ?? CAPTION_DEFAULTS.color,
    stroke: caption.strokeColor ?? CAPTION_DEFAULTS.strokeColor,
    strokeWidth,
    ...((caption.shadow ?? CAPTION_DEFAULTS.shadow)
      ? {
          shadow: {
            color: SHADOW.color,
            blur: fontSize * SHADOW.blur,
            offsetX: fontSize * SHADOW.offset,
            offsetY: fontSize * SHADOW.offset,
          },
        }
      : {}),
    box: {
      x: caption.x * image.width,
      y: caption.y * image.height,
      width: boxWidth,
      height: boxHeight,
      rotation: caption.rotation ?? CAPTION_DEFAULTS.rotation,
    },
    lines: lines.map((line, i) => ({
      text: line,
      x: anchorX,
      y: top + i * lineHeight + baselineOffset,
    })),
    overflows: !fitted && lines.length > 0,
  }
}

export interface PixelRect {
  left: number
  top: number
  width: number
  height: number
}

/**
 * Every pixel a caption may paint, as a whole-pixel rectangle inside the picture: the box
 * (or the text, when it overflows), widened by the glyphs' overhang, the outline and the
 * shadow, then rotated. Empty when there is nothing to draw. The server draws each caption
 * into a layer of this size instead of one the size of the picture.
 */
export function captionBounds(layout: CaptionLayout, image: ImageSize): PixelRect {
  if (layout.lines.length === 0) return { left: 0, top: 0, width: 0, height: 0 }
  const { box, fontSize, strokeWidth, shadow } = layout
  const textHeight = Math.abs(layout.lines[0]!.y - layout.lines.at(-1)!.y) + fontSize * 2
  // Accents, descenders, italics and emoji reach past the line's slot; half an em covers them.
  const margin =
    fontSize * 0.5 +
    strokeWidth / 2 +
    (shadow ? shadow.blur * 1.5 + Math.max(Math.abs(shadow.offsetX), Math.abs(shadow.offsetY)) : 0)
  const halfWidth = box.width / 2 + margin
  const halfHeight = Math.max(box.height, textHeight) / 2 + margin
  const angle = (box.rotation * Math.PI) / 180
  const cos = Math.abs(Math.cos(angle))
  const sin = Math.abs(Math.sin(angle))
  const extentX = halfWidth * cos + halfHeight * sin
  const extentY = halfWidth * sin + halfHeight * cos
  const left = Math.max(0, Math.floor(box.x - extentX))
  const top = Math.max(0, Math.floor(box.y - extentY))
  const right = Math.min(image.width, Math.ceil(box.x + extentX))
  const bottom = Math.min(image.height, Math.ceil(box.y + extentY))
  if (right <= left || bottom <= top) return { left: 0, top: 0, width: 0, height: 0 }
  return { left, top, width: right - left, height: bottom - top }
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
