import {
  CAPTION_DEFAULTS,
  captionText,
  fontStack,
  type Caption,
  type FontFaceSpec,
} from '@meme-studio/meme-core'

/**
 * One face's files: an @fontsource package's subset ranges and the URLs Vite emits for its
 * files (`faces/*.ts`, one module per face, so each is a chunk of its own).
 */
export interface FaceFiles {
  /** The package's `unicode.json`: subset name → CSS unicode-range. None for a one-file face. */
  ranges?: Record<string, string>
  /** URL by path, `/node_modules/<package>/…`. */
  files: Record<string, string>
}

/**
 * Each face's files, fetched when text first reaches that face in its font stack: the CJK
 * faces' ranges and URLs weigh 25 to 40 kB each gzipped (SC, JP, KR; a Latin face's, under
 * 1 kB), so they come only with text that gets that far.
 */
const FACE_MODULES = import.meta.glob<FaceFiles>('./faces/*.ts', { import: 'default' })

/** Fetches one face's files; a face meme-core lists needs a module named after its id. */
export async function faceFiles(face: FontFaceSpec): Promise<FaceFiles> {
  const load = FACE_MODULES[`./faces/${face.id}.ts`]
  if (!load) throw new Error(`No fonts/faces/${face.id}.ts for ${face.family}`)
  return load()
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

/**
 * The files of one face in the order `unicode.json` lists them, which is the order the
 * server looks through them: numbered subsets are listed as `[12]` and named `…-12-…`.
 */
export function fontSubsets(face: FontFaceSpec, { ranges, files }: FaceFiles): FontSubset[] {
  const fileUrl = (path: string) => {
    const url = files[`/node_modules/${face.package}/${path}`]
    // A file meme-core names that the face's module does not glob (another weight?).
    if (!url) throw new Error(`No font file ${face.package}/${path} in the build`)
    return url
  }
  const subset = (url: string, unicodeRange: string): FontSubset => ({
    family: face.family,
    url,
    unicodeRange,
    ranges: parseUnicodeRange(unicodeRange),
  })
  if (face.file) return [subset(fileUrl(face.file.path), face.file.unicodeRange)]
  if (!ranges) throw new Error(`No unicode.json for ${face.package}`)
  return Object.entries(ranges).map(([name, unicodeRange]) =>
    subset(
      fileUrl(`files/${face.id}-${name.replace(/^\[(\d+)\]$/, '$1')}-${face.weight}-normal.woff2`),
      unicodeRange,
    ),
  )
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
 * Declares caption faces to the page as text needs them, fetching only the files it needs.
 * A face is declared whole once a character of the text reaches it in its font stack: one
 * FontFace per file, all at normal weight (the 700 files too, as the server declares them,
 * so the browser never makes them bolder). `display: block` keeps a half-loaded caption
 * from showing in a stand-in font.
 *
 * `load` fetches, for each character, the first file of the caption's font stack whose
 * range covers it: the rule the server uses to choose the files it registers. Asking
 * `document.fonts.load(font, text)` instead would fetch every face in the stack whose
 * range touches the text — in Chromium, seventeen CJK subsets for plain Latin text, since
 * those subsets list Latin letters too. A face's files are fetched only when a character
 * gets that far down the stack, so Latin text in Anton never fetches the CJK faces' tables.
 */
export function registerCaptionFonts(
  fonts: Pick<FontFaceSet, 'add'>,
  FontFaceClass: typeof FontFace,
  loadFiles: (face: FontFaceSpec) => Promise<FaceFiles> = faceFiles,
): CaptionFonts {
  const families = new Map<string, Promise<RegisteredSubset[]>>()

  function declared(spec: FontFaceSpec): Promise<RegisteredSubset[]> {
    const known = families.get(spec.family)
    if (known) return known
    const declaring = loadFiles(spec).then((files) => {
      const registered = fontSubsets(spec, files).map((subset) => ({
        subset,
        face: new FontFaceClass(subset.family, `url("${subset.url}")`, {
          weight: '400',
          style: 'normal',
          unicodeRange: subset.unicodeRange,
          display: 'block',
        }),
      }))
      // Where ranges overlap, browsers try the face added last first: add them in reverse so
      // they pick the one listed first, as the server does.
      for (const { face } of [...registered].reverse()) fonts.add(face)
      return registered
    })
    // A chunk that failed to arrive (offline) is asked for again by the next draw.
    declaring.catch(() => families.delete(spec.family))
    families.set(spec.family, declaring)
    return declaring
  }

  async function facesFor(caption: Caption): Promise<FontFace[]> {
    const text = captionText(caption)
    const stack = fontStack(caption.font ?? CAPTION_DEFAULTS.font, text)
    let left = [...new Set(Array.from(text, (char) => char.codePointAt(0) ?? 0))]
    const needed: FontFace[] = []
    for (const spec of stack) {
      if (left.length === 0) break
      let subsets: RegisteredSubset[]
      try {
        subsets = await declared(spec)
      } catch {
        // Without this face's files the rest of the text is left to the browser's fonts.
        break
      }
      left = left.filter((codePoint) => {
        const found = subsets.find(({ subset }) => covers(subset, codePoint))
        if (found) needed.push(found.face)
        return !found
      })
    }
    return needed
  }

  return {
    async load(captions) {
      const needed = new Set((await Promise.all(captions.map(facesFor))).flat())
      // A file that fails to load leaves its letters to a system font: the preview still
      // shows where the text goes.
      await Promise.all([...needed].map((face) => face.load().catch(() => undefined)))
    },
  }
}

let pageFonts: CaptionFonts | undefined

/** The page's caption fonts, declared as text needs them. A no-op where the page has no FontFace. */
export function captionFonts(): CaptionFonts {
  if (pageFonts) return pageFonts
  pageFonts =
    typeof FontFace === 'function' && typeof document !== 'undefined' && document.fonts
      ? registerCaptionFonts(document.fonts, FontFace)
      : { load: async () => undefined }
  return pageFonts
}
