import { describe, expect, it } from 'vitest'
import { diffCharacters, diffLines, splitLines } from '../text-diff.ts'

// get-vanilla's canonical request, from the AWS SigV4 test suite (awslabs/aws-c-auth,
// tests/aws-signing-test-suite/v4/get-vanilla).
const GET_VANILLA = [
  'GET',
  '/',
  '',
  'host:example.amazonaws.com',
  'x-amz-date:20150830T123600Z',
  '',
  'host;x-amz-date',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
].join('\n')

describe('diffCharacters', () => {
  it('marks the positions where two signatures differ, and nothing else', () => {
    const { expected, actual } = diffCharacters('5fa00fa3', '5fb00fa4')
    expect(expected).toEqual([
      { text: '5f', differs: false },
      { text: 'a', differs: true },
      { text: '00fa', differs: false },
      { text: '3', differs: true },
    ])
    expect(actual.map((run) => run.text).join('')).toBe('5fb00fa4')
    expect(actual.filter((run) => run.differs).map((run) => run.text)).toEqual(['b', '4'])
  })

  it('marks what one side has past the end of the other', () => {
    const { expected, actual } = diffCharacters('abc', 'abcdef')
    expect(expected).toEqual([{ text: 'abc', differs: false }])
    expect(actual).toEqual([
      { text: 'abc', differs: false },
      { text: 'def', differs: true },
    ])
  })

  it('finds nothing to mark in equal texts', () => {
    expect(diffCharacters('same', 'same').actual).toEqual([{ text: 'same', differs: false }])
    expect(diffCharacters('', '')).toEqual({ expected: [], actual: [] })
  })
})

describe('diffLines', () => {
  it('finds no difference between a canonical request and itself, pasted from Windows', () => {
    const pasted = `${GET_VANILLA.replaceAll('\n', '\r\n')}\r\n`
    const changes = diffLines(pasted, GET_VANILLA)
    expect(changes.every((change) => change.side === 'both')).toBe(true)
    expect(changes.map((change) => change.text)).toEqual(GET_VANILLA.split('\n'))
  })

  it('shows a changed header as a line only in each side, in place', () => {
    const computed = GET_VANILLA.replace(
      'x-amz-date:20150830T123600Z',
      'x-amz-date:20150830T123601Z',
    )
    expect(diffLines(GET_VANILLA, computed)).toEqual([
      { side: 'both', text: 'GET' },
      { side: 'both', text: '/' },
      { side: 'both', text: '' },
      { side: 'both', text: 'host:example.amazonaws.com' },
      { side: 'expected', text: 'x-amz-date:20150830T123600Z' },
      { side: 'actual', text: 'x-amz-date:20150830T123601Z' },
      { side: 'both', text: '' },
      { side: 'both', text: 'host;x-amz-date' },
      { side: 'both', text: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
    ])
  })

  it('shows a header that only one side signs', () => {
    const withToken = GET_VANILLA.replace(
      'x-amz-date:20150830T123600Z',
      'x-amz-date:20150830T123600Z\nx-amz-security-token:token',
    ).replace('host;x-amz-date', 'host;x-amz-date;x-amz-security-token')
    const changes = diffLines(GET_VANILLA, withToken).filter((change) => change.side !== 'both')
    expect(changes).toEqual([
      { side: 'actual', text: 'x-amz-security-token:token' },
      { side: 'expected', text: 'host;x-amz-date' },
      { side: 'actual', text: 'host;x-amz-date;x-amz-security-token' },
    ])
  })

  it('lists every line of one side when the other is empty', () => {
    expect(diffLines('', 'a\nb')).toEqual([
      { side: 'actual', text: 'a' },
      { side: 'actual', text: 'b' },
    ])
    expect(diffLines('a', '')).toEqual([{ side: 'expected', text: 'a' }])
  })
})

describe('splitLines', () => {
  it('keeps blank lines inside the text, and drops only a final line break', () => {
    expect(splitLines('a\n\nb\n')).toEqual(['a', '', 'b'])
    expect(splitLines('a\r\nb\rc')).toEqual(['a', 'b', 'c'])
    expect(splitLines('a\n\n')).toEqual(['a', ''])
  })
})
