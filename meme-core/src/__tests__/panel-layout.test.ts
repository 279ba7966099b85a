import { describe, expect, it } from 'vitest'
import type { PixelRect } from '../caption-layout.ts'
import {
  CAPTION_BAND_FRACTION,
  coverCrop,
  PANEL_LAYOUT_KINDS,
  PANEL_LAYOUTS,
  planPanelLayout,
  type PanelLayoutKind,
} from '../panel-layout.ts'
import { pictureShapeLimits, pictureShapeProblem } from '../picture-size.ts'

const photo = { width: 4000, height: 3000 }
const pictures = (kind: PanelLayoutKind, size = photo) =>
  Array.from({ length: PANEL_LAYOUTS[kind].panels }, () => size)

const overlaps = (a: PixelRect, b: PixelRect) =>
  a.left < b.left + b.width &&
  b.left < a.left + a.width &&
  a.top < b.top + b.height &&
  b.top < a.top + a.height

describe('planPanelLayout', () => {
  it.each([
    ['side-by-side', 1600, 800, [[0, 0, 792, 800] as const, [808, 0, 792, 800] as const]],
    ['stacked', 1067, 1600, [[0, 0, 1067, 792] as const, [0, 808, 1067, 792] as const]],
    [
      'grid',
      1600,
      1200,
      [
        [0, 0, 792, 592] as const,
        [808, 0, 792, 592] as const,
        [0, 608, 792, 592] as const,
        [808, 608, 792, 592] as const,
      ],
    ],
  ] as const)('places %s at a fixed size, cells in reading order', (kind, width, height, rects) => {
    const plan = planPanelLayout(kind, pictures(kind), 2048)
    expect(plan).toMatchObject({ kind, width, height, background: '#ffffff' })
    expect(plan.band).toBeUndefined()
    expect(plan.panels.map(({ rect }) => [rect.left, rect.top, rect.width, rect.height])).toEqual(
      rects,
    )
  })

  it('keeps the fixed kinds the same shape whatever the pictures', () => {
    for (const kind of ['side-by-side', 'stacked', 'grid'] as const) {
      const square = planPanelLayout(kind, pictures(kind, { width: 100, height: 100 }), 2048)
      const strip = planPanelLayout(kind, pictures(kind, { width: 5000, height: 500 }), 2048)
      expect([strip.width, strip.height]).toEqual([square.width, square.height])
      expect(strip.panels.map((p) => p.rect)).toEqual(square.panels.map((p) => p.rect))
    }
  })

  it('scales the long edge down to a smaller maxEdge', () => {
    expect(planPanelLayout('grid', pictures('grid'), 800)).toMatchObject({
      width: 800,
      height: 600,
    })
    const small = planPanelLayout('side-by-side', pictures('side-by-side'), 256)
    expect([small.width, small.height]).toEqual([256, 128])
    // Still a line between the cells at that size.
    expect(small.panels[1]!.rect.left - small.panels[0]!.rect.width).toBe(3)
  })

  it('covers every cell and overlaps none, inside the picture', () => {
    for (const kind of PANEL_LAYOUT_KINDS) {
      for (const maxEdge of [256, 1000, 1601, 8192]) {
        const plan = planPanelLayout(kind, pictures(kind), maxEdge)
        const rects = [...plan.panels.map((p) => p.rect), ...(plan.band ? [plan.band] : [])]
        for (const [i, rect] of rects.entries()) {
          expect(Number.isInteger(rect.left + rect.top + rect.width + rect.height)).toBe(true)
          expect(rect.left + rect.width).toBeLessThanOrEqual(plan.width)
          expect(rect.top + rect.height).toBeLessThanOrEqual(plan.height)
          for (const other of rects.slice(i + 1)) expect(overlaps(rect, other)).toBe(false)
        }
        // The last column and row reach the edge: no stray strip of background.
        expect(Math.max(...rects.map((r) => r.left + r.width))).toBe(plan.width)
        expect(Math.max(...rects.map((r) => r.top + r.height))).toBe(plan.height)
      }
    }
  })

  it('crops each picture to cover its cell, centred, without stretching', () => {
    const [left, right] = planPanelLayout(
      'side-by-side',
      [
        { width: 4000, height: 3000 },
        { width: 600, height: 1200 },
      ],
      2048,
    ).panels
    // 792 × 800 out of 4000 × 3000: full height, the middle 2970 columns.
    expect(left!.crop.height).toBe(3000)
    expect(left!.crop.width).toBeCloseTo(2970)
    expect(left!.crop.left).toBeCloseTo((4000 - 2970) / 2)
    expect(left!.crop.top).toBe(0)
    // A tall picture: full width, the middle rows.
    expect(right!.crop.width).toBe(600)
    expect(right!.crop.height).toBeCloseTo(606.06, 1)
    expect(right!.crop.top).toBeCloseTo((1200 - 606.06) / 2, 1)
    for (const { rect, crop } of [left!, right!]) {
      expect(crop.width / crop.height).toBeCloseTo(rect.width / rect.height, 6)
    }
  })

  it('puts a white band of a quarter of the height above the picture, keeping its proportions', () => {
    const plan = planPanelLayout('caption-above', [{ width: 800, height: 600 }], 2048)
    // 4:3 below a quarter-height band: 4:4 in all.
    expect(plan).toMatchObject({ width: 1600, height: 1600, background: '#ffffff' })
    expect(plan.band).toEqual({ left: 0, top: 0, width: 1600, height: 400 })
    expect(plan.panels).toEqual([
      {
        rect: { left: 0, top: 400, width: 1600, height: 1200 },
        crop: { left: 0, top: 0, width: 800, height: 600 },
      },
    ])
    const wide = planPanelLayout('caption-above', [{ width: 1920, height: 1080 }], 2048)
    expect(wide.band!.height / wide.height).toBeCloseTo(CAPTION_BAND_FRACTION, 2)
    expect(wide.panels[0]!.crop).toMatchObject({ width: 1920 })
    expect(wide.panels[0]!.crop.height).toBeCloseTo(1080, 0)
  })

  it('crops a picture too tall to caption above, so the result can still be captioned', () => {
    for (const maxEdge of [256, 2048]) {
      const plan = planPanelLayout('caption-above', [{ width: 480, height: 4800 }], maxEdge)
      const limits = pictureShapeLimits(maxEdge)
      expect(pictureShapeProblem(plan, limits)).toBeUndefined()
      expect(plan.height / plan.width).toBeGreaterThan(limits.maxAspectRatio - 0.2)
      expect(plan.panels[0]!.crop.width).toBe(480)
      expect(plan.panels[0]!.crop.height).toBeLessThan(4800)
    }
  })

  it('gives results any upload may be, at every maxEdge the config allows', () => {
    for (const kind of PANEL_LAYOUT_KINDS) {
      for (const maxEdge of [256, 480, 2048, 8192]) {
        for (const size of [photo, { width: 10_000, height: 1000 }, { width: 48, height: 480 }]) {
          const plan = planPanelLayout(kind, pictures(kind, size), maxEdge)
          expect(pictureShapeProblem(plan, pictureShapeLimits(maxEdge))).toBeUndefined()
          expect(Math.max(plan.width, plan.height)).toBe(Math.min(maxEdge, 1600))
        }
      }
    }
  })

  it('refuses another number of pictures than the layout takes', () => {
    expect(() => planPanelLayout('grid', pictures('side-by-side'), 2048)).toThrow(
      'grid takes 4 pictures, not 2',
    )
    expect(() => planPanelLayout('caption-above', [], 2048)).toThrow(RangeError)
  })
})

describe('coverCrop', () => {
  it('takes the whole picture when it already has the proportions', () => {
    expect(coverCrop({ width: 400, height: 300 }, { width: 800, height: 600 })).toEqual({
      left: 0,
      top: 0,
      width: 400,
      height: 300,
    })
  })
})
