import type { Caption, PictureEdits } from '@meme-studio/meme-core'
import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, shallowRef } from 'vue'
import { paintMemePreview, useCaptionPreview, type PreviewPicture } from '../caption-preview.ts'

/** A picture as named colours, row by row, one name a pixel. */
type Pixels = string[][]

/**
 * A 2D context that really paints, for pictures drawn on whole pixels with quarter turns and
 * mirrors only (what picture edits use): every pixel's centre is mapped back through the
 * transform to the picture, inside the clip. happy-dom has no canvas to read back.
 */
function pixelContext(
  width: number,
  height: number,
  canvas: { width: number; height: number } = { width, height },
) {
  const pixels: Pixels = Array.from({ length: height }, () => Array<string>(width).fill('none'))
  // The transform as [a, b, c, d, e, f]: x' = a x + c y + e, y' = b x + d y + f.
  let matrix = [1, 0, 0, 1, 0, 0]
  type Box = { x0: number; y0: number; x1: number; y1: number }
  let clip: Box | null = null
  let path: Box | null = null
  const stack: { matrix: number[]; clip: Box | null; fillStyle: string }[] = []
  const apply = (x: number, y: number): [number, number] => {
    const [a, b, c, d, e, f] = matrix as [number, number, number, number, number, number]
    return [a * x + c * y + e, b * x + d * y + f]
  }
  const invert = (x: number, y: number): [number, number] => {
    const [a, b, c, d, e, f] = matrix as [number, number, number, number, number, number]
    const det = a * d - b * c
    return [(d * (x - e) - c * (y - f)) / det, (-b * (x - e) + a * (y - f)) / det]
  }
  const multiply = (next: number[]) => {
    const [a, b, c, d, e, f] = matrix as [number, number, number, number, number, number]
    const [A, B, C, D, E, F] = next as [number, number, number, number, number, number]
    matrix = [
      a * A + c * B,
      b * A + d * B,
      a * C + c * D,
      b * C + d * D,
      a * E + c * F + e,
      b * E + d * F + f,
    ]
  }
  const deviceRect = (x: number, y: number, w: number, h: number) => {
    const [x0, y0] = apply(x, y)
    const [x1, y1] = apply(x + w, y + h)
    return {
      x0: Math.min(x0, x1),
      y0: Math.min(y0, y1),
      x1: Math.max(x0, x1),
      y1: Math.max(y0, y1),
    }
  }
  const inClip = (x: number, y: number) =>
    !clip || (x >= clip.x0 && x < clip.x1 && y >= clip.y0 && y < clip.y1)
  const ctx = {
    canvas,
    fillStyle: '',
    imageSmoothingEnabled: true,
    imageSmoothingQuality: 'low',
    save: () => stack.push({ matrix: [...matrix], clip, fillStyle: ctx.fillStyle }),
    restore: () => {
      const saved = stack.pop()!
      matrix = saved.matrix
      clip = saved.clip
      ctx.fillStyle = saved.fillStyle
    },
    translate: (x: number, y: number) => multiply([1, 0, 0, 1, x, y]),
    scale: (x: number, y: number) => multiply([x, 0, 0, y, 0, 0]),
    rotate: (angle: number) => {
      const cos = Math.round(Math.cos(angle))
      const sin = Math.round(Math.sin(angle))
      multiply([cos, sin, -sin, cos, 0, 0])
    },
    beginPath: () => (path = null),
    rect: (x: number, y: number, w: number, h: number) => (path = deviceRect(x, y, w, h)),
    clip: () => (clip = path),
    clearRect: () => pixels.forEach((row) => row.fill('none')),
    fillRect: (x: number, y: number, w: number, h: number) => {
      const area = deviceRect(x, y, w, h)
      for (let py = 0; py < height; py++) {
        for (let px = 0; px < width; px++) {
          const inside = px + 0.5 >= area.x0 && px + 0.5 < area.x1 && py + 0.5 >= area.y0
          if (inside && py + 0.5 < area.y1 && inClip(px + 0.5, py + 0.5)) {
            pixels[py]![px] = ctx.fillStyle
          }
        }
      }
    },
    drawImage: (image: { pixels: Pixels }, dx: number, dy: number, dw: number, dh: number) => {
      const source = image.pixels
      for (let py = 0; py < height; py++) {
        for (let px = 0; px < width; px++) {
          if (!inClip(px + 0.5, py + 0.5)) continue
          const [u, v] = invert(px + 0.5, py + 0.5)
          const sx = Math.floor(((u - dx) / dw) * source[0]!.length)
          const sy = Math.floor(((v - dy) / dh) * source.length)
          const colour = source[sy]?.[sx]
          if (colour !== undefined) pixels[py]![px] = colour
        }
      }
    },
    measureText: (text: string) => ({ width: text.length * 10 }),
    // Text is not painted: these tests are about the picture under it.
    fillText: () => undefined,
    strokeText: () => undefined,
  }
  return { ctx: ctx as unknown as CanvasRenderingContext2D, pixels }
}

