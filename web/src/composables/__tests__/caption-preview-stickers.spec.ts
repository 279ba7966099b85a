import type { Caption } from '@meme-studio/meme-core'
import { describe, expect, it } from 'vitest'
import { paintMemePreview, type PreviewSticker } from '../caption-preview.ts'

/** A 2D context that records text and images drawn, in order, where happy-dom has none. */
function recordingContext(canvas: { width: number; height: number }) {
  const drawn: string[] = []
  const noop = () => undefined
  const ctx = {
    canvas,
    font: '10px sans-serif',
    fillStyle: '',
    strokeStyle: '',
    lineWidth: 1,
    imageSmoothingEnabled: true,
    imageSmoothingQuality: 'low',
    save: noop,
    restore: noop,
    translate: (x: number, y: number) => drawn.push(`translate ${x},${y}`),
    rotate: (angle: number) => drawn.push(`rotate ${Math.round((angle * 180) / Math.PI)}`),
    scale: noop,
    beginPath: noop,
    rect: noop,
    clip: noop,
    clearRect: noop,
    fillRect: noop,
    createLinearGradient: () => ({ addColorStop: noop }),
    drawImage: (image: { name: string }, x: number, y: number, width: number, height: number) =>
      drawn.push(`image ${image.name} at ${x},${y} size ${width}x${height}`),
    measureText(text: string) {
      return { width: text.length * Number.parseFloat(this.font) * 0.5 }
    },
    fillText: (text: string) => drawn.push(`text ${text}`),
    strokeText: noop,
  }
  return { ctx: ctx as unknown as CanvasRenderingContext2D, drawn }
}

const size = { width: 1000, height: 800 }
const picture = { image: { name: 'picture' } as unknown as CanvasImageSource, ...size }
const captions: Caption[] = [
  { text: 'ONE', x: 0.5, y: 0.1 },
  { text: 'TWO', x: 0.5, y: 0.9 },
]
const sticker = (name: string, above: number, rotation = 0): PreviewSticker => ({
  image: { name } as unknown as CanvasImageSource,
  natural: { width: 200, height: 100 },
  x: 0.25,
  y: 0.5,
  width: 0.2,
  rotation,
  above,
})
/** What was drawn, in order: only the texts and images. */
const order = (drawn: string[]) =>
  drawn
    .filter((call) => call.startsWith('text') || call.startsWith('image'))
    .map((call) => call.split(' ').slice(0, 2).join(' '))

describe('stickers in the preview', () => {
  it('are drawn among the captions in layer order: under, between and over them', () => {
    const { ctx, drawn } = recordingContext({ width: 0, height: 0 })
    paintMemePreview(ctx, picture, captions, size, {
      stickers: [sticker('over', 2), sticker('under', 0), sticker('between', 1)],
    })
    expect(order(drawn)).toEqual([
      'image picture',
      'image under',
      'text ONE',
      'image between',
      'text TWO',
      'image over',
    ])
  })

  it('each where placeSticker puts it: its width of the meme, its shape kept, turned about its centre', () => {
    const { ctx, drawn } = recordingContext({ width: 0, height: 0 })
    paintMemePreview(ctx, picture, [], size, { stickers: [sticker('star', 0, 30)] })
    // 0.2 of 1000 px wide, half as high, centred at (250, 400).
    expect(drawn).toContain('translate 250,400')
    expect(drawn).toContain('rotate 30')
    expect(drawn).toContain('image star at -100,-50 size 200x100')
  })

  it('without stickers, only the picture and captions are drawn', () => {
    const { ctx, drawn } = recordingContext({ width: 0, height: 0 })
    paintMemePreview(ctx, picture, captions, size)
    expect(order(drawn)).toEqual(['image picture', 'text ONE', 'text TWO'])
  })
})
