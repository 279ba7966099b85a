import notoSansScRanges from '@fontsource/noto-sans-sc/unicode.json'
import { ALL_FONT_FACES, type Caption } from '@meme-studio/meme-core'
import { describe, expect, it, vi } from 'vitest'
import { fontSubsets, parseUnicodeRange, registerCaptionFonts } from '../caption-fonts.ts'

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
  const captionFonts = registerCaptionFonts(
    fonts as unknown as FontFaceSet,
    FakeFontFace as unknown as typeof FontFace,
  )
  const loaded = () =>
    added
      .filter((face) => face.load.mock.calls.length > 0)
      .map((face) => `${face.family} ${face.source.match(/([^/]+)\.woff2/)?.[1]}`)
  return { added, captionFonts, loaded }
}

const caption = (text: string, style: Partial<Caption> = {}): Caption => ({
  text,
  x: 0.5,
  y: 0.5,
  ...style,
})

describe('registerCaptionFonts', () => {
  it('declares one face per subset file, all at normal weight, none fetched', () => {
    const { added } = declare()
    for (const spec of ALL_FONT_FACES) {
      const faces = added.filter((face) => face.family === spec.family)
      expect(faces, spec.family).toHaveLength(fontSubsets(spec).length)
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

  it('gives each subset of a package its own file and unicode-range, 700 files as 400', () => {
    const { added } = declare()
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

  it('adds overlapping subsets so that the browser tries the first listed first, as the server does', () => {
    const { added } = declare()
    const anton = added.filter((face) => face.family === 'Meme Anton').map((face) => face.source)
    // unicode.json lists vietnamese, latin-ext, latin; browsers try the face added last first.
    expect(anton.map((source) => source.match(/anton-([a-z-]+)-400/)?.[1])).toEqual([
      'latin',
      'latin-ext',
      'vietnamese',
    ])
  })

  it('fetches only the Latin file for Latin text, never CJK or emoji', async () => {
    const { captionFonts, loaded } = declare()
    await captionFonts.load([caption('When the tests pass 100%!'), caption('  ')])
    expect(loaded()).toEqual(['Meme Anton anton-latin-400-normal'])
  })

  it('fetches, per character, the first face of the stack that has it', async () => {
    const { captionFonts, loaded } = declare()
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
    // Kana-less Han is set in the Chinese face: the Japanese and Korean ones stay unfetched.
    expect(files.some((file) => /Meme (JP|KR)/.test(file))).toBe(false)
    expect(files.some((file) => file.startsWith('Meme Anton'))).toBe(false)
  })

  it('fetches text as drawn: upper-cased by default', async () => {
    const { captionFonts, loaded } = declare()
    // "ß" upper-cases to "SS": nothing beyond Latin is needed.
    await captionFonts.load([caption('straße')])
    expect(loaded()).toEqual(['Meme Anton anton-latin-400-normal'])
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
