import { describe, expect, it } from 'vitest'
import {
  formatAspectRatio,
  MAX_PICTURE_ASPECT,
  MIN_PICTURE_EDGE,
  outputSize,
  pictureShapeLimits,
  pictureShapeProblem,
} from '../picture-size.ts'

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

describe('pictureShapeProblem', () => {
  const limits = pictureShapeLimits(2048)

  it('holds the default limits: 48 px on the shorter side, 10:1 at most', () => {
    expect(limits).toEqual({ minEdge: 48, maxAspectRatio: 10 })
    expect([MIN_PICTURE_EDGE, MAX_PICTURE_ASPECT]).toEqual([48, 10])
  })

  it('refuses a 1×1 picture for its size', () => {
    expect(pictureShapeProblem({ width: 1, height: 1 }, limits)).toEqual({
      kind: 'too-small',
      limits,
    })
    expect(pictureShapeProblem({ width: 47, height: 300 }, limits)?.kind).toBe('too-small')
  })

  it('refuses a 1×65500 strip for its proportions, either way round', () => {
    expect(pictureShapeProblem({ width: 1, height: 65500 }, limits)).toEqual({
      kind: 'too-elongated',
      aspectRatio: 65500,
      limits,
    })
    expect(pictureShapeProblem({ width: 4801, height: 480 }, limits)?.kind).toBe('too-elongated')
  })

  it('takes the limits themselves', () => {
    expect(pictureShapeProblem({ width: 48, height: 48 }, limits)).toBeUndefined()
    expect(pictureShapeProblem({ width: 480, height: 4800 }, limits)).toBeUndefined()
    expect(pictureShapeProblem({ width: 4800, height: 480 }, limits)).toBeUndefined()
  })

  it('lowers the aspect so that a scaled-down picture keeps its shorter side at 48 px', () => {
    expect(pictureShapeLimits(256)).toEqual({ minEdge: 48, maxAspectRatio: 5.3 })
    const size = outputSize({ width: 5300, height: 1000 }, 256)
    expect(Math.min(size.width, size.height)).toBeGreaterThanOrEqual(48)
    expect(pictureShapeLimits(8192).maxAspectRatio).toBe(10)
  })

  it('writes ratios as people do', () => {
    expect(formatAspectRatio(10)).toBe('10:1')
    expect(formatAspectRatio(5.33)).toBe('5.3:1')
  })
})
