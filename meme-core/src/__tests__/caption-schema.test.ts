import { describe, expect, expectTypeOf, it } from 'vitest'
import type { Caption } from '../caption-model.ts'
import { CaptionSchema, type CaptionInput } from '../caption-schema.ts'

describe('CaptionSchema', () => {
  it('accepts exactly the Caption model: the two cannot drift apart', () => {
    expectTypeOf<CaptionInput>().toEqualTypeOf<Caption>()
  })

  describe('text', () => {
    // As Ajv compiles a schema's pattern: with the `u` flag.
    const { pattern: source } = CaptionSchema.properties.text as { pattern?: string }
    const pattern = new RegExp(source ?? '', 'u')

    it('takes line breaks, \n or \r\n, and blank lines', () => {
      for (const text of ['TOP\nBOTTOM', 'TOP\r\nBOTTOM', 'A\n\nB', '\n', 'a\r\n\r\nb\n']) {
        expect(pattern.test(text), JSON.stringify(text)).toBe(true)
      }
    })

    it('refuses every other control character, and a lone \r', () => {
      for (const text of [
        'a\rb',
        'a\tb',
        'a\u0000b',
        'a\u001bb',
        'a\u007fb',
        'a\u0085b',
        'a\n\rb',
      ]) {
        expect(pattern.test(text), JSON.stringify(text)).toBe(false)
      }
    })
  })
})
