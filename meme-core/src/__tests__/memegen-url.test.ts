import { describe, expect, it } from 'vitest'
import {
  decodeImageUrlLine,
  encodeImageUrlLine,
  imageUrlPath,
  IMAGE_URL_LIMITS,
  parseImageUrlPath,
  ImageUrlError,
  templateImagePath,
} from '../memegen-url.ts'
import type { Caption } from '../caption-model.ts'

/**
 * memegen's documented example URLs, with our template ids in place of theirs (`buzz`, `ds`…).
 * @see https://github.com/jacebrowning/memegen/blob/aa0fc3af4dd1c669cc35039a7d8efcca7d4eb98a/README.md
 */
const MEMEGEN_README =
  'https://github.com/jacebrowning/memegen/blob/aa0fc3af4dd1c669cc35039a7d8efcca7d4eb98a/README.md'

describe("memegen's documented URLs", () => {
  it.each([
    {
      source: `${MEMEGEN_README}#images`,
      path: 'blank-square-white/memes/memes_everywhere.webp',
      lines: ['memes', 'memes everywhere'],
      format: 'webp',
    },
    {
      source: `${MEMEGEN_README}#available-formats (PNG)`,
      path: 'blank-square-white/small_file/high_quality.png',
      lines: ['small file', 'high quality'],
      format: 'png',
    },
    {
      source: `${MEMEGEN_README}#available-formats (JPEG)`,
      path: 'blank-square-white/high_quality/small_file.jpg',
      lines: ['high quality', 'small file'],
      format: 'jpeg',
    },
    {
      source: `${MEMEGEN_README}#available-formats (WebP, static background)`,
      path: 'blank-square-white/animates_text/in_production.webp',
      lines: ['animates text', 'in production'],
      format: 'webp',
    },
    {
      source: `${MEMEGEN_README}#custom-dimensions`,
      path: 'blank-square-white/width_or_height/why_not_both~q.png',
      lines: ['width or height', 'why not both?'],
      format: 'png',
    },
    {
      source: `${MEMEGEN_README}#alternate-layouts`,
      path: 'blank-square-white/When_you_have_a_really_good_idea.webp',
      lines: ['When you have a really good idea'],
      format: 'webp',
    },
    {
      // The README's example with its emoji alias dropped: aliases are not read here.
      source: `${MEMEGEN_README}#special-characters`,
      path: 'blank-square-white/~hspecial_characters~q/underscore__-dash--.png',
      lines: ['#special characters?', 'underscore_ dash-'],
      format: 'png',
    },
    {
      // The same example's picture URL, with its 👍 percent-escaped.
      source: `${MEMEGEN_README}#special-characters (image source)`,
      path: 'blank-square-white/~hspecial_characters~q/underscore__-dash--_%F0%9F%91%8D.png',
      lines: ['#special characters?', 'underscore_ dash- 👍'],
      format: 'png',
    },
  ])('$source: $path', ({ path, lines, format }) => {
    expect(parseImageUrlPath(path)).toEqual({ template: 'blank-square-white', lines, format })
  })
})

// Each escape in the README's "Special Characters" list, one row each.
describe('decodeImageUrlLine: the escapes of memegen#special-characters', () => {
  it.each([
    ['underscore → space', 'a_b', 'a b'],
    ['dash → space', 'a-b', 'a b'],
    ['2 underscores → underscore', 'a__b', 'a_b'],
    ['2 dashes → dash', 'a--b', 'a-b'],
    ['~n → newline', 'a~nb', 'a\nb'],
    ['~q → ?', 'a~q', 'a?'],
    ['~a → &', 'a~ab', 'a&b'],
    ['~p → %', '100~p', '100%'],
    ['~h → #', '~htag', '#tag'],
    ['~s → /', 'and~sor', 'and/or'],
    ['~b → \\', 'a~bb', 'a\\b'],
    ['~l → <', '~lb~g', '<b>'],
    ["'' → \"", "''quoted''", '"quoted"'],
    ['_ alone → an empty line', '_', ''],
    // memegen reads an odd run with the space first (app/utils/text.py decode, `has_under`).
    ['3 underscores → space, underscore', 'a___b', 'a _b'],
    ['3 dashes → space, dash', 'a---b', 'a -b'],
    ["one ' stays", "don't", "don't"],
    ['~~ → ~ (ours: memegen has no tilde)', '~~', '~'],
    ['percent-escapes are decoded first', 'caf%C3%A9_%7Eq', 'café ?'],
    ['%2F is a slash within the line', 'a%2Fb', 'a/b'],
  ])('%s: %s', (_name, segment, text) => {
    expect(decodeImageUrlLine(segment)).toBe(text)
  })
})

