import notoSansScRanges from '@fontsource/noto-sans-sc/unicode.json'
import { ALL_FONT_FACES, type Caption } from '@meme-studio/meme-core'
import { describe, expect, it, vi } from 'vitest'
import {
  faceFiles,
  fontSubsets,
  parseUnicodeRange,
  registerCaptionFonts,
  type FaceFiles,
} from '../caption-fonts.ts'

/** Records what the module declares and loads, where happy-dom has no FontFace. */
class FakeFontFace {
  status = 'unloaded'
  readonly load = vi.fn(async () => {
    this.status = 'loaded'
    return this
  })

  constructor(
    readonly family: string,
    readonly source: string,
    readonly descriptors: FontFaceDescriptors,
  ) {}
}

function declare() {
  const added: FakeFontFace[] = []
  const fonts = { add: (face: FakeFontFace) => added.push(face) }
  /** The faces whose files (ranges and URLs) were fetched, in the order asked. */
  const fetched: string[] = []
  const captionFonts = registerCaptionFonts(
    fonts as unknown as FontFaceSet,
    FakeFontFace as unknown as typeof FontFace,
    (face) => {
      fetched.push(face.family)
      return faceFiles(face)
    },
  )
  const loaded = () =>
    added
      .filter((face) => face.load.mock.calls.length > 0)
      .map((face) => `${face.family} ${face.source.match(/([^/]+)\.woff2/)?.[1]}`)
  return { added, captionFonts, fetched, loaded }
}

/** Every face's files, as the build has them. */
const everyFace = () =>
  Promise.all(ALL_FONT_FACES.map(async (face) => [face, await faceFiles(face)] as const))

/** Text that reaches every face of the stack: a code point none of them covers. */
const UNCOVERED = '\u{10FFFD}'

const caption = (text: string, style: Partial<Caption> = {}): Caption => ({
  text,
  x: 0.5,
  y: 0.5,
  ...style,
})

