import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/services/shared/app-error.ts'
import {
  checkGithubSignature,
  computeHmac,
  MASKED_SECRET,
  otherSplit,
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

describe('Apigee: the masked secret', () => {
  it.each(['a', 'short', 'twelve-chars', 'Zx4kP9tQ2mW7vB1nR8sL', 'x'.repeat(256), '🔑🔑🔑'])(
    'shows no character and not the length of %j',
    (clientsecret) => {
      const signed = signApigee(
        { callback: 'https://a.example/cb', clientid: 'c', clientsecret, timestamp: '1700000000' },
        new Date(),
      )
      expect(signed.message).toBe(`${MASKED_SECRET}https://a.example/cbc1700000000`)
    },
  )
})

describe('Apigee: inputs that run together', () => {
  it('finds the other split by moving the boundary one character either way', () => {
    expect(otherSplit('https://example.com/cbc', 'lient123')).toEqual({
      callback: 'https://example.com/cb',
      clientid: 'client123',
    })
    // A callback ending in "/" cannot give its last character to a client ID: the ID gives.
    expect(otherSplit('https://example.com/', 'ab')).toEqual({
      callback: 'https://example.com/a',
      clientid: 'b',
    })
  })

  it('finds none when no other split is a callback and a client ID this tool takes', () => {
    expect(otherSplit('https://example.com/', 'a')).toBeUndefined()
  })

  it('warns about a secret with white space at either end, without showing it', () => {
    const signed = signApigee(
      { callback: 'https://a.example/', clientid: 'c', clientsecret: 'secret ' },
      new Date(),
    )
    expect(signed.warnings).toEqual([
      {
        kind: 'secret-whitespace',
        message:
          'The client secret starts or ends with white space, which is signed as part of it. ' +
          'If it came from a copy and paste, remove it.',
      },
    ])
  })
})
