import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createCanvas, GlobalFonts } from '@napi-rs/canvas'
import { describe, expect, it } from 'vitest'
import { captionText, layoutCaption, wrapWords, type MeasureText } from '../caption-layout.ts'
import { MEME_FONT } from '../caption-model.ts'

/** A monospace stand-in: every character is 0.5 em wide. Easy to reason about. */
const mono: MeasureText = (text, font) => text.length * 0.5 * Number.parseFloat(font)

const image = { width: 1000, height: 800 }
const maxLineWidth = (layout: ReturnType<typeof layoutCaption>, measure: MeasureText) =>
  Math.max(...layout.lines.map((l) => measure(l.text, layout.font)))

describe('captionText', () => {
  it('upper-cases by default and trims', () => {
    expect(captionText({ text: '  straße ok  ' })).toBe('STRASSE OK')
    expect(captionText({ text: ' Keep Me ', uppercase: false })).toBe('Keep Me')
  })
})

describe('wrapWords', () => {
  const measure = (s: string) => s.length

  it('fills lines greedily', () => {
    expect(wrapWords('aa bb cc dd', 5, measure, false)).toEqual(['aa bb', 'cc dd'])
  })

  it('collapses runs of spaces', () => {
    expect(wrapWords('  aa    bb  ', 10, measure, false)).toEqual(['aa bb'])
  })

  it('gives up on a word wider than the line unless breaking is allowed', () => {
    expect(wrapWords('a abcdefgh b', 4, measure, false)).toBeUndefined()
    expect(wrapWords('a abcdefgh b', 4, measure, true)).toEqual(['a', 'abcd', 'efgh', 'b'])
  })

  it('never breaks inside a grapheme: emoji and accents stay whole', () => {
    const lines = wrapWords('👍🏽👍🏽👍🏽', 4, (s) => s.length, true) ?? []
    // '👍🏽' is 4 UTF-16 units: one per line, none split.
    expect(lines).toEqual(['👍🏽', '👍🏽', '👍🏽'])
  })
})

