import { describe, expect, it } from 'vitest'
import { memeAltText, memeTitle } from '../meme-alt-text.ts'

const at = (text: string, y: number) => ({ text, y })

describe('memeTitle', () => {
  it('joins the captions top to bottom with " / "', () => {
    expect(memeTitle([at('Bottom text', 0.85), at('Top text', 0.15)])).toBe(
      'Top text / Bottom text',
    )
  })

  it('trims, collapses spaces and skips blank captions', () => {
    expect(memeTitle([at('  one   two ', 0.1), at('   ', 0.5), at('three', 0.9)])).toBe(
      'one two / three',
    )
  })

  it('reads a line break inside a caption as a space', () => {
    expect(memeTitle([at('one\r\ntwo\nthree', 0.5)])).toBe('one two three')
  })

  it('names a meme without words', () => {
    expect(memeTitle([at(' ', 0.5)])).toBe('A meme')
  })

  it('caps the title at 120 characters with an ellipsis', () => {
    const title = memeTitle([at('a'.repeat(200), 0.5)])
    expect(title).toBe(`${'a'.repeat(119)}…`)
  })

  it('never cuts an emoji in half', () => {
    const family = '👨‍👩‍👧‍👦'
    const title = memeTitle([at(`${'a'.repeat(118)}${family.repeat(3)}`, 0.5)])
    expect(title).toBe(`${'a'.repeat(118)}${family}…`)
  })

  it('keeps a title of exactly 120 characters whole', () => {
    expect(memeTitle([at('b'.repeat(120), 0.5)])).toBe('b'.repeat(120))
  })
})

describe('memeAltText', () => {
  it('quotes each caption of the title, top to bottom', () => {
    expect(memeAltText(memeTitle([at('Bottom text', 0.85), at('Top text', 0.15)]))).toBe(
      'Meme: “Top text” / “Bottom text”',
    )
    expect(memeAltText('Hi')).toBe('Meme: “Hi”')
  })

  it('says so when there are no words', () => {
    expect(memeAltText(memeTitle([at('  ', 0.5)]))).toBe('A meme without captions')
  })
})
