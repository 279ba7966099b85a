import { describe, expect, it } from 'vitest'
import { resizeKeepingShape, type CaptionBox } from '../box-geometry.ts'

const SIZE = { width: 400, height: 300 }
const LIMITS = { minWidth: 0.03, maxWidth: 1 }
// 100 x 60 px on screen.
const start: CaptionBox = { x: 0.5, y: 0.5, width: 0.25, height: 0.2, rotation: 0 }

describe('resizing a sticker', () => {
  it('a corner dragged out along its diagonal scales both sides alike; the far corner stays', () => {
    const box = resizeKeepingShape(start, 'se', { x: 50, y: 30 }, SIZE, LIMITS)
    expect(box.width).toBeCloseTo(0.375)
    expect(box.height).toBeCloseTo(0.3)
    // Top left corner before and after: (150, 120) px.
    expect(box.x * SIZE.width - (box.width * SIZE.width) / 2).toBeCloseTo(150)
    expect(box.y * SIZE.height - (box.height * SIZE.height) / 2).toBeCloseTo(120)
  })

  it('a corner dragged sideways only still keeps the shape', () => {
    const box = resizeKeepingShape(start, 'ne', { x: 40, y: 0 }, SIZE, LIMITS)
    expect((box.width * SIZE.width) / (box.height * SIZE.height)).toBeCloseTo(100 / 60)
    expect(box.width).toBeGreaterThan(start.width)
  })

  it('an edge scales the whole sticker by its own side', () => {
    const box = resizeKeepingShape(start, 'w', { x: -100, y: 0 }, SIZE, LIMITS)
    expect(box.width).toBeCloseTo(0.5)
    expect(box.height).toBeCloseTo(0.4)
    expect(box.x * SIZE.width + (box.width * SIZE.width) / 2).toBeCloseTo(250)
  })

  it('stops at the smallest and largest width', () => {
    expect(resizeKeepingShape(start, 'se', { x: -500, y: -500 }, SIZE, LIMITS).width).toBeCloseTo(
      0.03,
    )
    expect(resizeKeepingShape(start, 'se', { x: 5000, y: 5000 }, SIZE, LIMITS).width).toBeCloseTo(1)
  })

  it('follows the sticker’s own axes when it is turned', () => {
    const turned = { ...start, rotation: 90 }
    // Turned a quarter, the east handle points down the screen.
    const box = resizeKeepingShape(turned, 'e', { x: 0, y: 100 }, SIZE, LIMITS)
    expect(box.width).toBeCloseTo(0.5)
  })
})
