import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/services/shared/app-error.ts'
import {
  checkGithubSignature,
  computeHmac,
  maskSecret,
  signApigee,
} from '../../../src/services/signatures/hmac-tools.ts'

function refusal(run: () => unknown): AppError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected a refusal')
}

describe('maskSecret', () => {
  it.each([
    ['', ''],
    ['a', '•'],
    ['elevenchars', '•••••••••••'],
    ['twelve-chars', `tw${'•'.repeat(8)}rs`],
    ['secret with a trailing space ', `se${'•'.repeat(25)}e `],
  ])('masks %j as %j', (secret, masked) => {
    expect(maskSecret(secret)).toBe(masked)
  })

  it('counts characters, not UTF-16 units, so no emoji is cut in half', () => {
    const secret = `🔑🔑${'x'.repeat(10)}🗝️`
    const masked = maskSecret(secret)
    expect(masked.startsWith('🔑🔑')).toBe(true)
    expect(masked.endsWith('🗝️')).toBe(true)
    expect(Array.from(masked)).toHaveLength(Array.from(secret).length)
  })
})

describe('computeHmac', () => {
  // RFC 4231, section 4, test case 2.
  it('computes RFC 4231 test case 2 without HTTP', () => {
    expect(
      computeHmac({ algorithm: 'sha256', key: 'Jefe', message: 'what do ya want for nothing?' })
        .hex,
    ).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
  })

  it('answers 413 for a field over 64 KiB counted in UTF-8 bytes', () => {
    const error = refusal(() =>
      computeHmac({ algorithm: 'sha256', key: '€'.repeat(21_846), message: '' }),
    )
    expect(error.statusCode).toBe(413)
    expect(error.message).toBe('body/key is larger than 64 KiB')
  })
})

describe('checkGithubSignature', () => {
  it('tries no hint that would sign the same body again', () => {
    const check = checkGithubSignature({
      secret: 's',
      payload: '{"a":1}',
      expected: 'f'.repeat(64),
    })
    const bodies = check.hints.map((hint) => hint.header)
    expect(new Set(bodies).size).toBe(bodies.length)
    expect(bodies).not.toContain(check.header)
    // Compact JSON written back compactly is the same body, so it is not offered.
    expect(check.hints.map((hint) => hint.cause)).not.toContain('json-compact')
  })
})

describe('signApigee', () => {
  it('signs at the given clock when no timestamp is given', () => {
    const signed = signApigee(
      { callback: 'https://a.example/cb', clientid: 'c', clientsecret: 's' },
      new Date('2023-11-14T22:13:20.900Z'),
    )
    expect(signed.timestamp).toBe('1700000000')
  })
})