describe('layoutCaption', () => {
  it('centres a short caption at its point with the automatic size', () => {
    const layout = layoutCaption({ text: 'hello', x: 0.5, y: 0.5 }, image, mono)
    expect(layout.fontSize).toBe(96) // 12% of the shorter side, 800
    expect(layout.lines.map((l) => l.text)).toEqual(['HELLO'])
    expect(layout.lines[0]?.x).toBe(500)
    expect(layout.align).toBe('center')
    expect(layout.fill).toBe('#ffffff')
    expect(layout.stroke).toBe('#000000')
    expect(layout.strokeWidth).toBeCloseTo(9.6)
    // Capitals centred on y: the baseline sits half a cap height below the centre.
    expect(layout.lines[0]?.y).toBeCloseTo(400 + (96 * MEME_FONT.capHeight) / 2)
    expect(layout.overflows).toBe(false)
  })

  it('keeps case when uppercase is off', () => {
    const layout = layoutCaption({ text: 'Hello', x: 0.5, y: 0.5, uppercase: false }, image, mono)
    expect(layout.lines[0]?.text).toBe('Hello')
  })

  it('wraps words to the box width', () => {
    const text = 'when the code works on the first try and nobody believes you'
    const layout = layoutCaption({ text, x: 0.5, y: 0.5, width: 0.6 }, image, mono)
    expect(layout.lines.length).toBeGreaterThan(1)
    expect(maxLineWidth(layout, mono)).toBeLessThanOrEqual(600)
    expect(layout.lines.map((l) => l.text).join(' ')).toBe(text.toUpperCase())
  })

  it('shrinks the font until the lines fit the height', () => {
    const short = layoutCaption({ text: 'top', x: 0.5, y: 0.15 }, image, mono)
    const long = layoutCaption({ text: 'word '.repeat(60), x: 0.5, y: 0.15 }, image, mono)
    expect(long.fontSize).toBeLessThan(short.fontSize)
    const height = long.lines.length * long.fontSize * MEME_FONT.lineHeight
    expect(height).toBeLessThanOrEqual(long.box.height)
    expect(long.box.height).toBeCloseTo(0.3 * 800) // twice the room above y = 0.15
    expect(long.overflows).toBe(false)
    // The largest size that fits: one pixel more needs more height than the box has.
    const bigger = long.fontSize + 1
    const lines = wrapWords(
      'WORD '.repeat(60),
      1000 * 0.9 - bigger * 0.1,
      (t) => mono(t, `${bigger}px`),
      false,
    )
    expect((lines?.length ?? 0) * bigger * MEME_FONT.lineHeight).toBeGreaterThan(long.box.height)
  })

  it('breaks a word longer than the box rather than overflowing', () => {
    const layout = layoutCaption(
      { text: 'Supercalifragilisticexpialidocious'.repeat(3), x: 0.5, y: 0.5, width: 0.3 },
      image,
      mono,
    )
    expect(layout.lines.length).toBeGreaterThan(1)
    expect(maxLineWidth(layout, mono)).toBeLessThanOrEqual(300)
  })

  it('prefers a smaller size over breaking a word that fits smaller', () => {
    const layout = layoutCaption({ text: 'incomprehensibilities', x: 0.5, y: 0.5 }, image, mono)
    expect(layout.lines).toHaveLength(1)
  })

  it('multiplies the size by scale, and still fits', () => {
    const base = layoutCaption({ text: 'hi', x: 0.5, y: 0.5 }, image, mono)
    const half = layoutCaption({ text: 'hi', x: 0.5, y: 0.5, scale: 0.5 }, image, mono)
    const huge = layoutCaption({ text: 'a b c d e f g', x: 0.5, y: 0.5, scale: 4 }, image, mono)
    expect(half.fontSize).toBe(base.fontSize / 2)
    expect(huge.fontSize).toBeGreaterThan(base.fontSize)
    expect(huge.lines.length * huge.fontSize * MEME_FONT.lineHeight).toBeLessThanOrEqual(
      huge.box.height,
    )
  })

  it.each([
    ['left', 50 + 4.8],
    ['center', 500],
    ['right', 950 - 4.8],
  ] as const)('anchors %s-aligned lines inside the box', (align, x) => {
    const layout = layoutCaption({ text: 'hi', x: 0.5, y: 0.5, align }, image, mono)
    expect(layout.align).toBe(align)
    expect(layout.lines[0]?.x).toBeCloseTo(x)
  })

  it('marks text that cannot fit even at the smallest size', () => {
    const layout = layoutCaption(
      { text: 'x '.repeat(250), x: 0.5, y: 0.02, width: 0.05 },
      image,
      mono,
    )
    expect(layout.overflows).toBe(true)
    expect(layout.fontSize).toBe(16) // 2% of 800
  })

  it('is deterministic', () => {
    const caption = { text: 'same input, same output', x: 0.3, y: 0.7, width: 0.4 }
    expect(layoutCaption(caption, image, mono)).toEqual(layoutCaption(caption, image, mono))
  })
})

describe('layoutCaption with Anton, as the server renders it', () => {
  const require = createRequire(import.meta.url)
  const files = join(dirname(require.resolve('@fontsource/anton')), 'files')
  GlobalFonts.registerFromPath(join(files, 'anton-latin-400-normal.woff2'), MEME_FONT.family)
  const ctx = createCanvas(1, 1).getContext('2d')
  const anton: MeasureText = (text, font) => {
    ctx.font = font
    return ctx.measureText(text).width
  }

  it('measures with the real face: condensed capitals fit where a sans would not', () => {
    const text = 'ONE DOES NOT SIMPLY'
    const layout = layoutCaption({ text, x: 0.5, y: 0.15 }, { width: 1024, height: 768 }, anton)
    expect(layout.lines).toEqual([expect.objectContaining({ text })])
    expect(anton(text, layout.font)).toBeLessThanOrEqual(0.9 * 1024)
  })

  it('keeps every wrapped line inside the box', () => {
    const text = 'WHEN YOU FINALLY FIX THE BUG AND THREE NEW ONES APPEAR IN PRODUCTION'
    const layout = layoutCaption(
      { text, x: 0.5, y: 0.85, width: 0.7 },
      { width: 800, height: 600 },
      anton,
    )
    expect(layout.lines.length).toBeGreaterThan(1)
    expect(maxLineWidth(layout, anton)).toBeLessThanOrEqual(0.7 * 800)
  })
})
