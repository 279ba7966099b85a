import { describe, expect, it } from 'vitest'
import { outputSize } from '../picture-size.ts'

describe('outputSize', () => {
  it('keeps pictures within the edge as they are', () => {
    expect(outputSize({ width: 2048, height: 1000 }, 2048)).toEqual({ width: 2048, height: 1000 })
    expect(outputSize({ width: 10, height: 10 }, 2048)).toEqual({ width: 10, height: 10 })
  })

  it('scales the longer edge down to the limit, keeping the aspect ratio', () => {
    expect(outputSize({ width: 3000, height: 1000 }, 2048)).toEqual({ width: 2048, height: 683 })
    expect(outputSize({ width: 3000, height: 4000 }, 2048)).toEqual({ width: 1536, height: 2048 })
  })

  it('never gives a zero edge', () => {
    expect(outputSize({ width: 100_000, height: 1 }, 2048)).toEqual({ width: 2048, height: 1 })
  })
})
