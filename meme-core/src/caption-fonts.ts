import type { CaptionFontId } from './caption-model.ts'

/**
 * One face as both sides load it: the browser from the @fontsource package's woff2 files
 * (one FontFace per unicode-range subset, fetched only when text needs it), the server
 * from the same files with Skia. `family` is our own name for it, so a system font of the
 * same name can never stand in for it on one side only.
 */
export interface FontFaceSpec {
  family: string
  /** The npm package holding the files: `<package>/files/<id>-<subset>-<weight>-normal.woff2`. */
  package: string
  /** The file name's prefix, the package's id. */
  id: string
  /** The weight of the files used. Declared as normal weight, so nothing is synthesised. */
  weight: number
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
 * Where letters the chosen face lacks come from. Emoji come before the CJK faces, which
 * carry plain black copies of some emoji.
 */
export const FALLBACK_FONTS = {
  sans: face('Meme Sans', 'noto-sans'),
  emoji: face('Meme Emoji', 'noto-color-emoji', 400),
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
