import {
  ALL_FONT_FACES,
  CAPTION_DEFAULTS,
  captionText,
  fontStack,
  type Caption,
  type FontFaceSpec,
} from '@meme-studio/meme-core'
import antonRanges from '@fontsource/anton/unicode.json'
import caveatRanges from '@fontsource/caveat/unicode.json'
import notoSansRanges from '@fontsource/noto-sans/unicode.json'
import notoSansArabicRanges from '@fontsource/noto-sans-arabic/unicode.json'
import notoSansHebrewRanges from '@fontsource/noto-sans-hebrew/unicode.json'
import notoSansJpRanges from '@fontsource/noto-sans-jp/unicode.json'
import notoSansKrRanges from '@fontsource/noto-sans-kr/unicode.json'
import notoSansScRanges from '@fontsource/noto-sans-sc/unicode.json'
import notoSerifRanges from '@fontsource/noto-serif/unicode.json'

/**
 * The font files, as URLs Vite emits. Globs must be literal, one per package; the whole-script
 * files (`…-japanese-700-…`) are left out, since the subsets cover the same letters.
 */
const FONT_FILES: Record<string, string> = {
  ...import.meta.glob('/node_modules/@fontsource/anton/files/*-400-normal.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
  ...import.meta.glob('/node_modules/@fontsource/caveat/files/*-700-normal.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
  ...import.meta.glob('/node_modules/@fontsource/noto-sans/files/*-700-normal.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
  ...import.meta.glob('/node_modules/@fontsource/noto-serif/files/*-700-normal.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
  ...import.meta.glob('/node_modules/@fontsource/noto-sans-arabic/files/*-700-normal.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
  ...import.meta.glob('/node_modules/@fontsource/noto-sans-hebrew/files/*-700-normal.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
  ...import.meta.glob(
    [
      '/node_modules/@fontsource/noto-sans-jp/files/*-700-normal.woff2',
      '!**/noto-sans-jp-japanese-*',
    ],
    { query: '?url', import: 'default', eager: true },
  ),
  ...import.meta.glob(
    [
      '/node_modules/@fontsource/noto-sans-kr/files/*-700-normal.woff2',
      '!**/noto-sans-kr-korean-*',
    ],
    { query: '?url', import: 'default', eager: true },
  ),
  ...import.meta.glob(
    [
      '/node_modules/@fontsource/noto-sans-sc/files/*-700-normal.woff2',
      '!**/noto-sans-sc-chinese-simplified-*',
    ],
    { query: '?url', import: 'default', eager: true },
  ),
  ...import.meta.glob('/node_modules/twemoji-colr-font/*.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
}

/** Each @fontsource package's `unicode.json`: subset name → CSS unicode-range. */
const SUBSET_RANGES: Record<string, Record<string, string>> = {
  '@fontsource/anton': antonRanges,
  '@fontsource/caveat': caveatRanges,
  '@fontsource/noto-sans': notoSansRanges,
  '@fontsource/noto-serif': notoSerifRanges,
  '@fontsource/noto-sans-arabic': notoSansArabicRanges,
  '@fontsource/noto-sans-hebrew': notoSansHebrewRanges,
  '@fontsource/noto-sans-jp': notoSansJpRanges,
  '@fontsource/noto-sans-kr': notoSansKrRanges,
  '@fontsource/noto-sans-sc': notoSansScRanges,
}

/** One file of a face and the characters it is for. */
export interface FontSubset {
  family: string
  url: string
  /** The CSS `unicode-range`, as the FontFace descriptor takes it. */
  unicodeRange: string
  /** The same range as inclusive [first, last] code points. */
  ranges: [number, number][]
}

/** `U+0000-00FF, U+0131` → [[0x0, 0xff], [0x131, 0x131]]. */
export function parseUnicodeRange(range: string): [number, number][] {
  return range.split(',').map((part) => {
    const [first = '', last = first] = part.trim().replace(/^U\+/i, '').split('-')
    return [Number.parseInt(first, 16), Number.parseInt(last, 16)]
  })
}

function fileUrl(path: string): string {
  const url = FONT_FILES[`/node_modules/${path}`]
  // A face meme-core lists but no glob above picks up: add its package's glob.
  if (!url) throw new Error(`No font file ${path} in the build`)
  return url
}

/**
 * The files of one face in the order `unicode.json` lists them, which is the order the
 * server looks through them: numbered subsets are listed as `[12]` and named `…-12-…`.
 */
export function fontSubsets(face: FontFaceSpec): FontSubset[] {
  if (face.file) {
    const { path, unicodeRange } = face.file
    return [
      {
        family: face.family,
        url: fileUrl(`${face.package}/${path}`),
        unicodeRange,
        ranges: parseUnicodeRange(unicodeRange),
      },
    ]
  }
  const subsets = SUBSET_RANGES[face.package]
  if (!subsets) throw new Error(`No unicode.json for ${face.package}`)
  return Object.entries(subsets).map(([name, unicodeRange]) => ({
    family: face.family,
    url: fileUrl(
      `${face.package}/files/${face.id}-${name.replace(/^\[(\d+)\]$/, '$1')}-${face.weight}-normal.woff2`,
    ),
    unicodeRange,
    ranges: parseUnicodeRange(unicodeRange),
  }))
}

const covers = (subset: FontSubset, codePoint: number) =>
  subset.ranges.some(([first, last]) => codePoint >= first && codePoint <= last)

export interface CaptionFonts {
  /** Fetches the font files the captions' text needs; resolves once they can be drawn. */
  load(captions: readonly Caption[]): Promise<void>
}

interface RegisteredSubset {
  subset: FontSubset
  face: FontFace
}

/**
 * Declares every subset of every caption face to the page, without fetching any: one
 * FontFace per file, all at normal weight (the 700 files too, as the server declares them,
 * so the browser never makes them bolder). `display: block` keeps a half-loaded caption
 * from showing in a stand-in font.
 *
 * `load` fetches, for each character, the first file of the caption's font stack whose
 * range covers it: the rule the server uses to choose the files it registers. Asking
 * `document.fonts.load(font, text)` instead would fetch every face in the stack whose
 * range touches the text — in Chromium, seventeen CJK subsets for plain Latin text, since
 * those subsets list Latin letters too.
 */
export function registerCaptionFonts(
  fonts: Pick<FontFaceSet, 'add'>,
  FontFaceClass: typeof FontFace,
  faces: readonly FontFaceSpec[] = ALL_FONT_FACES,
): CaptionFonts {
  const families = new Map<string, RegisteredSubset[]>()
  for (const spec of faces) {
    const registered = fontSubsets(spec).map((subset) => ({
      subset,
      face: new FontFaceClass(subset.family, `url("${subset.url}")`, {
        weight: '400',
        style: 'normal',
        unicodeRange: subset.unicodeRange,
        display: 'block',
      }),
    }))
    families.set(spec.family, registered)
    // Where ranges overlap, browsers try the face added last first: add them in reverse so
    // they pick the one listed first, as the server does.
    for (const { face } of [...registered].reverse()) fonts.add(face)
  }

  function facesFor(caption: Caption): Set<FontFace> {
    const text = captionText(caption)
    const stack = fontStack(caption.font ?? CAPTION_DEFAULTS.font, text)
    const needed = new Set<FontFace>()
    for (const char of new Set(text)) {
      const codePoint = char.codePointAt(0) ?? 0
      for (const spec of stack) {
        const found = families.get(spec.family)?.find(({ subset }) => covers(subset, codePoint))
        if (found) {
          needed.add(found.face)
          break
        }
      }
    }
    return needed
  }

  return {
    async load(captions) {
      const needed = new Set(captions.flatMap((caption) => [...facesFor(caption)]))
      // A file that fails to load leaves its letters to a system font: the preview still
      // shows where the text goes.
      await Promise.all([...needed].map((face) => face.load().catch(() => undefined)))
    },
  }
}

let pageFonts: CaptionFonts | undefined

/** The page's caption fonts, declared on first use. A no-op where the page has no FontFace. */
export function captionFonts(): CaptionFonts {
  if (pageFonts) return pageFonts
  pageFonts =
    typeof FontFace === 'function' && typeof document !== 'undefined' && document.fonts
      ? registerCaptionFonts(document.fonts, FontFace)
      : { load: async () => undefined }
  return pageFonts
}
