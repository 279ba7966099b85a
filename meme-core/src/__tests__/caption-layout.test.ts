import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createCanvas, GlobalFonts } from '@napi-rs/canvas'
import { describe, expect, it, vi } from 'vitest'
import { CAPTION_FONTS } from '../caption-fonts.ts'
import {
  captionBounds,
  captionText,
  layoutCaption,
  tokenize,
  wrapLines,
  wrapWords,
  type CaptionLayout,
  type MeasureText,
} from '../caption-layout.ts'

const ANTON = CAPTION_FONTS.anton

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
    expect(layout.box).toEqual({ x: 500, y: 400, width: 900, height: 400, rotation: 0 })
    expect(layout.lines[0]?.x).toBe(0)
    expect(layout.direction).toBe('ltr')
    expect(layout.shadow).toBeUndefined()
    expect(layout.align).toBe('center')
    expect(layout.fill).toBe('#ffffff')
    expect(layout.stroke).toBe('#000000')
    expect(layout.strokeWidth).toBeCloseTo(9.6)
    // Capitals centred on y: the baseline sits half a cap height below the centre.
    expect(layout.lines[0]?.y).toBeCloseTo((96 * ANTON.capHeight) / 2)
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
    const height = long.lines.length * long.fontSize * ANTON.lineHeight
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
    expect((lines?.length ?? 0) * bigger * ANTON.lineHeight).toBeGreaterThan(long.box.height)
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
    expect(huge.lines.length * huge.fontSize * ANTON.lineHeight).toBeLessThanOrEqual(
      huge.box.height,
    )
  })

  it.each([
    ['left', -450 + 4.8],
    ['center', 0],
    ['right', 450 - 4.8],
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
  GlobalFonts.registerFromPath(join(files, 'anton-latin-400-normal.woff2'), ANTON.family)
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

describe('tokenize: where lines may break', () => {
  const pieces = (text: string) => tokenize(text).map((t) => (t.space ? ` ${t.text}` : t.text))

  it('breaks Latin, Cyrillic and Greek at spaces only', () => {
    expect(pieces('Привет мир Γειά')).toEqual([' Привет', ' мир', ' Γειά'])
  })

  it('breaks Chinese and Japanese between characters, with no space put back', () => {
    expect(pieces('你好世界')).toEqual([' 你', '好', '世', '界'])
    expect(pieces('日本語かな')).toEqual([' 日', '本', '語', 'か', 'な'])
  })

  it('keeps closing punctuation and small kana off the start of a line (kinsoku)', () => {
    expect(pieces('はい。ちょっと')).toEqual([' は', 'い。', 'ちょっ', 'と'])
  })

  it('keeps opening brackets with what follows', () => {
    expect(pieces('「猫」です')).toEqual([' 「猫」', 'で', 'す'])
  })

  it('lets Latin and CJK break where they meet', () => {
    expect(pieces('OK世界abc')).toEqual([' OK', '世', '界', 'abc'])
  })

  it('keeps Arabic and Hebrew words whole', () => {
    expect(pieces('مرحبا بالعالم')).toEqual([' مرحبا', ' بالعالم'])
    expect(pieces('שלום עולם')).toEqual([' שלום', ' עולם'])
  })
})

describe('wrapWords across scripts', () => {
  const measure = (s: string) => [...s].length

  it('wraps Chinese text with no spaces at any character', () => {
    expect(wrapWords('我们今天去公园散步', 4, measure, false)).toEqual([
      '我们今天',
      '去公园散',
      '步',
    ])
  })

  it('puts the space back only between space-separated words', () => {
    expect(wrapWords('hello 世界 ok', 20, measure, false)).toEqual(['hello 世界 ok'])
  })
})

describe('layoutCaption: boxes and style', () => {
  const at = (caption: Partial<Parameters<typeof layoutCaption>[0]>) =>
    layoutCaption({ text: 'hello world', x: 0.5, y: 0.5, ...caption }, image, mono)

  it('uses an explicit box height and rotation', () => {
    const layout = at({ x: 0.25, y: 0.75, width: 0.4, height: 0.1, rotation: -30 })
    expect(layout.box).toEqual({ x: 250, y: 600, width: 400, height: 80, rotation: -30 })
    expect(layout.lines.length * layout.fontSize * ANTON.lineHeight).toBeLessThanOrEqual(80)
  })

  it('sets the text in the chosen face with its own metrics', () => {
    const layout = at({ font: 'serif', uppercase: false })
    expect(layout.font).toMatch(/^\d+px "Meme Serif", "Meme Sans", "Meme Emoji"/)
    expect(layout.lines[0]?.y).toBeCloseTo((layout.fontSize * CAPTION_FONTS.serif.capHeight) / 2)
  })

  it('draws no outline at stroke width 0, and scales a given one with the size', () => {
    expect(at({ strokeWidth: 0 }).strokeWidth).toBe(0)
    const thick = at({ strokeWidth: 0.2 })
    expect(thick.strokeWidth).toBeCloseTo(thick.fontSize * 0.2)
  })

  it('adds a shadow proportional to the size when asked', () => {
    const layout = at({ shadow: true })
    expect(layout.shadow).toEqual({
      color: 'rgba(0, 0, 0, 0.6)',
      blur: layout.fontSize * 0.12,
      offsetX: layout.fontSize * 0.04,
      offsetY: layout.fontSize * 0.04,
    })
  })

  it('sets right-to-left text right to left', () => {
    expect(at({ text: 'שלום עולם' }).direction).toBe('rtl')
    expect(at({ text: 'مرحبا hello' }).direction).toBe('rtl')
    expect(at({ text: '123 hello שלום' }).direction).toBe('ltr')
  })

  it('refuses to go below the minimum size: a tiny box overflows instead', () => {
    const layout = at({ text: 'a perfectly ordinary caption', width: 0.1, height: 0.03 })
    expect(layout.overflows).toBe(true)
    expect(layout.fontSize).toBe(16)
  })

  it('has nothing to overflow when the text is only spaces', () => {
    const layout = at({ text: '   ' })
    expect(layout.lines).toEqual([])
    expect(layout.overflows).toBe(false)
  })
})

describe('captionBounds', () => {
  const layout = (caption: Partial<Parameters<typeof layoutCaption>[0]>): CaptionLayout =>
    layoutCaption(
      { text: 'hello', x: 0.5, y: 0.5, width: 0.4, height: 0.1, ...caption },
      image,
      mono,
    )

  it('covers the box with a margin for overhang and outline, in whole pixels', () => {
    const l = layout({})
    const bounds = captionBounds(l, image)
    const margin = l.fontSize * 0.5 + l.strokeWidth / 2
    expect(bounds.left).toBe(Math.floor(500 - 200 - margin))
    expect(bounds.width).toBe(Math.ceil(500 + 200 + margin) - bounds.left)
    expect(bounds.top).toBeLessThanOrEqual(400 - 40 - margin)
    expect(Number.isInteger(bounds.height)).toBe(true)
  })

  it('turns with the box: a quarter turn swaps width and height', () => {
    const flat = captionBounds(layout({}), image)
    const turned = captionBounds(layout({ rotation: 90 }), image)
    expect(turned.width).toBeCloseTo(flat.height, -1)
    expect(turned.height).toBeCloseTo(flat.width, -1)
  })

  it('grows for a shadow', () => {
    expect(captionBounds(layout({ shadow: true }), image).width).toBeGreaterThan(
      captionBounds(layout({}), image).width,
    )
  })

  it('is clipped to the picture, and empty when there is nothing to draw', () => {
    const corner = captionBounds(layout({ x: 0, y: 0 }), image)
    expect(corner.left).toBe(0)
    expect(corner.top).toBe(0)
    expect(captionBounds(layout({ text: ' ' }), image)).toEqual({
      left: 0,
      top: 0,
      width: 0,
      height: 0,
    })
  })
})

describe('line breaks', () => {
  const measure = (s: string) => s.length
  const texts = (layout: CaptionLayout) => layout.lines.map((l) => l.text)

  it('"A\\nB" gives two lines, one above the other', () => {
    const layout = layoutCaption({ text: 'A\nB', x: 0.5, y: 0.5 }, image, mono)
    expect(texts(layout)).toEqual(['A', 'B'])
    const lineHeight = layout.fontSize * ANTON.lineHeight
    expect(layout.lines[1]!.y - layout.lines[0]!.y).toBeCloseTo(lineHeight)
    // The block stays centred on the box: the baselines sit half a line either side of the
    // centre, both moved down by the same half cap height that centres the capitals.
    expect(layout.lines[0]!.y + layout.lines[1]!.y).toBeCloseTo(layout.fontSize * ANTON.capHeight)
  })

  it('wraps within each line and never joins two lines', () => {
    expect(wrapLines('aa bb cc\ndd', 5, measure, false)).toEqual(['aa bb', 'cc', 'dd'])
    expect(wrapLines('a\nb', 10, measure, false)).toEqual(['a', 'b'])
  })

  it('keeps an empty line as a line of its own; spaces alone make an empty line', () => {
    expect(wrapLines('a\n\nb', 10, measure, false)).toEqual(['a', '', 'b'])
    expect(wrapLines('a\n   \nb', 10, measure, false)).toEqual(['a', '', 'b'])
    const layout = layoutCaption({ text: 'A\n\nB', x: 0.5, y: 0.5 }, image, mono)
    expect(texts(layout)).toEqual(['A', '', 'B'])
    const lineHeight = layout.fontSize * ANTON.lineHeight
    expect(layout.lines[2]!.y - layout.lines[0]!.y).toBeCloseTo(2 * lineHeight)
  })

  it('drops blank lines before and after the text; only line breaks draw nothing', () => {
    expect(captionText({ text: '\n\ntop\n\n' })).toBe('TOP')
    expect(texts(layoutCaption({ text: '\n\nA\n', x: 0.5, y: 0.5 }, image, mono))).toEqual(['A'])
    const blank = layoutCaption({ text: '\n\n', x: 0.5, y: 0.5 }, image, mono)
    expect(blank.lines).toEqual([])
    expect(blank.overflows).toBe(false)
    expect(wrapLines('\n\n', 10, measure, true)).toEqual([])
  })

  it('reads \\r\\n as \\n', () => {
    expect(captionText({ text: 'a\r\nb' })).toBe('A\nB')
    const crlf = layoutCaption({ text: 'one\r\n\r\ntwo', x: 0.5, y: 0.5 }, image, mono)
    const lf = layoutCaption({ text: 'one\n\ntwo', x: 0.5, y: 0.5 }, image, mono)
    expect(crlf).toEqual(lf)
    expect(texts(crlf)).toEqual(['ONE', '', 'TWO'])
  })

  it('fits the whole block, empty lines included: more lines, a smaller size', () => {
    const box = { x: 0.5, y: 0.5, height: 0.2 }
    const one = layoutCaption({ text: 'A', ...box }, image, mono)
    const five = layoutCaption({ text: 'A\n\n\n\nB', ...box }, image, mono)
    expect(five.lines).toHaveLength(5)
    expect(five.fontSize).toBeLessThan(one.fontSize)
    expect(five.lines.length * five.fontSize * ANTON.lineHeight).toBeLessThanOrEqual(160)
    expect(five.overflows).toBe(false)
  })

  it('overflows when the lines do not fit even at the smallest size', () => {
    const layout = layoutCaption(
      { text: 'A' + '\n'.repeat(200) + 'B', x: 0.5, y: 0.5, height: 0.1 },
      image,
      mono,
    )
    expect(layout.overflows).toBe(true)
    expect(layout.lines).toHaveLength(201)
  })
})

describe('the grapheme segmenter', () => {
  it('is made when text is first split, not when the module loads', async () => {
    let made = 0
    class CountedSegmenter extends Intl.Segmenter {
      constructor(...args: ConstructorParameters<typeof Intl.Segmenter>) {
        super(...args)
        made += 1
      }
    }
    vi.stubGlobal('Intl', Object.create(Intl, { Segmenter: { value: CountedSegmenter } }))
    try {
      vi.resetModules()
      const fresh = await import('../caption-layout.ts')
      fresh.tokenize('')
      expect(made).toBe(0)
      expect(fresh.tokenize('a 你好').map((token) => token.text)).toEqual(['a', '你', '好'])
      fresh.tokenize('b')
      expect(made).toBe(1)
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