/** Four quadrants: red top left, green top right, blue bottom left, yellow bottom right. */
function quadrants(width: number, height: number): Pixels {
  return Array.from({ length: height }, (_, y) =>
    Array.from({ length: width }, (_, x) => {
      if (y < height / 2) return x < width / 2 ? 'red' : 'green'
      return x < width / 2 ? 'blue' : 'yellow'
    }),
  )
}

const pictureOf = (pixels: Pixels, edits?: PictureEdits): PreviewPicture => ({
  image: { pixels } as unknown as CanvasImageSource,
  width: pixels[0]!.length,
  height: pixels.length,
  ...(edits ? { edits } : {}),
})

const corners = (pixels: Pixels) => [
  pixels[0]![0],
  pixels[0]!.at(-1),
  pixels.at(-1)![0],
  pixels.at(-1)!.at(-1),
]

describe('paintMemePreview with picture edits', () => {
  it('draws the picture as it is without edits', () => {
    const { ctx, pixels } = pixelContext(8, 6)
    paintMemePreview(ctx, pictureOf(quadrants(8, 6)), [], { width: 8, height: 6 })
    expect(corners(pixels)).toEqual(['red', 'green', 'blue', 'yellow'])
  })

  it('turns a quarter clockwise', () => {
    const { ctx, pixels } = pixelContext(6, 8)
    paintMemePreview(ctx, pictureOf(quadrants(8, 6), { rotate: 90 }), [], { width: 6, height: 8 })
    // What was on the left is on top: blue top left, red top right.
    expect(corners(pixels)).toEqual(['blue', 'red', 'yellow', 'green'])
  })

  it('turns, then mirrors left to right, then keeps the crop, then adds a band above', () => {
    // Turned: 6 x 8 (blue, red / yellow, green); mirrored: red, blue / green, yellow; the top
    // half kept (6 x 4); a band of half its height above: 6 x 6.
    const edits: PictureEdits = {
      rotate: 90,
      flipHorizontal: true,
      crop: { x: 0, y: 0, width: 1, height: 0.5 },
      bandTop: 0.5,
      bandColor: '#000000',
    }
    const { ctx, pixels } = pixelContext(6, 6)
    paintMemePreview(ctx, pictureOf(quadrants(8, 6), edits), [], { width: 6, height: 6 })
    expect(pixels[0]).toEqual(Array(6).fill('#000000'))
    expect(pixels[1]).toEqual(Array(6).fill('#000000'))
    expect(pixels[2]).toEqual(['red', 'red', 'red', 'blue', 'blue', 'blue'])
    expect(pixels[5]).toEqual(['red', 'red', 'red', 'blue', 'blue', 'blue'])
  })

  it('scales the edited picture to the size the server renders at', () => {
    const { ctx, pixels } = pixelContext(3, 4)
    paintMemePreview(ctx, pictureOf(quadrants(8, 6), { rotate: 270, flipVertical: true }), [], {
      width: 3,
      height: 4,
    })
    // Turned anticlockwise: green, yellow / red, blue; mirrored top to bottom: red, blue on top.
    expect(corners(pixels)).toEqual(['red', 'blue', 'green', 'yellow'])
  })
})

describe('useCaptionPreview frames', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('draws each frame under the captions as laid out, without laying them out again', async () => {
    const frames: FrameRequestCallback[] = []
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => {
      frames.push(callback)
      return frames.length
    })
    const canvas = document.createElement('canvas')
    const { ctx, pixels } = pixelContext(8, 6, canvas)
    const measure = vi.spyOn(ctx, 'measureText')
    vi.spyOn(canvas, 'getContext').mockReturnValue(ctx)
    const caption: Caption = { text: 'hi', x: 0.5, y: 0.5 }
    let preview: ReturnType<typeof useCaptionPreview> | undefined
    const wrapper = mount(
      defineComponent({
        setup() {
          preview = useCaptionPreview(
            shallowRef(canvas),
            shallowRef(pictureOf(quadrants(8, 6), { flipHorizontal: true })),
            shallowRef([caption]),
            shallowRef({ width: 8, height: 6 }),
            { load: async () => undefined },
          )
          return () => h('div')
        },
      }),
    )
    frames.splice(0).forEach((callback) => callback(0))
    await vi.waitFor(() => expect(canvas.hasAttribute('aria-busy')).toBe(false))
    expect(corners(pixels)).toEqual(['green', 'red', 'yellow', 'blue'])
    const measured = measure.mock.calls.length
    expect(measured).toBeGreaterThan(0)

    // A second frame, all white: drawn at once, mirrored like the picture, text not measured.
    const white = Array.from({ length: 6 }, () => Array<string>(8).fill('white'))
    preview!.showFrame({ pixels: white } as unknown as CanvasImageSource)
    expect(corners(pixels)).toEqual(['white', 'white', 'white', 'white'])
    expect(measure.mock.calls.length).toBe(measured)
    expect(frames).toHaveLength(0)
    wrapper.unmount()
  })
})
