import { afterAll, describe, expect, it } from 'vitest'
import { CaptionThreads } from '../../../src/services/meme/caption-threads.ts'
import { captionLayerList } from '../../../src/services/meme/meme-render.ts'
import { AppError } from '../../../src/services/shared/app-error.ts'

describe('CaptionThreads', () => {
  const threads = new CaptionThreads(2)
  afterAll(() => threads.close())
  const size = { width: 800, height: 600 }

  it('draws the layers this thread draws, byte for byte', async () => {
    const captions = [
      { text: 'One does not simply', x: 0.5, y: 0.15 },
      { text: '', x: 0.5, y: 0.5 },
      { text: 'draw on the event loop — 日本語', x: 0.5, y: 0.85, color: '#ffcc00' },
    ]
    const [there, here] = await Promise.all([
      threads.draw(captions, size),
      captionLayerList(captions, size),
    ])
    expect(there).toHaveLength(3)
    // A caption without text has no ink, and no layer, there as here.
    expect(there[1]).toBeUndefined()
    for (const i of [0, 2]) {
      expect(there[i]!.rect).toEqual(here[i]!.rect)
      expect(there[i]!.rect.width).toBeGreaterThan(100)
      expect(Buffer.from(there[i]!.rgba).equals(Buffer.from(here[i]!.rgba))).toBe(true)
    }
  })

  it('draws many requests at once, each its own captions', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        threads.draw([{ text: 'x'.repeat(i + 1), x: 0.5, y: 0.5 }], size),
      ),
    )
    const widths = answers.map((layers) => layers[0]!.rect.width)
    // Longer text, wider ink: each answer is its own request's.
    expect(widths).toEqual([...widths].sort((a, b) => a - b))
    expect(new Set(widths).size).toBe(8)
  })

  it('refuses text that does not fit as this thread does: the same client error', async () => {
    const captions = [
      { text: 'far too much text '.repeat(200), x: 0.5, y: 0.5, width: 0.1, height: 0.05 },
    ]
    const there = await threads.draw(captions, size).catch((error: unknown) => error)
    const here = await captionLayerList(captions, size).catch((error: unknown) => error)
    expect(here).toBeInstanceOf(AppError)
    expect(there).toBeInstanceOf(AppError)
    expect(there).toMatchObject({
      statusCode: 422,
      code: 'TEXT_DOES_NOT_FIT',
      message: (here as AppError).message,
    })
  })
})
