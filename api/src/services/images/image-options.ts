/**
 * The query options of a URL render, read as memegen documents them: unknown options are
 * ignored (memegen's clients add their own, `token`, `watermark`…), a known one with a bad
 * value is refused with a message that says what it takes.
 *
 * @see https://github.com/jacebrowning/memegen/blob/main/README.md "Custom Dimensions",
 *   "Alternate Layouts", "Custom Fonts", "Custom Colors"
 */
import cssColors from 'color-name'
import {
  CAPTION_FONTS,
  IMAGE_QUERY_OPTIONS,
  UPLOAD_KEY_PATTERN,
  VERSION_PARAM,
  type CaptionFontId,
} from '@meme-studio/meme-core'
import { AppError } from '../shared/app-error.ts'

export interface ImageOptions {
  width?: number
  height?: number
  font?: CaptionFontId
  /** Text fill and, if given, outline: `#rrggbb`. */
  color?: { fill: string; stroke?: string }
  /** `top`: every line stacked from the top of the picture. */
  layout?: 'top'
  /** The upload a `custom` image is drawn over. */
  background?: string
  /** The template version the URL names. */
  version?: number
}

export function badImageUrl(message: string): AppError {
  return new AppError(400, 'BAD_IMAGE_URL', message)
}

const POSITIVE_INTEGER = /^[1-9][0-9]{0,5}$/
const HEX = /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/
const UPLOAD_KEY = new RegExp(UPLOAD_KEY_PATTERN)

function edge(name: string, value: string, maxEdge: number): number {
  const edge = POSITIVE_INTEGER.test(value) ? Number(value) : NaN
  if (!(edge <= maxEdge)) {
    throw badImageUrl(
      `${name} must be a whole number of pixels from 1 to ${maxEdge}, not ${JSON.stringify(value)}`,
    )
  }
  return edge
}

/** A CSS colour name (`red`, `DarkSeaGreen`) or hex code, with or without `#`, as `#rrggbb`. */
export function cssColor(value: string): string | undefined {
  const named = Object.hasOwn(cssColors, value.toLowerCase())
    ? cssColors[value.toLowerCase()]
    : undefined
  if (named) return `#${named.map((c) => c.toString(16).padStart(2, '0')).join('')}`
  const hex = HEX.exec(value)?.[1]?.toLowerCase()
  if (!hex) return undefined
  return `#${hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex}`
}

function color(value: string): ImageOptions['color'] {
  const parts = value.split(',')
  const colours = parts.map(cssColor)
  if (parts.length > 2 || colours.some((c) => c === undefined)) {
    throw badImageUrl(
      `color takes <text>[,<outline>], each a CSS colour name (red, DarkSeaGreen) or hex code ` +
        `(ff80ed, #abc), not ${JSON.stringify(value)}`,
    )
  }
  const [fill, stroke] = colours as string[]
  return stroke ? { fill: fill!, stroke } : { fill: fill! }
}

/**
 * Reads the options from a parsed query string. A parameter given twice is refused: which one
 * counts would be a guess.
 */
export function parseImageOptions(
  query: Record<string, string | string[] | undefined>,
  maxEdge: number,
): ImageOptions {
  const options: ImageOptions = {}
  for (const name of IMAGE_QUERY_OPTIONS) {
    const given = query[name]
    if (given === undefined) continue
    // API Gateway's REST events give each parameter as an array; twice is refused.
    if (Array.isArray(given) && given.length !== 1) {
      throw badImageUrl(`${name} is given ${given.length} times; once`)
    }
    const value = Array.isArray(given) ? given[0]! : given
    switch (name) {
      case 'width':
      case 'height':
        options[name] = edge(name, value, maxEdge)
        break
      case 'font': {
        if (!Object.hasOwn(CAPTION_FONTS, value)) {
          throw badImageUrl(
            `font must be one of ${Object.keys(CAPTION_FONTS).join(', ')}, not ${JSON.stringify(value)}`,
          )
        }
        options.font = value as CaptionFontId
        break
      }
      case 'color':
        options.color = color(value)
        break
      case 'layout':
        // memegen's other layout is its default: the template's own boxes.
        if (value === 'top') options.layout = 'top'
        else if (value !== 'default') {
          throw badImageUrl(`layout must be top or default, not ${JSON.stringify(value)}`)
        }
        break
      case 'background':
        if (!UPLOAD_KEY.test(value)) {
          throw badImageUrl(
            `background must be an upload's key from GET /api/sign-s3-request ` +
              `(uploads/<uuid>.<ext>), not ${JSON.stringify(value)}`,
          )
        }
        options.background = value
        break
      case VERSION_PARAM:
        if (!POSITIVE_INTEGER.test(value)) {
          throw badImageUrl(
            `${VERSION_PARAM} must be a template version (1, 2, …), not ${JSON.stringify(value)}`,
          )
        }
        options.version = Number(value)
        break
    }
  }
  return options
}