describe('registerCaptionFonts', () => {
  it('declares and fetches nothing before there is text', async () => {
    const { added, captionFonts, fetched } = declare()
    await captionFonts.load([caption(''), caption('', { font: 'serif' })])
    expect(fetched).toEqual([])
    expect(added).toEqual([])
  })

  it('declares a face whole once text reaches it: one face per subset file, all at normal weight', async () => {
    const { added, captionFonts } = declare()
    // A code point no face has goes down the whole stack of each picked face.
    await captionFonts.load(
      (['anton', 'serif', 'hand'] as const).map((font) => caption(UNCOVERED, { font })),
    )
    for (const [spec, files] of await everyFace()) {
      const faces = added.filter((face) => face.family === spec.family)
      expect(faces, spec.family).toHaveLength(fontSubsets(spec, files).length)
    }
    expect(added.length).toBeGreaterThan(300)
    for (const face of added) {
      expect(face.descriptors).toEqual({
        weight: '400',
        style: 'normal',
        unicodeRange: expect.stringMatching(/^U\+/i),
        display: 'block',
      })
      expect(face.load).not.toHaveBeenCalled()
    }
  })

  it('gives each subset of a package its own file and unicode-range, 700 files as 400', async () => {
    const { added, captionFonts } = declare()
    await captionFonts.load([caption(UNCOVERED)])
    const chinese = added.filter((face) => face.family === 'Meme SC')
    expect(chinese).toHaveLength(Object.keys(notoSansScRanges).length)
    for (const [subset, range] of Object.entries(notoSansScRanges)) {
      const file = `noto-sans-sc-${subset.replace(/^\[(\d+)\]$/, '$1')}-700-normal.woff2`
      const face = chinese.find((candidate) => candidate.source.includes(`/${file}`))
      expect(face, file).toBeDefined()
      expect(face?.descriptors.unicodeRange).toBe(range)
      expect(face?.source).toMatch(/^url\(".+"\)$/)
    }
    const emoji = added.filter((face) => face.family === 'Meme Emoji')
    expect(emoji).toHaveLength(1)
    expect(emoji[0]?.source).toContain('twemoji.woff2')
  })

  it('adds overlapping subsets so that the browser tries the first listed first, as the server does', async () => {
    const { added, captionFonts } = declare()
    await captionFonts.load([caption('a')])
    const anton = added.filter((face) => face.family === 'Meme Anton').map((face) => face.source)
    // unicode.json lists vietnamese, latin-ext, latin; browsers try the face added last first.
    expect(anton.map((source) => source.match(/anton-([a-z-]+)-400/)?.[1])).toEqual([
      'latin',
      'latin-ext',
      'vietnamese',
    ])
  })

  it("fetches only the Latin file for Latin text, and no other face's ranges or files", async () => {
    const { added, captionFonts, fetched, loaded } = declare()
    await captionFonts.load([caption('When the tests pass 100%!'), caption('  ')])
    expect(loaded()).toEqual(['Meme Anton anton-latin-400-normal'])
    expect(fetched).toEqual(['Meme Anton'])
    expect(new Set(added.map((face) => face.family))).toEqual(new Set(['Meme Anton']))
  })

  it('fetches, per character, the first face of the stack that has it', async () => {
    const { captionFonts, fetched, loaded } = declare()
    await captionFonts.load([
      caption('你好 😂', { font: 'serif' }),
      caption('ok مرحبا', { font: 'hand', uppercase: false }),
    ])
    const files = loaded()
    expect(files).toContain('Meme Serif noto-serif-latin-700-normal')
    expect(files).toContain('Meme Emoji twemoji')
    expect(files).toContain('Meme Hand caveat-latin-700-normal')
    expect(files.some((file) => file.startsWith('Meme SC noto-sans-sc-'))).toBe(true)
    expect(files.some((file) => file.startsWith('Meme Arabic noto-sans-arabic-arabic'))).toBe(true)
    // Kana-less Han is set in the Chinese face: the Japanese and Korean ones stay unfetched,
    // their ranges too.
    expect(files.some((file) => /Meme (JP|KR)/.test(file))).toBe(false)
    expect(fetched).not.toContain('Meme JP')
    expect(fetched).not.toContain('Meme KR')
    expect(files.some((file) => file.startsWith('Meme Anton'))).toBe(false)
  })

  it('fetches text as drawn: upper-cased by default', async () => {
    const { captionFonts, loaded } = declare()
    // "ß" upper-cases to "SS": nothing beyond Latin is needed.
    await captionFonts.load([caption('straße')])
    expect(loaded()).toEqual(['Meme Anton anton-latin-400-normal'])
  })

  it('asks again for a face whose files did not arrive, and leaves its letters meanwhile', async () => {
    const added: FakeFontFace[] = []
    let refuse = true
    const captionFonts = registerCaptionFonts(
      { add: (face: FakeFontFace) => added.push(face) } as unknown as FontFaceSet,
      FakeFontFace as unknown as typeof FontFace,
      async (face): Promise<FaceFiles> => {
        if (face.family === 'Meme Sans' && refuse) throw new TypeError('Failed to fetch')
        return faceFiles(face)
      },
    )
    // Cyrillic: not in Anton, in Noto Sans.
    const text = [caption('ДА')]
    await expect(captionFonts.load(text)).resolves.toBeUndefined()
    expect(added.some((face) => face.family === 'Meme Sans')).toBe(false)

    refuse = false
    await captionFonts.load(text)
    const loaded = added.filter((face) => face.load.mock.calls.length > 0)
    expect(loaded.map((face) => face.source.match(/([^/]+)\.woff2/)?.[1])).toEqual([
      'noto-sans-cyrillic-700-normal',
    ])
  })
})

describe('parseUnicodeRange', () => {
  it('reads single code points and ranges', () => {
    expect(parseUnicodeRange('U+0000-00FF, U+0131,U+1F600-1F64F')).toEqual([
      [0, 0xff],
      [0x131, 0x131],
      [0x1f600, 0x1f64f],
    ])
  })
})
