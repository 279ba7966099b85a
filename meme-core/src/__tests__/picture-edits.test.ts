import { createCanvas, type Canvas } from '@napi-rs/canvas'
import { describe, expect, it } from 'vitest'
import {
  drawEditedPicture,
  drawSticker,
  hasPictureEdits,
  layerOrder,
  placeSticker,
  planPictureEdits,
  stickerBounds,
  type PictureEdits,
} from '../picture-edits.ts'
import { outputSize } from '../picture-size.ts'

const RED = [255, 0, 0]
const GREEN = [0, 255, 0]
const BLUE = [0, 0, 255]
const YELLOW = [255, 255, 0]
type Colour = number[]

/**
 * 40×20, wider than tall, one colour a quarter: top-left red, top-right green, bottom-left
 * blue, bottom-right yellow. Every rotation and mirror puts a different colour in a corner.
 */
function quadrants(width = 40, height = 20): Canvas {
  const canvas = createCanvas(width, height)
  const ctx = canvas.getContext('2d')
  const fill = ([r, g, b]: Colour, x: number, y: number) => {
    ctx.fillStyle = `rgb(${r}, ${g}, ${b})`
    ctx.fillRect(x, y, width / 2, height / 2)
  }
  fill(RED, 0, 0)
  fill(GREEN, width / 2, 0)
  fill(BLUE, 0, height / 2)
  fill(YELLOW, width / 2, height / 2)
  return canvas
}

/** The picture drawn with its edits at its edited size, as the preview does. */
function edited(edits: PictureEdits, picture = quadrants()) {
  const upright = { width: picture.width, height: picture.height }
  const size = planPictureEdits(upright, edits).size
  const canvas = createCanvas(size.width, size.height)
  drawEditedPicture(canvas.getContext('2d'), picture, upright, edits, size)
  const data = canvas.getContext('2d').getImageData(0, 0, size.width, size.height).data
  const at = (x: number, y: number) => [
    ...data.subarray((y * size.width + x) * 4, (y * size.width + x) * 4 + 3),
  ]
  return { size, at }
}

/** Colours one pixel in from each corner: top-left, top-right, bottom-right, bottom-left. */
function corners(edits: PictureEdits) {
  const { size, at } = edited(edits)
  const r = size.width - 2
  const b = size.height - 2
  return { size, corners: [at(1, 1), at(r, 1), at(r, b), at(1, b)] }
}

describe('planPictureEdits', () => {
  const upright = { width: 1000, height: 600 }

  it('changes nothing without edits', () => {
    expect(planPictureEdits(upright, undefined)).toEqual({
      rotated: upright,
      crop: { left: 0, top: 0, width: 1000, height: 600 },
      bandTop: 0,
      bandBottom: 0,
      bandColor: '#ffffff',
      size: upright,
    })
  })

  it('swaps the sides for a quarter turn, not for a half', () => {
    expect(planPictureEdits(upright, { rotate: 90 }).size).toEqual({ width: 600, height: 1000 })
    expect(planPictureEdits(upright, { rotate: 270 }).rotated).toEqual({ width: 600, height: 1000 })
    expect(planPictureEdits(upright, { rotate: 180 }).size).toEqual(upright)
  })

  it('rounds the crop to whole pixels of the rotated picture', () => {
    const plan = planPictureEdits(upright, {
      rotate: 90,
      crop: { x: 0.1234, y: 0.5, width: 0.5, height: 0.3333 },
    })
    // Rotated: 600×1000. Left 74.04 → 74, right 374.04 → 374; top 500, bottom 833.3 → 833.
    expect(plan.crop).toEqual({ left: 74, top: 500, width: 300, height: 333 })
    expect(plan.size).toEqual({ width: 300, height: 333 })
  })

  it('keeps at least one pixel of a crop at the far edge', () => {
    const plan = planPictureEdits(
      { width: 50, height: 50 },
      {
        crop: { x: 1, y: 0.999, width: 0.001, height: 0.001 },
      },
    )
    expect(plan.crop).toEqual({ left: 49, top: 49, width: 1, height: 1 })
  })

  it('sizes the bands in pixels of the cropped height, rounded, capped at once that height', () => {
    const plan = planPictureEdits(upright, {
      crop: { x: 0, y: 0, width: 1, height: 0.5 },
      bandTop: 0.25,
      bandBottom: 0.1,
      bandColor: '#123456',
    })
    // Cropped height 300: 75 above, 30 below.
    expect(plan).toMatchObject({ bandTop: 75, bandBottom: 30, bandColor: '#123456' })
    expect(plan.size).toEqual({ width: 1000, height: 405 })
    expect(planPictureEdits(upright, { bandTop: 0.3333 }).bandTop).toBe(200)
    expect(planPictureEdits(upright, { bandBottom: 5 }).bandBottom).toBe(600)
  })
})

