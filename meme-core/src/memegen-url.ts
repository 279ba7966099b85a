/**
 * Memes by URL, in memegen's form: `<template>/<line1>/<line2>/….<png|jpg|webp>`, each line
 * written with memegen's escapes. Pure: the API parses request paths with it, the editor
 * writes "Copy image link" URLs with it.
 *
 * @see https://github.com/jacebrowning/memegen/blob/main/README.md "Special Characters"
 */

import { CAPTION_DEFAULTS, type Caption } from './caption-model.ts'

export const IMAGE_URL_LIMITS = {
  /** Lines in one URL: as many as a meme has captions. */
  maxLines: 10,
  /** Characters (code points) of one line once decoded: a caption's longest text. */
  maxLineLength: 500,
  /** The path after `/api/images/`, as sent (percent-escapes and all). */
  maxPathLength: 2000,
} as const

/** The query parameter naming a template's version. */
export const VERSION_PARAM = 'v'

/**
 * The query options that change an image: what an edge cache keys on besides the path (any
 * other parameter is ignored, as memegen ignores it).
 */
export const IMAGE_QUERY_OPTIONS = [
  'width',
  'height',
  'font',
  'color',
  'layout',
  'background',
  VERSION_PARAM,
] as const

export type ImageUrlFormat = 'png' | 'jpeg' | 'webp'

/** The extensions a URL may end in, and the format each renders. memegen's `.gif` is not made. */
export const IMAGE_URL_EXTENSIONS = {
  png: 'png',
  jpg: 'jpeg',
  jpeg: 'jpeg',
  webp: 'webp',
} as const satisfies Record<string, ImageUrlFormat>

/** Ids are plain names (`blank-square-white`, `custom`), never paths. */
const TEMPLATE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/

/**
 * `~x` escapes. All but `~~` are memegen's; memegen has no way to write a tilde itself, and
 * since percent-escapes are decoded first, `%7E` cannot stand for one either.
 */
const TILDE_ESCAPES: Record<string, string> = {
  q: '?',
  a: '&',
  p: '%',
  h: '#',
  s: '/',
  b: '\\',
  l: '<',
  g: '>',
  n: '\n',
  '~': '~',
}

const TILDE_ENCODINGS = new Map(Object.entries(TILDE_ESCAPES).map(([k, v]) => [v, `~${k}`]))

/** What the text may not hold after percent-decoding: control characters have no glyph. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i)
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true
  }
  return false
}

/** A URL that does not say a meme; the message says what is wrong with it. */
export class ImageUrlError extends Error {
  override name = 'ImageUrlError'
}

export interface ImageUrl {
  template: string
  lines: string[]
  format: ImageUrlFormat
}

function percentDecode(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new ImageUrlError(`${what} has a malformed percent-escape: ${JSON.stringify(segment)}`)
  }
}

/**
 * One line of a URL (`~hspecial_characters~q`) as text (`#special characters?`). Percent-escapes
 * are decoded first, once; then, left to right: a run of n `_` (or `-`) is n/2 literal ones,
 * and an odd run starts with a space (`_` → space, `__` → `_`, `___` → space + `_`, as
 * memegen reads it); `''` is `"`; `~x` is one of the escapes above, any other is an error.
 * A line that is just `_` is empty.
 */
export function decodeImageUrlLine(segment: string, position = 1): string {
  const what = `Line ${position}`
  const raw = percentDecode(segment, what)
  if (hasControlCharacter(raw)) {
    throw new ImageUrlError(`${what} holds a control character; write a new line as ~n`)
  }
  if (raw === '_') return ''
  let text = ''
  let i = 0
  while (i < raw.length) {
    const char = raw[i]!
    if (char === '_' || char === '-') {
      let run = 0
      while (raw[i + run] === char) run += 1
      text += (run % 2 === 1 ? ' ' : '') + char.repeat(Math.floor(run / 2))
      i += run
    } else if (char === "'" && raw[i + 1] === "'") {
      text += '"'
      i += 2
    } else if (char === '~') {
      const code = raw[i + 1]
      if (code === undefined) {
        throw new ImageUrlError(`${what} ends in a lone ~; write a tilde as ~~`)
      }
      const decoded = TILDE_ESCAPES[code]
      if (decoded === undefined) {
        throw new ImageUrlError(
          `${what} has an unknown escape ~${code}; known: ${Object.keys(TILDE_ESCAPES)
            .map((k) => `~${k}`)
            .join(' ')}`,
        )
      }
      text += decoded
      i += 2
    } else {
      text += char
      i += 1
    }
  }
  const length = [...text].length
  if (length > IMAGE_URL_LIMITS.maxLineLength) {
    throw new ImageUrlError(
      `${what} is ${length} characters long; at most ${IMAGE_URL_LIMITS.maxLineLength}`,
    )
  }
  return text
}

/** Writes one character of text; a space's letter depends on what was written before it. */
function encodeChar(char: string, written: string): string {
  if (char === '_' || char === '-') return char + char
  // A space opens its own run (an odd run starts with the space), so it takes the letter the
  // run before it does not end in.
  if (char === ' ') return written.endsWith('_') ? '-' : '_'
  if (char === '"') return "''"
  return TILDE_ENCODINGS.get(char) ?? encodeURIComponent(char)
}

/**
 * Text as one line of a URL, or undefined when no URL line decodes to exactly this text
 * (`'"`, control characters, a line that is too long).
 */
