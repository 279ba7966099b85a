import type * as SignatureV4Module from '@smithy/signature-v4'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AppError } from '../../../src/services/shared/app-error.ts'
import { shellQuote, signWithSteps } from '../../../src/services/signatures/sigv4-steps.ts'

// Lets a test make the displayed signing key differ from the one the signer used.
const divergence = vi.hoisted(() => ({ on: false }))
vi.mock('@smithy/signature-v4', async (importOriginal) => {
  const original = await importOriginal<typeof SignatureV4Module>()
  return {
    ...original,
    getSigningKey: async (...args: Parameters<typeof original.getSigningKey>) => {
      const key = await original.getSigningKey(...args)
      return divergence.on ? key.map((byte) => byte ^ 1) : key
    },
  }
})

afterEach(() => {
  divergence.on = false
})

// The AWS SigV4 test suite's get-vanilla (shared/test-vectors.md).
const GET_VANILLA = {
  method: 'GET' as const,
  url: 'https://example.amazonaws.com/',
  region: 'us-east-1',
  service: 'service',
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  date: '20150830T123600Z',
}

describe('signWithSteps', () => {
  it('reproduces get-vanilla without HTTP', async () => {
    const steps = await signWithSteps(GET_VANILLA, new Date())
    expect(steps.signature).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31')
  })

  it('signs at the given clock when no date is given', async () => {
    const steps = await signWithSteps(
      { ...GET_VANILLA, date: undefined },
      new Date('2015-08-30T12:36:00.999Z'),
    )
    expect(steps.signature).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31')
  })

  it('refuses to show steps that do not reproduce the signature', async () => {
    divergence.on = true
    const error = await signWithSteps(GET_VANILLA, new Date()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).statusCode).toBe(500)
    expect((error as AppError).code).toBe('INTERNAL')
  })
})

describe('shellQuote', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", `'it'\\''s'`],
    ['', "''"],
    ['$HOME `id` "x"', `'$HOME \`id\` "x"'`],
  ])('quotes %j for a POSIX shell', (value, quoted) => {
    expect(shellQuote(value)).toBe(quoted)
  })
})
