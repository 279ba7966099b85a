import { layoutCaption, type Caption } from '@meme-studio/meme-core'
import { mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, ref, shallowRef } from 'vue'
import { PLACEHOLDER_SIZE } from '@/stores/editor.ts'
import { paintMemePreview, useCaptionPreview, type PreviewPicture } from '../caption-preview.ts'

/** Glyphs half as wide as the font size: enough to make wrapping and sizing real. */
const measure = (text: string, font: string) => text.length * Number.parseFloat(font) * 0.5

/** A 2D context that records what was drawn, where happy-dom has no canvas. */
function recordingContext(canvas: { width: number; height: number }) {
  const drawn: string[] = []
  const ctx = {
    canvas,
    font: '10px sans-serif',
    fillStyle: '',
    strokeStyle: '',
    lineWidth: 1,
    lineJoin: 'miter',
    miterLimit: 10,
    textAlign: 'start',
    textBaseline: 'alphabetic',
    save: () => undefined,
    restore: () => undefined,
    translate: (x: number, y: number) => drawn.push(`translate ${x},${y}`),
    rotate: () => undefined,
    scale: (x: number, y: number) => drawn.push(`scale ${x},${y}`),
    beginPath: () => undefined,
    rect: () => undefined,
    clip: () => undefined,
    clearRect: () => drawn.push('clear'),
    fillRect: () => drawn.push('fill rectangle'),
    drawImage: (_image: unknown, x: number, y: number, width: number, height: number) =>
      drawn.push(`image at ${x},${y} size ${width}x${height}`),
    measureText(text: string) {
      return { width: measure(text, this.font) }
    },
    fillText(text: string, x: number, y: number) {
      drawn.push(`fill "${text}" at ${x},${y} in ${this.font}`)
    },
    strokeText(text: string, x: number, y: number) {
      drawn.push(`stroke "${text}" at ${x},${y}`)
    },
  }
  return { ctx: ctx as unknown as CanvasRenderingContext2D, drawn }
}

const picture: PreviewPicture = { image: {} as CanvasImageSource, width: 4000, height: 3000 }
/** What the server renders a 4000 x 3000 picture at, with a 2048 px longer edge. */
const renderSize = { width: 2048, height: 1536 }
const top: Caption = { text: 'one does not simply', x: 0.5, y: 0.15 }
const bottom: Caption = { text: 'walk into mordor', x: 0.5, y: 0.85 }

describe('paintMemePreview', () => {
  it('draws the picture at the size the server renders, then the captions where it puts them', () => {
    const canvas = { width: 300, height: 150 }
    const { ctx, drawn } = recordingContext(canvas)
    const layouts = paintMemePreview(ctx, picture, [top, bottom], renderSize)

    expect(canvas).toEqual(renderSize)
    // The upright picture, scaled to the render's pixels (no edits: no turn, no mirror).
    expect(drawn.slice(0, 2)).toEqual(['clear', `scale ${2048 / 4000},${1536 / 3000}`])
    expect(drawn.filter((call) => call.startsWith('image'))).toEqual([
      'image at 0,0 size 4000x3000',
    ])
    expect(layouts).toEqual([top, bottom].map((c) => layoutCaption(c, renderSize, measure)))
    // Each caption is drawn around its box's centre, in the render's pixels.
    expect(drawn).toContain(`translate 1024,${0.15 * 1536}`)
    expect(drawn).toContain(`translate 1024,${0.85 * 1536}`)
    for (const caption of [top, bottom]) {
      const layout = layoutCaption(caption, renderSize, measure)
      for (const line of layout.lines) {
        expect(drawn).toContain(`stroke "${line.text}" at ${line.x},${line.y}`)
        expect(drawn).toContain(`fill "${line.text}" at ${line.x},${line.y} in ${layout.font}`)
      }
    }
    const topLines = layoutCaption(top, renderSize, measure).lines.map((line) => line.text)
    expect(topLines.join(' ')).toBe('ONE DOES NOT SIMPLY')
  })

  it('draws only the captions until a picture is chosen (the stand-in is CSS)', () => {
    const canvas = { width: 0, height: 0 }
    const { ctx, drawn } = recordingContext(canvas)
    paintMemePreview(ctx, null, [top, { text: '   ', x: 0.5, y: 0.85 }], PLACEHOLDER_SIZE)
    expect(canvas).toEqual(PLACEHOLDER_SIZE)
    expect(drawn[0]).toBe('clear')
    expect(drawn).not.toContain('fill rectangle')
    expect(drawn.filter((call) => call.startsWith('fill "')).length).toBeGreaterThan(0)
    expect(drawn.some((call) => call.startsWith('image'))).toBe(false)
  })
})