describe('parseImageUrlPath refuses, saying why', () => {
  it.each([
    ['an unknown escape, named', 'custom/a~zb.png', 'unknown escape ~z'],
    ['a lone ~ at the end', 'custom/a~.png', 'lone ~'],
    ['a malformed percent-escape', 'custom/100%.png', 'malformed percent-escape'],
    ['a truncated UTF-8 escape', 'custom/%E2%82.png', 'malformed percent-escape'],
    ['a NUL', 'custom/a%00b.png', 'control character'],
    ['a raw newline', 'custom/a%0Ab.png', 'control character'],
    ['.. as the template', '../x.png', 'template id ".." is not one'],
    ['%2e%2e as the template', '%2e%2e/x.png', 'template id ".." is not one'],
    ['a slash in the template', '%2Fetc/x.png', 'template id "/etc" is not one'],
    ['no extension', 'custom/hello', 'must end in .png'],
    ['GIF', 'custom/hello.gif', 'not .gif'],
    ['11 lines', `custom/${'a/'.repeat(10)}a.png`, 'has 11 lines; at most 10'],
    ['a line of 501 characters', `custom/${'a'.repeat(501)}.png`, 'Line 1 is 501 characters'],
    ['a path over 2000 characters', `custom/${'a/'.repeat(1000)}.png`, 'at most 2000'],
  ])('%s', (_name, path, message) => {
    expect(() => parseImageUrlPath(path)).toThrow(ImageUrlError)
    expect(() => parseImageUrlPath(path)).toThrow(message)
  })

  it('takes 10 lines of 500 characters', () => {
    const line = 'a'.repeat(IMAGE_URL_LIMITS.maxLineLength)
    const lines = Array.from({ length: 10 }, () => line)
    expect(() => parseImageUrlPath(`custom/${lines.slice(0, 3).join('/')}.png`)).not.toThrow()
    expect(parseImageUrlPath('custom.png')).toEqual({
      template: 'custom',
      lines: [],
      format: 'png',
    })
  })
})

describe('encodeImageUrlLine round-trips', () => {
  it.each([
    ['memes everywhere', 'memes_everywhere'],
    ['underscore_ dash-', 'underscore__-dash--'],
    [' _', '___'],
    ['_ ', '__-'],
    ['a  b', 'a_-b'],
    ['a   b', 'a_-_b'],
    ['', '_'],
    [' ', '-'],
    ['#special characters?', '~hspecial_characters~q'],
    ['100% & <b>/\\"x"', '100~p_~a_~lb~g~s~b' + "''x''"],
    ['two\nlines', 'two~nlines'],
    ['~', '~~'],
    ['café 👍', 'caf%C3%A9_%F0%9F%91%8D'],
    ['file.png', 'file.png'],
  ])('%j → %s', (text, segment) => {
    expect(encodeImageUrlLine(text)).toBe(segment)
    expect(decodeImageUrlLine(segment)).toBe(text)
  })

  it.each([
    ["a ' before a \" (''' reads as \"')", '\'"'],
    ['a control character', 'a\u0007b'],
    ['a lone surrogate', 'a\ud800'],
    ['501 characters', 'a'.repeat(501)],
  ])('has no URL line for %s', (_name, text) => {
    expect(encodeImageUrlLine(text)).toBeUndefined()
  })

  it('writes whole paths that parse back, jpeg as .jpg', () => {
    const meme = {
      template: 'blank-square-white',
      lines: ['why not both?', '', 'a/b', '_-_ - _'],
      format: 'jpeg' as const,
    }
    const path = imageUrlPath(meme)
    expect(path).toBe('blank-square-white/why_not_both~q/_/a~sb/__--__---___.jpg')
    expect(parseImageUrlPath(path!)).toEqual(meme)
    expect(imageUrlPath({ ...meme, lines: Array.from({ length: 11 }, () => 'a') })).toBeUndefined()
    expect(imageUrlPath({ ...meme, template: '../x' })).toBeUndefined()
  })
})

