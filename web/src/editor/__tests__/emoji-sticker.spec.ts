import { describe, expect, it } from 'vitest'
import { checkEmoji, COMMON_EMOJI } from '../emoji-sticker.ts'

describe('what is taken as an emoji', () => {
  it('one emoji, trimmed; flags, skin tones and families count as one', () => {
    expect(checkEmoji(' 😂 ')).toEqual({ ok: true, emoji: '😂' })
    for (const emoji of ['🇫🇷', '👍🏽', '👨‍👩‍👧', '❤️']) {
      expect(checkEmoji(emoji)).toEqual({ ok: true, emoji })
    }
  })

  it('refuses nothing, two emoji and plain text, saying why', () => {
    expect(checkEmoji('  ')).toEqual({ ok: false, message: 'Type or paste an emoji first.' })
    expect(checkEmoji('😂😂')).toEqual({ ok: false, message: 'One emoji at a time, please.' })
    expect(checkEmoji('a')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/isn't an emoji/),
    })
    expect(checkEmoji('<script>')).toMatchObject({ ok: false })
  })

  it('offers two dozen common ones, each with a name and each an emoji', () => {
    expect(COMMON_EMOJI).toHaveLength(24)
    for (const { emoji, name } of COMMON_EMOJI) {
      expect(checkEmoji(emoji)).toEqual({ ok: true, emoji })
      expect(name).toMatch(/^[a-z -]+$/)
    }
  })
})
