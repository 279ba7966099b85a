import { describe, expect, it } from 'vitest'
import {
  clampBox,
  HANDLE_SIDES,
  moveBox,
  normalizeRotation,
  nudgeBox,
  RESIZE_HANDLES,
  resizeBox,
  rotateBox,
  type CaptionBox,
  type Point,
} from '../box-geometry.ts'

/** The picture as shown on screen, in CSS pixels. */
const size = { width: 400, height: 300 }
const box: CaptionBox = { x: 0.5, y: 0.5, width: 0.4, height: 0.2, rotation: 0 }

/** A point of the box's outline on screen: `side` is -1..1 along its own axes. */
function pointOf(b: CaptionBox, side: Point): Point {
  const angle = (b.rotation * Math.PI) / 180
  const local = { x: (side.x * b.width * size.width) / 2, y: (side.y * b.height * size.height) / 2 }
  return {
    x: b.x * size.width + local.x * Math.cos(angle) - local.y * Math.sin(angle),
    y: b.y * size.height + local.x * Math.sin(angle) + local.y * Math.cos(angle),
  }
}

const opposite = (side: Point): Point => ({ x: -side.x, y: -side.y })

function expectPoint(actual: Point, expected: Point): void {
  expect(actual.x).toBeCloseTo(expected.x, 2)
  expect(actual.y).toBeCloseTo(expected.y, 2)
}

describe('moveBox', () => {
  it('moves the centre by the pointer, in fractions of the picture', () => {
    expect(moveBox(box, { x: 40, y: -30 }, size)).toEqual({ ...box, x: 0.6, y: 0.4 })
  })

  it('keeps the centre on the picture', () => {
    expect(moveBox(box, { x: 1000, y: -1000 }, size)).toMatchObject({ x: 1, y: 0 })
  })
})

describe('nudgeBox', () => {
  it('steps and stops at the edges', () => {
    expect(nudgeBox(box, 0.01, 0)).toMatchObject({ x: 0.51, y: 0.5 })
    expect(nudgeBox({ ...box, x: 0.995 }, 0.05, 0)).toMatchObject({ x: 1 })
    expect(nudgeBox({ ...box, y: 0.02 }, 0, -0.05)).toMatchObject({ y: 0 })
  })
})

describe('resizeBox', () => {
  it('drags the east edge: wider, the west edge stays', () => {
    const resized = resizeBox(box, 'e', { x: 40, y: 10 }, size)
    expect(resized).toEqual({ ...box, x: 0.55, width: 0.5 })
  })

  it('drags the north-west corner: both edges follow, the opposite corner stays', () => {
    const resized = resizeBox(box, 'nw', { x: -20, y: -30 }, size)
    expect(resized).toEqual({ ...box, x: 0.475, y: 0.45, width: 0.45, height: 0.3 })
  })

  for (const rotation of [0, 30, -90, 135]) {
    it.each(RESIZE_HANDLES)(`keeps the side opposite %s in place at ${rotation}°`, (handle) => {
      const start = { ...box, rotation }
      const side = HANDLE_SIDES[handle]
      // Pull the handle 25 px outwards along the box's own axes, wherever it points on screen.
      const from = pointOf(start, side)
      const outwards = pointOf({ ...start, width: 0.4 + 50 / 400, height: 0.2 + 50 / 300 }, side)
      const delta = { x: outwards.x - from.x, y: outwards.y - from.y }

      const resized = resizeBox(start, handle, delta, size)

      expectPoint(pointOf(resized, opposite(side)), pointOf(start, opposite(side)))
      expectPoint(pointOf(resized, side), outwards)
      expect(resized.rotation).toBe(rotation)
      expect(resized.width).toBeCloseTo(side.x ? 0.4 + 25 / 400 : 0.4)
      expect(resized.height).toBeCloseTo(side.y ? 0.2 + 25 / 300 : 0.2)
    })
  }

  it('on a box turned 90°, its east handle points down and follows a downward drag', () => {
    const turned = { ...box, rotation: 90 }
    const resized = resizeBox(turned, 'e', { x: 0, y: 40 }, size)
    expect(resized.width).toBeCloseTo(0.4 + 40 / 400)
    expect(resized.height).toBeCloseTo(0.2)
    expect(resized.x).toBeCloseTo(0.5)
    expect(resized.y).toBeCloseTo(0.5 + 20 / 300)
  })

  it('stops at the smallest size, the opposite edge still in place', () => {
    const resized = resizeBox(box, 'w', { x: 500, y: 0 }, size)
    expect(resized.width).toBe(0.05)
    // The east edge was at 0.7; the box ends there, 0.05 wide.
    expect(resized.x).toBeCloseTo(0.7 - 0.025)
    const flat = resizeBox(box, 's', { x: 0, y: -500 }, size)
    expect(flat.height).toBe(0.03)
    expect(flat.y).toBeCloseTo(0.4 + 0.015)
  })

  it('is never wider or taller than the picture', () => {
    const resized = resizeBox(box, 'se', { x: 5000, y: 5000 }, size)
    expect(resized.width).toBe(1)
    expect(resized.height).toBe(1)
    expect(resized.x).toBeLessThanOrEqual(1)
    expect(resized.y).toBeLessThanOrEqual(1)
  })
})

describe('rotateBox', () => {
  const centre = { x: 200, y: 150 }
  const above = { x: 200, y: 50 }

  it('turns by the angle the pointer sweeps around the centre', () => {
    expect(rotateBox(box, above, { x: 300, y: 150 }, size, false).rotation).toBeCloseTo(90)
    expect(rotateBox(box, above, { x: 100, y: 150 }, size, false).rotation).toBeCloseTo(-90)
    // Grabbing the handle off its middle does not make the box jump.
    const offMiddle = { x: 210, y: 50 }
    expect(rotateBox(box, offMiddle, offMiddle, size, false).rotation).toBe(0)
  })

  it('snaps to 15° steps with Shift', () => {
    const angle = (37 * Math.PI) / 180
    const to = { x: centre.x + 100 * Math.sin(angle), y: centre.y - 100 * Math.cos(angle) }
    expect(rotateBox(box, above, to, size, false).rotation).toBeCloseTo(37)
    expect(rotateBox(box, above, to, size, true).rotation).toBe(30)
  })

  it('wraps past 180° to stay within -180..180', () => {
    const start = { ...box, rotation: 170 }
    const rotated = rotateBox(start, above, { x: 300, y: 150 }, size, false)
    expect(rotated.rotation).toBeCloseTo(-100)
  })

  it('keeps the centre and size', () => {
    const rotated = rotateBox(box, above, { x: 300, y: 150 }, size, true)
    expect(rotated).toEqual({ ...box, rotation: 90 })
  })
})

describe('normalizeRotation and clampBox', () => {
  it.each([
    [0, 0],
    [180, 180],
    [-180, -180],
    [190, -170],
    [-190, 170],
    [540, 180],
    [360, 0],
  ])('%d° is %d°', (degrees, expected) => {
    expect(normalizeRotation(degrees)).toBe(expected)
  })

  it('keeps a box within what the API accepts', () => {
    expect(clampBox({ x: -1, y: 2, width: 0, height: 5, rotation: 400 })).toEqual({
      x: 0,
      y: 1,
      width: 0.05,
      height: 1,
      rotation: 180,
    })
  })
})
