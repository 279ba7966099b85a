import type { CaptionFontId } from './caption-model.ts'

/**
 * One face as both sides load it: the browser from the @fontsource package's woff2 files
 * (one FontFace per unicode-range subset, fetched only when text needs it), the server
 * from the same files with Skia. `family` is our own name for it, so a system font of the
 * same name can never stand in for it on one side only.
 */
export interface FontFaceSpec {
  family: string
  /**
   * The npm package holding the files. An @fontsource package has one file per
   * unicode-range subset, `files/<id>-<subset>-<weight>-normal.woff2`, and the ranges in
   * `unicode.json`; any other package has one `file` covering `unicodeRange`.
   */
  package: string
  /** The file name's prefix, the package's id. */
  id: string
  /** The weight of the files used. Declared as normal weight, so nothing is synthesised. */
  weight: number
  /** A single-file face: its path in the package, and the characters it is for. */
  file?: { path: string; unicodeRange: string }
}

export interface CaptionFont extends FontFaceSpec {
  label: string
  /** Height of a capital above the baseline, in em: lines are centred on it. */
  capHeight: number
  /** Distance between baselines, in em. */
  lineHeight: number
}

const fontsource = (id: string) => `@fontsource/${id}`

/** The faces a person picks from; all SIL Open Font License. */
export const CAPTION_FONTS: Record<CaptionFontId, CaptionFont> = {
  anton: {
    label: 'Anton (classic)',
    family: 'Meme Anton',
    id: 'anton',
    package: fontsource('anton'),
    weight: 400,
    capHeight: 0.86,
    lineHeight: 1.15,
  },
  sans: {
    label: 'Sans',
    family: 'Meme Sans',
    id: 'noto-sans',
    package: fontsource('noto-sans'),
    weight: 700,
    capHeight: 0.72,
    lineHeight: 1.2,
  },
  serif: {
    label: 'Serif',
    family: 'Meme Serif',
    id: 'noto-serif',
    package: fontsource('noto-serif'),
    weight: 700,
    capHeight: 0.72,
    lineHeight: 1.2,
  },
  hand: {
    label: 'Handwritten',
    family: 'Meme Hand',
    id: 'caveat',
    package: fontsource('caveat'),
    weight: 700,
    capHeight: 0.72,
    lineHeight: 1.1,
  },
}

const face = (family: string, id: string, weight = 700): FontFaceSpec => ({
  family,
  id,
  package: fontsource(id),
  weight,
})

/**
 * Colour emoji: Twemoji as a COLR (v0) font, which every browser and Skia draw alike. The
 * @fontsource Noto Color Emoji is an SVG-in-OpenType font that Chromium does not draw, and
 * the COLRv1 Noto build is not drawn by Safari. The range keeps text without emoji from
 * fetching it.
 */
const EMOJI: FontFaceSpec = {
  family: 'Meme Emoji',
  id: 'twemoji',
  package: 'twemoji-colr-font',
  weight: 400,
  file: {
    path: 'twemoji.woff2',
    unicodeRange:
      'U+A9, U+AE, U+200D, U+203C, U+2049, U+20E3, U+2122, U+2139, U+2194-21AA, U+231A-23FF, U+24C2, U+25AA-27BF, U+2934-2935, U+2B05-2B55, U+3030, U+303D, U+3297, U+3299, U+FE0F, U+1F000-1FAFF, U+E0020-E007F',
  },
}

/**
 * Where letters the chosen face lacks come from. Emoji come before the CJK faces, which
 * carry plain black copies of some emoji.
 */
export const FALLBACK_FONTS = {
  sans: face('Meme Sans', 'noto-sans'),
  emoji: EMOJI,
  arabic: face('Meme Arabic', 'noto-sans-arabic'),
  hebrew: face('Meme Hebrew', 'noto-sans-hebrew'),
  japanese: face('Meme JP', 'noto-sans-jp'),
  chinese: face('Meme SC', 'noto-sans-sc'),
  korean: face('Meme KR', 'noto-sans-kr'),
} as const satisfies Record<string, FontFaceSpec>

/** Every face either side may load, once each. */
export const ALL_FONT_FACES: readonly FontFaceSpec[] = [
  ...new Map(
    [...Object.values(CAPTION_FONTS), ...Object.values(FALLBACK_FONTS)].map((f) => [f.family, f]),
  ).values(),
]

const KANA = /[\u3040-\u30ff\u31f0-\u31ff]/
const HANGUL = /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/

/**
 * The faces to draw `text` in, in order: the chosen face, then the fallbacks. Han
 * characters look different in Chinese, Japanese and Korean: the text's kana or hangul
 * says which comes first.
 */
export function fontStack(font: CaptionFontId, text: string): FontFaceSpec[] {
  const { sans, emoji, arabic, hebrew, japanese, chinese, korean } = FALLBACK_FONTS
  const cjk = KANA.test(text)
    ? [japanese, chinese, korean]
    : HANGUL.test(text)
      ? [korean, chinese, japanese]
      : [chinese, japanese, korean]
  const primary = CAPTION_FONTS[font]
  const rest = [sans, emoji, arabic, hebrew, ...cjk].filter((f) => f.family !== primary.family)
  return [primary, ...rest]
}

/** The CSS font shorthand for canvas: every face at normal weight, as they are declared. */
export function captionFont(font: CaptionFontId, size: number, text: string): string {
  const families = fontStack(font, text).map((f) => `"${f.family}"`)
  return `${size}px ${families.join(', ')}`
}

const STRONG = /\p{L}/u
const RIGHT_TO_LEFT = /[\p{Script=Hebrew}\p{Script=Arabic}\p{Script=Syriac}\p{Script=Thaana}]/u

/** The paragraph direction, from the first letter, as the Unicode bidi algorithm decides it. */
export function textDirection(text: string): 'ltr' | 'rtl' {
  const first = STRONG.exec(text)?.[0]
  return first && RIGHT_TO_LEFT.test(first) ? 'rtl' : 'ltr'
}
