import { describe, expect, it } from 'vitest'
import type { CAPTION_FONTS } from '../caption-fonts.ts'
import { ALL_FONT_FACES, captionFont, fontStack, textDirection } from '../caption-fonts.ts'

const families = (text: string, font: keyof typeof CAPTION_FONTS = 'anton') =>
  fontStack(font, text).map((f) => f.family)

describe('fontStack', () => {
  it('starts with the chosen face and falls back to sans, emoji, then other scripts', () => {
    expect(families('hello')).toEqual([
      'Meme Anton',
      'Meme Sans',
      'Meme Emoji',
      'Meme Arabic',
      'Meme Hebrew',
      'Meme SC',
      'Meme JP',
      'Meme KR',
    ])
  })

  it('does not list the sans twice when it is the chosen face', () => {
    expect(families('hello', 'sans').filter((f) => f === 'Meme Sans')).toHaveLength(1)
  })

  it('puts the Japanese face first for text with kana, Korean for hangul', () => {
    expect(families('日本語です').slice(5)).toEqual(['Meme JP', 'Meme SC', 'Meme KR'])
    expect(families('한국어 漢字').slice(5)).toEqual(['Meme KR', 'Meme SC', 'Meme JP'])
    expect(families('汉字').slice(5)).toEqual(['Meme SC', 'Meme JP', 'Meme KR'])
  })

  it('names each face once in the list of all faces, with its package', () => {
    const names = ALL_FONT_FACES.map((f) => f.family)
    expect(new Set(names).size).toBe(names.length)
    for (const face of ALL_FONT_FACES) {
      expect(face.package).toBe(face.file ? 'twemoji-colr-font' : `@fontsource/${face.id}`)
    }
  })
})

describe('captionFont', () => {
  it('is a canvas font shorthand with the whole stack, quoted', () => {
    expect(captionFont('hand', 42, 'hi')).toBe(
      '42px "Meme Hand", "Meme Sans", "Meme Emoji", "Meme Arabic", "Meme Hebrew", "Meme SC", "Meme JP", "Meme KR"',
    )
  })
})

describe('textDirection', () => {
  it.each([
    ['hello', 'ltr'],
    ['שלום', 'rtl'],
    ['مرحبا', 'rtl'],
    ['123 !! שלום', 'rtl'],
    ['😂 hello', 'ltr'],
    ['', 'ltr'],
  ] as const)('%s is %s', (text, direction) => {
    expect(textDirection(text)).toBe(direction)
  })
})
