import { describe, expectTypeOf, it } from 'vitest'
import type { Caption } from '../caption-model.ts'
import type { CaptionInput } from '../caption-schema.ts'

describe('CaptionSchema', () => {
  it('accepts exactly the Caption model: the two cannot drift apart', () => {
    expectTypeOf<CaptionInput>().toEqualTypeOf<Caption>()
  })
})
