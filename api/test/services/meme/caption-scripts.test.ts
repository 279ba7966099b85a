import { captionText, fontStack, type Caption } from '@meme-studio/meme-core'
import * as fontkit from 'fontkit'
import { describe, expect, it, vi } from 'vitest'
import { renderMeme } from '../../../src/services/meme/meme-render.ts'
import { makePicture } from '../../support/pictures.ts'
import { decodePixels, pixelAt } from '../../support/pixels.ts'

/** A caption in each script the studio supports, and colour emoji with their sequences. */
const SAMPLES = {
  Latin: 'Ça déjà vu, naïve Æsir',
  Cyrillic: 'Съешь же ещё этих булок',
  Greek: 'Ξεσκεπάζω την ψυχοφθόρα',
  Chinese: '我们今天去公园散步',
  Japanese: 'いろはにほへと 日本語',
  Korean: '다람쥐 헌 쳇바퀴에 타고파',
  Arabic: 'نص حكيم له سر قاطع',
  Hebrew: 'דג סקרן שט בים מאוכזב',
  Emoji: '😂🔥👍🏽🇫🇷👨‍👩‍👧❤️',
} as const

/** Joiners and selectors pick or combine glyphs; they have none of their own to check. */
const INVISIBLE = /^(?:\s|\u200d|\ufe0f)$/u

/** The files the font loader registers for `text`, from a fresh copy of it. */
async function filesFor(text: string): Promise<string[]> {
  vi.resetModules()
  const { loadCaptionFonts } = await import('../../../src/services/meme/caption-fonts.ts')
  return loadCaptionFonts(fontStack('anton', text), text)
}

describe('every script has glyphs in the fonts the server loads for it', () => {
  it.each(Object.entries(SAMPLES))('%s', async (_script, sample) => {
    const text = captionText({ text: sample })
    const fonts = (await filesFor(text)).map((file) => fontkit.openSync(file) as fontkit.Font)
    expect(fonts.length).toBeGreaterThan(0)
    // Read from the fonts' own character maps: a character no loaded face has would be
    // drawn as a missing-glyph box (or, on a machine with system fonts, from one of them,
    // which Lambda does not have).
    const missing = Array.from(text).filter(
      (char) =>
        !INVISIBLE.test(char) &&
        !fonts.some((font) => font.hasGlyphForCodePoint(char.codePointAt(0)!)),
    )
    expect(missing).toEqual([])
  })
})

describe('every script is drawn', () => {
  it('puts an outlined caption in each script, and emoji in colour, on the picture', async () => {
    const entries = Object.entries(SAMPLES)
    const captions: Caption[] = entries.map(([, text], i) => ({
      text,
      x: 0.5,
      y: (i + 0.5) / entries.length,
      width: 0.95,
      height: 0.9 / entries.length,
      uppercase: false,
    }))
    const source = await makePicture('png', 900, 1350)
    const meme = await renderMeme(source, captions, {
      maxPixels: 40_000_000,
      maxEdge: 2048,
      format: 'png',
    })
    const out = await decodePixels(meme.bytes)
    const band = out.height / entries.length
    entries.forEach(([script], i) => {
      let white = 0
      let black = 0
      let vivid = 0
      for (let y = Math.round(i * band); y < Math.round((i + 1) * band); y++) {
        for (let x = 0; x < out.width; x++) {
          const [r, g, b] = pixelAt(out, x, y)
          if (r > 235 && g > 235 && b > 235) white++
          if (r < 25 && g < 25 && b < 25) black++
          if (Math.max(r, g, b) - Math.min(r, g, b) > 150) vivid++
        }
      }
      const area = band * out.width
      if (script === 'Emoji') {
        // Colour glyphs, not the white and black of outlined text.
        expect(vivid / area, script).toBeGreaterThan(0.02)
      } else {
        expect(white / area, `${script} fill`).toBeGreaterThan(0.01)
        expect(black / area, `${script} outline`).toBeGreaterThan(0.005)
      }
    })
  })
})
