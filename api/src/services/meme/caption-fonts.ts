import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { GlobalFonts } from '@napi-rs/canvas'
import type { FontFaceSpec } from '@meme-studio/meme-core'

const require = createRequire(import.meta.url)

/** One @fontsource subset file and the code points its CSS `unicode-range` covers. */
interface FontSubset {
  file: string
  /** Inclusive [first, last] code point ranges, as unicode.json lists them. */
  ranges: [number, number][]
}

const subsetsByPackage = new Map<string, FontSubset[]>()
const registeredFiles = new Set<string>()

/** CSS `unicode-range`, `U+0000-00FF, U+0131` → [[0x0, 0xff], [0x131, 0x131]]. */
export function parseUnicodeRange(range: string): [number, number][] {
  return range.split(',').map((part) => {
    const [first, last = first] = part.trim().replace(/^U\+/i, '').split('-')
    return [parseInt(first ?? '', 16), parseInt(last ?? '', 16)]
  })
}

/**
 * The files of one face and what each covers, read once. An @fontsource package lists its
 * subsets in `unicode.json` (name → unicode-range); numbered subsets are listed as `[12]`
 * and their files named `…-12-…`. A single-file face names its file and range itself.
 */
function subsetsOf(face: FontFaceSpec): FontSubset[] {
  const cacheKey = `${face.package}/${face.id}@${face.weight}`
  let subsets = subsetsByPackage.get(cacheKey)
  if (subsets) return subsets
  if (face.file) {
    subsets = [
      {
        file: require.resolve(`${face.package}/${face.file.path}`),
        ranges: parseUnicodeRange(face.file.unicodeRange),
      },
    ]
  } else {
    const root = dirname(require.resolve(`${face.package}/unicode.json`))
    const unicode = JSON.parse(readFileSync(join(root, 'unicode.json'), 'utf8')) as Record<
      string,
      string
    >
    subsets = Object.entries(unicode).map(([name, range]) => {
      const subset = name.replace(/^\[(\d+)\]$/, '$1')
      return {
        file: join(root, 'files', `${face.id}-${subset}-${face.weight}-normal.woff2`),
        ranges: parseUnicodeRange(range),
      }
    })
  }
  subsetsByPackage.set(cacheKey, subsets)
  return subsets
}

const covers = (subset: FontSubset, codePoint: number) =>
  subset.ranges.some(([first, last]) => codePoint >= first && codePoint <= last)

/**
 * Registers with Skia, once per process, the subset files `text` needs from the faces of
 * its font stack, under the stack's own family names: for each character, the first face
 * whose unicode-range covers it, as a browser picks among `@font-face` subsets. Only those
 * files are read, so Latin text never loads the 70 MB of CJK faces.
 * @returns the files registered by this call (empty when all were loaded before)
 */
export function loadCaptionFonts(stack: readonly FontFaceSpec[], text: string): string[] {
  const added: string[] = []
  for (const codePoint of new Set(Array.from(text, (char) => char.codePointAt(0) ?? 0))) {
    for (const face of stack) {
      const subset = subsetsOf(face).find((s) => covers(s, codePoint))
      if (!subset) continue
      if (!registeredFiles.has(subset.file)) {
        GlobalFonts.registerFromPath(subset.file, face.family)
        registeredFiles.add(subset.file)
        added.push(subset.file)
      }
      break
    }
  }
  return added
}