/** Mounts a component whose setup runs `setup`. */
function mountWith(setup: () => unknown) {
  return mount(
    defineComponent({
      setup() {
        setup()
        return () => h('div')
      },
    }),
  )
}

describe('useCaptionPreview', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('redraws once per frame however many edits came in between', async () => {
    const frames: FrameRequestCallback[] = []
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => {
      frames.push(callback)
      return frames.length
    })
    const canvas = document.createElement('canvas')
    const { ctx, drawn } = recordingContext(canvas)
    vi.spyOn(canvas, 'getContext').mockReturnValue(ctx)
    const captions = ref<Caption[]>([{ ...top, text: '' }])
    const fonts = { load: vi.fn(async (_captions: readonly Caption[]) => undefined) }

    const wrapper = mountWith(() =>
      useCaptionPreview(
        shallowRef(canvas),
        shallowRef(picture),
        captions,
        shallowRef(renderSize),
        fonts,
      ),
    )
    const runFrame = async () => {
      const pending = frames.splice(0)
      pending.forEach((callback) => callback(0))
      await vi.waitFor(() => expect(drawn.length).toBeGreaterThan(0))
    }
    await runFrame()
    drawn.length = 0

    for (const text of ['w', 'wo', 'wow']) captions.value[0]!.text = text
    await Promise.resolve()
    expect(frames).toHaveLength(1)
    await runFrame()
    expect(drawn.filter((call) => call.startsWith('image at 0,0 size 4000x3000'))).toHaveLength(1)
    expect(drawn.some((call) => call.startsWith('fill "WOW"'))).toBe(true)
    // The fonts the text needs were loaded before it was measured and drawn.
    expect(fonts.load).toHaveBeenLastCalledWith([{ ...top, text: 'wow' }])
    wrapper.unmount()
  })

  it('leaves the canvas alone while it has nothing to show, and clears it when it has again', async () => {
    const frames: FrameRequestCallback[] = []
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => {
      frames.push(callback)
      return frames.length
    })
    const canvas = document.createElement('canvas')
    const { ctx, drawn } = recordingContext(canvas)
    const getContext = vi.spyOn(canvas, 'getContext').mockReturnValue(ctx)
    const captions = ref<Caption[]>([])
    const fonts = { load: async () => undefined }
    const wrapper = mountWith(() =>
      useCaptionPreview(
        shallowRef(canvas),
        shallowRef(null),
        captions,
        shallowRef(PLACEHOLDER_SIZE),
        fonts,
      ),
    )
    const runFrame = async () => {
      frames.splice(0).forEach((callback) => callback(0))
      await vi.waitFor(() => expect(canvas.hasAttribute('aria-busy')).toBe(false))
    }

    // The editor as it opens, and again when a font arrives: no draw, yet not busy.
    await runFrame()
    document.fonts?.dispatchEvent?.(new Event('loadingdone'))
    await runFrame()
    expect(getContext).not.toHaveBeenCalled()
    expect(drawn).toEqual([])

    captions.value = [top]
    await Promise.resolve()
    await runFrame()
    expect(drawn).toContain('clear')
    expect(drawn.some((call) => call.startsWith('fill "ONE DOES NOT SIMPLY"'))).toBe(true)

    // The text taken away again: the canvas is cleared of it.
    drawn.length = 0
    captions.value = []
    await Promise.resolve()
    await runFrame()
    expect(drawn).toEqual(['clear'])
    wrapper.unmount()
  })
})
