import { planPictureEdits, type PictureEdits } from '@meme-studio/meme-core'
import { describe, expect, it } from 'vitest'
import {
  cropToRatio,
  dragCrop,
  mirrored,
  snapCrop,
  turned,
  withBands,
  withCrop,
} from '../picture-edits.ts'

/** A picture as a grid of cell names, row by row: enough to see where each part goes. */
type Grid = string[][]

const ORIGINAL: Grid = [
  ['a', 'b', 'c', 'd'],
  ['e', 'f', 'g', 'h'],
  ['i', 'j', 'k', 'l'],
]

const turnRight = (grid: Grid): Grid => grid[0]!.map((_, x) => grid.map((row) => row[x]!).reverse())
const turnLeft = (grid: Grid): Grid => turnRight(turnRight(turnRight(grid)))
const mirrorH = (grid: Grid): Grid => grid.map((row) => [...row].reverse())
const mirrorV = (grid: Grid): Grid => [...grid].reverse()

/** What the server draws for `edits`, in the contract's order: turn, mirror, crop. */
function applyContract(grid: Grid, edits: PictureEdits): Grid {
  let shown = grid
  for (let turn = 0; turn < (edits.rotate ?? 0); turn += 90) shown = turnRight(shown)
  if (edits.flipHorizontal) shown = mirrorH(shown)
  if (edits.flipVertical) shown = mirrorV(shown)
  const plan = planPictureEdits(
    { width: grid[0]!.length, height: grid.length },
    { ...edits, bandTop: 0, bandBottom: 0 },
  )
  return shown
    .slice(plan.crop.top, plan.crop.top + plan.crop.height)
    .map((row) => row.slice(plan.crop.left, plan.crop.left + plan.crop.width))
}

type Step = 'right' | 'left' | 'h' | 'v'
const onEdits: Record<Step, (edits: PictureEdits) => PictureEdits> = {
  right: (edits) => turned(edits, 90),
  left: (edits) => turned(edits, -90),
  h: (edits) => mirrored(edits, 'horizontal'),
  v: (edits) => mirrored(edits, 'vertical'),
}
const onGrid: Record<Step, (grid: Grid) => Grid> = {
  right: turnRight,
  left: turnLeft,
  h: mirrorH,
  v: mirrorV,
}

describe('turning and mirroring what is shown', () => {
  const sequences: Step[][] = [
    ['right'],
    ['left'],
    ['h', 'right'],
    ['v', 'right'],
    ['h', 'left'],
    ['right', 'h'],
    ['h', 'right', 'v', 'right'],
    ['right', 'right', 'h', 'left', 'v', 'left'],
    ['h', 'v', 'h', 'v'],
    ['right', 'right', 'right', 'right'],
  ]
  for (const steps of sequences) {
    it(`draws what the person saw after ${steps.join(', ')}`, () => {
      let edits: PictureEdits = {}
      let seen = ORIGINAL
      for (const step of steps) {
        edits = onEdits[step](edits)
        seen = onGrid[step](seen)
      }
      expect(applyContract(ORIGINAL, edits)).toEqual(seen)
    })
  }

  it('writes a turn after a left-right mirror as the turn, then a top-bottom mirror', () => {
    expect(turned(mirrored({}, 'horizontal'), 90)).toEqual({ rotate: 90, flipVertical: true })
    expect(turned({}, -90)).toEqual({ rotate: 270 })
    expect(onEdits.right(onEdits.right(onEdits.right(onEdits.right({}))))).toEqual({})
  })

  it('keeps the same part of the picture cropped through turns and mirrors', () => {
    // The top-left 2 x 2 cells, then turned, mirrored and turned: the same four cells stay.
    let edits = withCrop({}, { x: 0, y: 0, width: 0.5, height: 2 / 3 })
    let seen = applyContract(ORIGINAL, edits)
    expect(seen).toEqual([
      ['a', 'b'],
      ['e', 'f'],
    ])
    for (const step of ['right', 'h', 'left', 'v', 'right'] as Step[]) {
      edits = onEdits[step](edits)
      seen = onGrid[step](seen)
      expect(applyContract(ORIGINAL, edits), step).toEqual(seen)
    }
  })
})

describe('crops', () => {
  const wide = { width: 1000, height: 600 }

  it('of a fixed shape are that shape in pixels of the turned picture, as large as fits', () => {
    for (const [ratio, width, height] of [
      [1, 600, 600],
      [4 / 3, 800, 600],
      [3 / 4, 450, 600],
      [16 / 9, 1000, 563],
      [9 / 16, 338, 600],
    ] as const) {
      const crop = cropToRatio(ratio, wide)
      const plan = planPictureEdits(wide, { crop })
      expect(plan.crop, String(ratio)).toMatchObject({ width, height })
      // Centred where the picture's centre is.
      expect(plan.crop.left).toBe(Math.round((1000 - width) / 2))
    }
  })

  it('of a fixed shape on a turned picture use the turned size', () => {
    const upright = { width: 1000, height: 600 }
    const edits = turned({}, 90)
    const rotated = planPictureEdits(upright, edits).rotated
    expect(rotated).toEqual({ width: 600, height: 1000 })
    const plan = planPictureEdits(upright, withCrop(edits, cropToRatio(16 / 9, rotated)))
    expect(plan.size).toEqual({ width: 600, height: 338 })
  })

  it('keep their shape while a corner or a side is dragged, and stay inside the picture', () => {
    const square = cropToRatio(1, wide)
    const dragged = snapCrop(dragCrop(square, 'se', -0.2, 0.1, wide, 1), wide)
    const plan = planPictureEdits(wide, { crop: dragged })
    expect(plan.crop.width).toBe(plan.crop.height)
    expect(plan.crop.width).toBe(400)
    const side = snapCrop(dragCrop(dragged, 'e', 0.5, 0, wide, 1), wide)
    const sidePlan = planPictureEdits(wide, { crop: side })
    expect(sidePlan.crop.width).toBe(sidePlan.crop.height)
    expect(sidePlan.crop.top + sidePlan.crop.height).toBeLessThanOrEqual(600)
    expect(sidePlan.crop.left + sidePlan.crop.width).toBeLessThanOrEqual(1000)
  })

  it('move without changing size, never past an edge', () => {
    const crop = { x: 0.1, y: 0.1, width: 0.5, height: 0.5 }
    expect(dragCrop(crop, 'move', 0.9, -0.9, wide)).toEqual({ ...crop, x: 0.5, y: 0 })
  })

  it('never shrink past the smallest share the API accepts', () => {
    const crop = dragCrop({ x: 0.2, y: 0.2, width: 0.5, height: 0.5 }, 'nw', 0.9, 0.9, wide)
    expect(crop.width).toBeCloseTo(0.01)
    expect(crop.height).toBeCloseTo(0.01)
  })

  it('of the whole picture are no crop', () => {
    expect(withCrop({ rotate: 90 }, { x: 0, y: 0, width: 1, height: 1 })).toEqual({ rotate: 90 })
    expect(withCrop({ rotate: 90 }, undefined)).toEqual({ rotate: 90 })
  })
})

describe('bands', () => {
  it('are kept within 0..1 of the height and a #rrggbb colour', () => {
    expect(withBands({}, { top: 0.25, color: '#000000' })).toEqual({
      bandTop: 0.25,
      bandColor: '#000000',
    })
    expect(withBands({ bandTop: 0.25 }, { top: 3, bottom: -1, color: 'red' })).toEqual({
      bandTop: 1,
    })
    expect(withBands({ bandTop: 0.25 }, { top: 0, color: '#FFFFFF' })).toEqual({})
  })
})