export function encodeImageUrlLine(text: string): string | undefined {
  let segment = ''
  try {
    if (text === '') segment = '_'
    else if (text === ' ') segment = '-'
    else for (const char of text) segment += encodeChar(char, segment)
    return decodeImageUrlLine(segment) === text ? segment : undefined
  } catch {
    // encodeURIComponent throws on a lone surrogate; decoding, on a line over the limits.
    return undefined
  }
}

/**
 * Parses the path after `/api/images/`, as sent: `<template>/<line>/….<ext>`. Refuses, with a
 * message that says why, what is too long, a template id that is not a plain name, an
 * extension that is not made here, too many lines and bad escapes.
 */
export function parseImageUrlPath(path: string): ImageUrl {
  if (path.length > IMAGE_URL_LIMITS.maxPathLength) {
    throw new ImageUrlError(
      `The image path is ${path.length} characters long; at most ${IMAGE_URL_LIMITS.maxPathLength}`,
    )
  }
  const dot = path.lastIndexOf('.')
  const slash = path.lastIndexOf('/')
  const extension = dot > slash ? path.slice(dot + 1) : ''
  const format = Object.hasOwn(IMAGE_URL_EXTENSIONS, extension.toLowerCase())
    ? IMAGE_URL_EXTENSIONS[extension.toLowerCase() as keyof typeof IMAGE_URL_EXTENSIONS]
    : undefined
  if (!format) {
    throw new ImageUrlError(
      `The image path must end in ${Object.keys(IMAGE_URL_EXTENSIONS)
        .map((e) => `.${e}`)
        .join(', ')}${extension ? `, not .${extension}` : ''}`,
    )
  }
  const [templateSegment = '', ...lineSegments] = path.slice(0, dot).split('/')
  const template = percentDecode(templateSegment, 'The template id')
  if (!TEMPLATE_ID.test(template)) {
    throw new ImageUrlError(
      `The template id ${JSON.stringify(template)} is not one: letters, digits, - and _ only`,
    )
  }
  if (lineSegments.length > IMAGE_URL_LIMITS.maxLines) {
    throw new ImageUrlError(
      `The URL has ${lineSegments.length} lines; at most ${IMAGE_URL_LIMITS.maxLines}`,
    )
  }
  const lines = lineSegments.map((segment, index) => decodeImageUrlLine(segment, index + 1))
  return { template, lines, format }
}

/**
 * The path after `/api/images/` for this meme, or undefined when a line cannot be written in a
 * URL (see `encodeImageUrlLine`) or the whole is over the limits.
 */
export function imageUrlPath({ template, lines, format }: ImageUrl): string | undefined {
  if (!TEMPLATE_ID.test(template) || lines.length > IMAGE_URL_LIMITS.maxLines) return undefined
  const segments: string[] = []
  for (const line of lines) {
    const segment = encodeImageUrlLine(line)
    if (segment === undefined) return undefined
    segments.push(segment)
  }
  const extension = format === 'jpeg' ? 'jpg' : format
  const path = `${[template, ...segments].join('/')}.${extension}`
  return path.length > IMAGE_URL_LIMITS.maxPathLength ? undefined : path
}

/** The fields of a caption other than its text, unset ones at their defaults. */
function captionStyle(caption: Caption): Omit<Required<Caption>, 'text' | 'height'> & {
  height: number | undefined
} {
  return {
    x: caption.x,
    y: caption.y,
    width: caption.width ?? CAPTION_DEFAULTS.width,
    // No default: unset is "as tall as the box can grow", not a number.
    height: caption.height,
    rotation: caption.rotation ?? CAPTION_DEFAULTS.rotation,
    scale: caption.scale ?? CAPTION_DEFAULTS.scale,
    align: caption.align ?? CAPTION_DEFAULTS.align,
    font: caption.font ?? CAPTION_DEFAULTS.font,
    // `#FFF000` and `#fff000` draw the same colour.
    color: (caption.color ?? CAPTION_DEFAULTS.color).toLowerCase(),
    strokeColor: (caption.strokeColor ?? CAPTION_DEFAULTS.strokeColor).toLowerCase(),
    strokeWidth: caption.strokeWidth ?? CAPTION_DEFAULTS.strokeWidth,
    uppercase: caption.uppercase ?? CAPTION_DEFAULTS.uppercase,
    shadow: caption.shadow ?? CAPTION_DEFAULTS.shadow,
  }
}

function sameStyle(a: Caption, b: Caption): boolean {
  const styleA = captionStyle(a)
  const styleB = captionStyle(b)
  return (Object.keys(styleA) as (keyof typeof styleA)[]).every(
    (key) => styleA[key] === styleB[key],
  )
}

/**
 * The URL (`/api/images/<template>/<lines>.<ext>?v=<version>`, relative to the site) that
 * draws these captions over this template, or undefined when none does: a URL carries only
 * text, so the captions must be the template's boxes, as many and in the same order, with only
 * their text changed, and every text must be writable in a URL.
 */
export function templateImagePath(
  template: { id: string; version: number; boxes: readonly Caption[] },
  captions: readonly Caption[],
  format: ImageUrlFormat,
): string | undefined {
  if (!Number.isSafeInteger(template.version) || template.version < 1) return undefined
  if (captions.length !== template.boxes.length) return undefined
  if (!captions.every((caption, index) => sameStyle(caption, template.boxes[index]!))) {
    return undefined
  }
  const path = imageUrlPath({
    template: template.id,
    lines: captions.map((caption) => caption.text),
    format,
  })
  return path === undefined ? undefined : `/api/images/${path}?${VERSION_PARAM}=${template.version}`
}