describe('hasPictureEdits', () => {
  it('is false for nothing, or edits that change nothing', () => {
    expect(hasPictureEdits(undefined)).toBe(false)
    expect(hasPictureEdits({})).toBe(false)
    expect(
      hasPictureEdits({
        rotate: 0,
        flipHorizontal: false,
        crop: { x: 0, y: 0, width: 1, height: 1 },
        bandTop: 0,
        bandColor: '#000000',
      }),
    ).toBe(false)
  })

  it.each<PictureEdits>([
    { rotate: 90 },
    { flipHorizontal: true },
    { flipVertical: true },
    { crop: { x: 0, y: 0, width: 0.5, height: 1 } },
    { bandTop: 0.1 },
    { bandBottom: 0.1 },
  ])('is true for %j', (edits) => {
    expect(hasPictureEdits(edits)).toBe(true)
  })
})

describe('drawEditedPicture (Skia)', () => {
  it('draws the picture as it is without edits', () => {
    expect(corners({})).toEqual({
      size: { width: 40, height: 20 },
      corners: [RED, GREEN, YELLOW, BLUE],
    })
  })

  it.each<[PictureEdits, { width: number; height: number }, Colour[]]>([
    // Clockwise: the left edge comes to the top.
    [{ rotate: 90 }, { width: 20, height: 40 }, [BLUE, RED, GREEN, YELLOW]],
    [{ rotate: 180 }, { width: 40, height: 20 }, [YELLOW, BLUE, RED, GREEN]],
    [{ rotate: 270 }, { width: 20, height: 40 }, [GREEN, YELLOW, BLUE, RED]],
    [{ flipHorizontal: true }, { width: 40, height: 20 }, [GREEN, RED, BLUE, YELLOW]],
    [{ flipVertical: true }, { width: 40, height: 20 }, [BLUE, YELLOW, GREEN, RED]],
    // Mirrored after rotating: the rotated picture's left and right trade places.
    [{ rotate: 90, flipHorizontal: true }, { width: 20, height: 40 }, [RED, BLUE, YELLOW, GREEN]],
    [{ rotate: 90, flipVertical: true }, { width: 20, height: 40 }, [YELLOW, GREEN, RED, BLUE]],
  ])('%j puts the quadrants where they belong', (edits, size, expected) => {
    expect(corners(edits)).toEqual({ size, corners: expected })
  })

  it('crops in fractions of the rotated picture', () => {
    // The top-right quarter: green only.
    const top = corners({ crop: { x: 0.5, y: 0, width: 0.5, height: 0.5 } })
    expect(top).toEqual({ size: { width: 20, height: 10 }, corners: [GREEN, GREEN, GREEN, GREEN] })
    // Turned a quarter (20×40), the bottom half is the original's right half: green, yellow.
    const turned = corners({ rotate: 90, crop: { x: 0, y: 0.5, width: 1, height: 0.5 } })
    expect(turned).toEqual({
      size: { width: 20, height: 20 },
      corners: [YELLOW, GREEN, GREEN, YELLOW],
    })
  })

  it('adds bands of their colour above and below, the picture between', () => {
    const { size, at } = edited({ bandTop: 0.5, bandBottom: 0.25, bandColor: '#000080' })
    expect(size).toEqual({ width: 40, height: 35 })
    const NAVY = [0, 0, 128]
    for (const y of [0, 9]) expect(at(20, y)).toEqual(NAVY)
    expect(at(1, 11)).toEqual(RED)
    expect(at(38, 28)).toEqual(YELLOW)
    for (const y of [30, 34]) expect(at(5, y)).toEqual(NAVY)
  })

  it('paints white bands when no colour is given', () => {
    const { at } = edited({ crop: { x: 0, y: 0, width: 0.5, height: 0.5 }, bandBottom: 1 })
    expect(at(10, 5)).toEqual(RED)
    expect(at(10, 15)).toEqual([255, 255, 255])
  })

  it('scales the edited picture to the size it is drawn at', () => {
    const picture = quadrants(400, 200)
    const upright = { width: 400, height: 200 }
    const edits: PictureEdits = { rotate: 90, bandTop: 0.5 }
    const size = outputSize(planPictureEdits(upright, edits).size, 60)
    expect(size).toEqual({ width: 20, height: 60 })
    const canvas = createCanvas(size.width, size.height)
    drawEditedPicture(canvas.getContext('2d'), picture, upright, edits, size)
    const data = canvas.getContext('2d').getImageData(0, 0, 20, 60).data
    const at = (x: number, y: number) => [...data.subarray((y * 20 + x) * 4, (y * 20 + x) * 4 + 3)]
    // A band of 20 rows, then the turned picture at 20×40.
    expect(at(10, 5)).toEqual([255, 255, 255])
    expect(at(2, 22)).toEqual(BLUE)
    expect(at(17, 57)).toEqual(GREEN)
  })
})