describe('templateImagePath: a link only when the URL draws exactly these captions', () => {
  const template = {
    id: 'blank-square-white',
    version: 3,
    boxes: [
      { text: '', x: 0.5, y: 0.12, width: 0.9, height: 0.2 },
      { text: '', x: 0.5, y: 0.88, width: 0.9, height: 0.2, color: '#FFFF00', font: 'sans' },
    ] satisfies Caption[],
  }
  const typed = (top: string, bottom: string): Caption[] => [
    { ...template.boxes[0]!, text: top },
    { ...template.boxes[1]!, text: bottom },
  ]

  it('writes the lines over the template at its version', () => {
    const path = templateImagePath(template, typed('why not', 'both?'), 'png')
    expect(path).toBe('/api/images/blank-square-white/why_not/both~q.png?v=3')
    const [imagePath, query] = path!.slice('/api/images/'.length).split('?')
    expect(parseImageUrlPath(imagePath!)).toEqual({
      template: template.id,
      lines: ['why not', 'both?'],
      format: 'png',
    })
    expect(query).toBe('v=3')
    expect(templateImagePath(template, typed('a', ''), 'jpeg')).toBe(
      '/api/images/blank-square-white/a/_.jpg?v=3',
    )
  })

  it('counts an unset field and its default as the same, and colours in any case', () => {
    const spelledOut: Caption[] = [
      {
        ...template.boxes[0]!,
        text: 'top',
        width: 0.9,
        rotation: 0,
        scale: 1,
        align: 'center',
        font: 'anton',
        color: '#FFFFFF',
        strokeColor: '#000000',
        strokeWidth: 0.1,
        uppercase: true,
        shadow: false,
      },
      { ...template.boxes[1]!, text: 'bottom', color: '#ffff00' },
    ]
    expect(templateImagePath(template, spelledOut, 'webp')).toBe(
      '/api/images/blank-square-white/top/bottom.webp?v=3',
    )
  })

  it.each<[string, (captions: Caption[]) => Caption[]]>([
    ['a box moved', ([a, b]) => [{ ...a!, x: 0.4 }, b!]],
    ['a box resized', ([a, b]) => [{ ...a!, width: 0.5 }, b!]],
    ['a sized box made automatic', ([a, b]) => [a!, { ...b!, height: undefined }]],
    ['a box rotated', ([a, b]) => [{ ...a!, rotation: 5 }, b!]],
    ['a box restyled', ([a, b]) => [a!, { ...b!, color: '#ff0000' }]],
    ['a font changed', ([a, b]) => [a!, { ...b!, font: 'anton' }]],
    ['a default overridden', ([a, b]) => [{ ...a!, uppercase: false }, b!]],
    ['the boxes swapped', ([a, b]) => [b!, a!]],
    ['a box dropped', ([a]) => [a!]],
    ['a box added', ([a, b]) => [a!, b!, { ...a!, y: 0.5 }]],
    ['a text no URL can hold', ([a, b]) => [{ ...a!, text: 'bell\u0007' }, b!]],
    ['a text with \' before "', ([a, b]) => [{ ...a!, text: '\'"' }, b!]],
  ])('gives none for %s', (_name, change) => {
    expect(templateImagePath(template, change(typed('top', 'bottom')), 'png')).toBeUndefined()
  })

  it('gives none for a template id that is not a plain name or a version that is not one', () => {
    const captions = typed('top', 'bottom')
    expect(templateImagePath({ ...template, id: '../x' }, captions, 'png')).toBeUndefined()
    expect(templateImagePath({ ...template, version: 0 }, captions, 'png')).toBeUndefined()
    expect(templateImagePath({ ...template, version: 1.5 }, captions, 'png')).toBeUndefined()
  })
})
