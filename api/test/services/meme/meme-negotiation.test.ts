import { describe, expect, it } from 'vitest'
import { AppError } from '../../../src/services/shared/app-error.ts'
import { negotiateMemeAnswer } from '../../../src/services/meme/meme-negotiation.ts'

function refused(accept: string, format?: 'jpeg' | 'png' | 'webp'): AppError {
  try {
    negotiateMemeAnswer(accept, format)
  } catch (error) {
    expect(error).toBeInstanceOf(AppError)
    return error as AppError
  }
  throw new Error(`${accept} was answered`)
}

describe('negotiateMemeAnswer', () => {
  it.each([undefined, '', '*/*', 'application/json', 'application/*', '???', 'image', ';q=1'])(
    'answers JSON for Accept %j, as before',
    (accept) => {
      expect(negotiateMemeAnswer(accept, undefined)).toEqual({ kind: 'json' })
    },
  )

  it.each([
    ['image/png', 'png'],
    ['image/jpeg', 'jpeg'],
    ['image/webp', 'webp'],
    ['IMAGE/PNG', 'png'],
    ['image/webp;q=0.5, image/png', 'png'],
    ['image/png, image/webp', 'png'],
    ['image/gif, image/webp;q=0.9', 'webp'],
    ['image/png;q=0, image/*', 'jpeg'],
    ['image/webp, application/json;q=0.9', 'webp'],
  ] as const)('renders raw %s as %s', (accept, format) => {
    expect(negotiateMemeAnswer(accept, undefined)).toEqual({ kind: 'image', format })
  })

  it("keeps the picture's own format for image/* alone", () => {
    expect(negotiateMemeAnswer('image/*', undefined)).toEqual({ kind: 'image' })
    expect(negotiateMemeAnswer('image/*, application/json', undefined)).toEqual({ kind: 'image' })
  })

  it('prefers what is named first, and JSON on a tie at the same place', () => {
    expect(negotiateMemeAnswer('application/json, image/*', undefined)).toEqual({ kind: 'json' })
    expect(negotiateMemeAnswer('application/json;q=0.5, image/png', undefined)).toEqual({
      kind: 'image',
      format: 'png',
    })
  })

  it("narrows the images to the body's format", () => {
    expect(negotiateMemeAnswer('image/*', 'webp')).toEqual({ kind: 'image', format: 'webp' })
    expect(negotiateMemeAnswer('image/png, image/jpeg;q=0.5', 'jpeg')).toEqual({
      kind: 'image',
      format: 'jpeg',
    })
    expect(negotiateMemeAnswer(undefined, 'png')).toEqual({ kind: 'json', format: 'png' })
  })

  it('refuses image/png with format jpeg: 406 NOT_ACCEPTABLE', () => {
    const error = refused('image/png', 'jpeg')
    expect(error.statusCode).toBe(406)
    expect(error.code).toBe('NOT_ACCEPTABLE')
    expect(error.message).toBe(
      "Accept allows none of what this answers: application/json or image/jpeg (the body's format)",
    )
  })

  it.each([
    'image/gif',
    'image/avif, image/svg+xml',
    'text/html',
    'application/json;q=0, image/gif',
  ])('refuses %j: nothing it allows can be made', (accept) => {
    expect(refused(accept)).toMatchObject({
      statusCode: 406,
      code: 'NOT_ACCEPTABLE',
      message:
        'Accept allows none of what this answers: application/json, image/jpeg, image/png, image/webp',
    })
  })

  it('skips ranges it cannot read and weights outside 0..1', () => {
    expect(negotiateMemeAnswer('image/png;q=2, image/webp', undefined)).toEqual({
      kind: 'image',
      format: 'webp',
    })
    expect(negotiateMemeAnswer('*/png, image/jpeg', undefined)).toEqual({
      kind: 'image',
      format: 'jpeg',
    })
  })

  it('reads only the first 64 ranges of a hostile header', () => {
    const long = `${'image/gif, '.repeat(64)}image/png`
    expect(refused(long).code).toBe('NOT_ACCEPTABLE')
    expect(negotiateMemeAnswer(`${'image/gif, '.repeat(63)}image/png`, undefined)).toEqual({
      kind: 'image',
      format: 'png',
    })
  })
})