describe('placeSticker and stickerBounds', () => {
  const meme = { width: 800, height: 600 }

  it('gives the width asked for and keeps the sticker’s shape', () => {
    const placement = placeSticker(
      { x: 0.5, y: 0.25, width: 0.25 },
      { width: 300, height: 150 },
      meme,
    )
    expect(placement).toEqual({ centreX: 400, centreY: 150, width: 200, height: 100, rotation: 0 })
  })

  it('never makes a sticker smaller than a pixel', () => {
    const placement = placeSticker({ x: 0, y: 0, width: 0.0001 }, { width: 10, height: 1 }, meme)
    expect(placement).toMatchObject({ width: 1, height: 1 })
  })

  it('bounds a sticker with a pixel to spare around it, larger when it is turned', () => {
    const flat = stickerBounds({ centreX: 400, centreY: 150, width: 200, height: 100, rotation: 0 })
    expect(flat).toEqual({ left: 299, top: 99, width: 202, height: 102 })
    const turned = stickerBounds({
      centreX: 400,
      centreY: 150,
      width: 200,
      height: 100,
      rotation: 90,
    })
    expect(turned.width).toBe(102)
    expect(turned.height).toBe(202)
    const diagonal = stickerBounds({
      centreX: 0,
      centreY: 0,
      width: 100,
      height: 100,
      rotation: 45,
    })
    // Half the diagonal, 70.7, each way.
    expect(diagonal).toEqual({ left: -72, top: -72, width: 144, height: 144 })
  })

  it('draws the sticker inside its bounds, centred, turned clockwise', () => {
    const sticker = createCanvas(20, 10)
    const sctx = sticker.getContext('2d')
    sctx.fillStyle = 'rgb(255, 0, 0)'
    sctx.fillRect(0, 0, 10, 10)
    sctx.fillStyle = 'rgb(0, 0, 255)'
    sctx.fillRect(10, 0, 10, 10)
    const placement = placeSticker({ x: 0.5, y: 0.5, width: 0.4, rotation: 90 }, sticker, {
      width: 100,
      height: 100,
    })
    const canvas = createCanvas(100, 100)
    drawSticker(canvas.getContext('2d'), sticker, placement)
    const data = canvas.getContext('2d').getImageData(0, 0, 100, 100).data
    const at = (x: number, y: number) => [
      ...data.subarray((y * 100 + x) * 4, (y * 100 + x) * 4 + 4),
    ]
    // 40×20 turned clockwise: the red left half is now on top, the blue right half below.
    expect(at(50, 35)).toEqual([255, 0, 0, 255])
    expect(at(50, 65)).toEqual([0, 0, 255, 255])
    expect(at(35, 50)).toEqual([0, 0, 0, 0])
    const bounds = stickerBounds(placement)
    expect(bounds.left).toBeLessThanOrEqual(40)
    expect(bounds.left + bounds.width).toBeGreaterThanOrEqual(60)
  })
})

describe('layerOrder', () => {
  const names = (layers: ReturnType<typeof layerOrder>) =>
    layers.map((layer) => `${layer.kind === 'caption' ? 'c' : 's'}${layer.index}`)

  it('draws stickers under caption k before it, and unset ones under every caption', () => {
    expect(names(layerOrder(2, [{ above: 1 }, {}, { above: 2 }]))).toEqual([
      's1',
      'c0',
      's0',
      'c1',
      's2',
    ])
  })

  it('keeps the list order of stickers with the same place', () => {
    expect(names(layerOrder(1, [{ above: 1 }, { above: 0 }, { above: 1 }, { above: 0 }]))).toEqual([
      's1',
      's3',
      'c0',
      's0',
      's2',
    ])
  })

  it('puts a sticker above more captions than there are on top of all of them', () => {
    expect(names(layerOrder(2, [{ above: 9 }, { above: -3 }]))).toEqual(['s1', 'c0', 'c1', 's0'])
    expect(names(layerOrder(0, [{ above: 4 }, {}]))).toEqual(['s0', 's1'])
  })
})
