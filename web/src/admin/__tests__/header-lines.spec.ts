import { describe, expect, it } from 'vitest'
import { parseHeaderLines } from '../header-lines.ts'

describe('parseHeaderLines', () => {
  it('reads one Name: value per line, trimming around the value, skipping blank lines', () => {
    expect(parseHeaderLines('Host: example.amazonaws.com\r\n\nX-Amz-Meta-Note:  a: b  \n')).toEqual(
      { headers: { Host: 'example.amazonaws.com', 'X-Amz-Meta-Note': 'a: b' } },
    )
  })

  it('combines a header given twice, in any case, with a comma', () => {
    expect(parseHeaderLines('My-Header: one\nmy-header: two')).toEqual({
      headers: { 'My-Header': 'one,two' },
    })
  })

  it('says which line is not a header', () => {
    expect(parseHeaderLines('Host: a\nnot a header')).toEqual({
      problem: "Line 2 of Headers isn't a header: write one per line as Name: value.",
    })
    expect(parseHeaderLines(': value')).toHaveProperty('problem')
    expect(parseHeaderLines('Bad Name: value')).toHaveProperty('problem')
  })

  it('reads nothing from an empty field', () => {
    expect(parseHeaderLines('')).toEqual({ headers: {} })
  })
})
