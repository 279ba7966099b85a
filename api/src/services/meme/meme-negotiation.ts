import { AppError } from '../shared/app-error.ts'
import type { OutputFormat } from './meme-render.ts'

/**
 * What `POST /api/meme` answers, chosen from the request's `Accept` and the body's `format`:
 * JSON `{meme_data, meme_type}`, or the image's bytes in a format Accept names.
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-12.5.1
 */
export type MemeAnswer =
  | { kind: 'json'; format?: OutputFormat }
  /** `format` unset: the picture's own (a still GIF gives PNG), as without Accept. */
  | { kind: 'image'; format?: OutputFormat }

const JSON_TYPE = 'application/json'
const IMAGE_TYPES: Record<OutputFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
}
const FORMATS = Object.keys(IMAGE_TYPES) as OutputFormat[]

/** A header of hundreds of ranges is no client's; only the first ones are read. */
const MAX_RANGES = 64

interface MediaRange {
  type: string
  subtype: string
  q: number
  /** Position in the header: of equal weights, the one named first wins. */
  index: number
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** The header's ranges; ranges that are not `type/subtype` are skipped, as RFC 9110 allows. */
function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = []
  for (const [index, part] of accept.split(',').slice(0, MAX_RANGES).entries()) {
    const [mediaType = '', ...parameters] = part.split(';').map((p) => p.trim())
    const [type = '', subtype = '', extra] = mediaType.toLowerCase().split('/')
    if (extra !== undefined || !TOKEN.test(type) || !TOKEN.test(subtype)) continue
    if (type === '*' && subtype !== '*') continue
    let q = 1
    for (const parameter of parameters) {
      const match = /^q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i.exec(parameter)
      if (match) q = Number(match[1])
      else if (/^q\s*=/i.test(parameter)) q = Number.NaN
    }
    if (!Number.isNaN(q)) ranges.push({ type, subtype, q, index })
  }
  return ranges
}

interface Match {
  q: number
  index: number
  /** Matched only by `image/*` or `*\/*`, not by its own name. */
  wildcard: boolean
}

/** The most specific range that matches `mediaType` decides its weight (RFC 9110 12.5.1). */
function matchOf(mediaType: string, ranges: readonly MediaRange[]): Match | undefined {
  const [type, subtype] = mediaType.split('/')
  const specificity = (range: MediaRange) =>
    range.type === type && range.subtype === subtype
      ? 2
      : range.type === type && range.subtype === '*'
        ? 1
        : range.type === '*'
          ? 0
          : -1
  let best: MediaRange | undefined
  for (const range of ranges) {
    const rank = specificity(range)
    if (rank < 0) continue
    if (!best || rank > specificity(best)) best = range
  }
  return best && { q: best.q, index: best.index, wildcard: specificity(best) < 2 }
}

function notAcceptable(format: OutputFormat | undefined): AppError {
  const offered = format
    ? `${JSON_TYPE} or ${IMAGE_TYPES[format]} (the body's format)`
    : `${JSON_TYPE}, ${FORMATS.map((f) => IMAGE_TYPES[f]).join(', ')}`
  return new AppError(406, 'NOT_ACCEPTABLE', `Accept allows none of what this answers: ${offered}`)
}

/**
 * Picks the answer. No Accept, or one with no readable range: JSON, as always. Otherwise the
 * highest weight wins, then the range named first, then JSON before images. The body's
 * `format` narrows the images to that one: `Accept: image/png` with `format: "jpeg"` asks for
 * two different things and is refused (406) rather than answered with either. `image/*`
 * alone keeps the picture's own format unless Accept excludes it by name (q=0), when the
 * best of JPEG, PNG, WebP is sent instead. Nothing acceptable: 406 NOT_ACCEPTABLE.
 */
export function negotiateMemeAnswer(
  accept: string | undefined,
  format: OutputFormat | undefined,
): MemeAnswer {
  const ranges = parseAccept(accept ?? '')
  if (ranges.length === 0) return { kind: 'json', ...(format ? { format } : {}) }
  const json = matchOf(JSON_TYPE, ranges)
  const images = (format ? [format] : FORMATS).map((f) => ({
    f,
    match: matchOf(IMAGE_TYPES[f], ranges),
  }))
  const better = (a: Match | undefined, b: Match | undefined) =>
    !!a && a.q > 0 && (!b || b.q <= 0 || a.q > b.q || (a.q === b.q && a.index < b.index))
  let bestImage: (typeof images)[number] | undefined
  for (const image of images) {
    if (better(image.match, bestImage?.match)) bestImage = image
  }
  const jsonWins = json !== undefined && json.q > 0 && !better(bestImage?.match, json)
  if (jsonWins) return { kind: 'json', ...(format ? { format } : {}) }
  if (!bestImage?.match || bestImage.match.q <= 0) throw notAcceptable(format)
  if (format) return { kind: 'image', format }
  // Reached only through image/* or */* with no format excluded: the picture's own.
  const excluded = images.some((image) => !image.match || image.match.q <= 0)
  const equal = images.every(
    (image) =>
      image.match?.q === bestImage.match?.q && image.match?.index === bestImage.match?.index,
  )
  if (bestImage.match.wildcard && !excluded && equal) return { kind: 'image' }
  return { kind: 'image', format: bestImage.f }
}
