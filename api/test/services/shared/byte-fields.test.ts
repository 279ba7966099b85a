import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/services/shared/app-error.ts'
import { decodeField } from '../../../src/services/shared/byte-fields.ts'

function refusal(run: () => unknown): AppError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error('expected a refusal')
}

describe('decodeField', () => {
  it('decodes strict hex and base64 and keeps text as UTF-8', () => {
    expect(decodeField('key', '00ff', 'hex')).toEqual(Buffer.from([0, 255]))
    expect(decodeField('key', 'AP8=', 'base64')).toEqual(Buffer.from([0, 255]))
    expect(decodeField('key', 'é', 'utf8')).toEqual(Buffer.from([0xc3, 0xa9]))
    expect(decodeField('key', '', 'base64')).toEqual(Buffer.alloc(0))
  })

  it.each([
    ['0', 'hex', 'odd number'],
    ['0g', 'hex', 'hex digits'],
    ['AP8', 'base64', 'multiple of 4'],
    ['AP8==', 'base64', 'multiple of 4'],
    ['A=P8', 'base64', 'base64 characters'],
    ['AP9=', 'base64', 'canonical'],
    ['AP_=', 'base64', 'base64 characters'],
  ] as const)('refuses %j as %s, naming the field', (value, encoding, problem) => {
    const error = refusal(() => decodeField('message', value, encoding))
    expect(error.statusCode).toBe(400)
    expect(error.code).toBe('VALIDATION')
    expect(error.message).toMatch(/^body\/message /)
    expect(error.message).toContain(problem)
  })
})
