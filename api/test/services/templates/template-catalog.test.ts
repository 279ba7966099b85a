import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/services/shared/app-error.ts'
import {
  decodeCursor,
  encodeCursor,
  pageOf,
} from '../../../src/services/templates/template-catalog.ts'

const ALL = [
  { name: 'Drake', tags: ['reaction'] },
  { name: 'Distracted boyfriend', tags: ['reaction', 'choice'] },
  { name: 'Two buttons', tags: ['choice'] },
]

describe('pageOf', () => {
  it('keeps the order and cuts pages with a cursor to the next one', () => {
    const first = pageOf(ALL, { limit: 2 })
    expect(first.items.map((t) => t.name)).toEqual(['Drake', 'Distracted boyfriend'])
    const second = pageOf(ALL, { limit: 2, cursor: first.nextCursor! })
    expect(second).toEqual({ items: [ALL[2]], nextCursor: null })
  })

  it('matches a name part in any case, a tag in any case, and both together', () => {
    expect(pageOf(ALL, { q: 'DR', limit: 10 }).items).toEqual([ALL[0]])
    expect(pageOf(ALL, { q: ' t ', limit: 10 }).items).toEqual([ALL[1], ALL[2]])
    expect(pageOf(ALL, { tag: 'Choice', limit: 10 }).items).toEqual([ALL[1], ALL[2]])
    expect(pageOf(ALL, { tag: 'choice', q: 'two', limit: 10 }).items).toEqual([ALL[2]])
  })
})

describe('cursors', () => {
  it('round-trip offsets', () => {
    for (const offset of [0, 1, 24, 999_999_999])
      expect(decodeCursor(encodeCursor(offset))).toBe(offset)
  })

  it.each([
    '',
    'xyz',
    '__proto__',
    '../x',
    'o1',
    Buffer.from('o1x').toString('base64url'),
    'a'.repeat(21),
  ])('refuses %j with 400 VALIDATION', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(AppError)
    expect(() => decodeCursor(cursor)).toThrow(
      expect.objectContaining({ statusCode: 400, code: 'VALIDATION' }),
    )
  })
})
