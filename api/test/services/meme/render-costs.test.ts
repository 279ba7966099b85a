import { describe, expect, it } from 'vitest'
import {
  animatedRenderCost,
  editedRenderCost,
  renderCost,
} from '../../../src/services/meme/meme-render.ts'
import { probeSticker, stickerCost } from '../../../src/services/meme/sticker-layers.ts'
import { makeQuadrants, makeSolid } from '../../support/edit-pictures.ts'
import { makeAnimatedGif } from '../../support/pictures.ts'

const LIMITS = { maxPixels: 40_000_000, maxEdge: 2048 }

describe('what a render with edits or stickers is charged against the memory budget', () => {
  it('counts an edited picture at full size, where an unedited one is scaled down', async () => {
    const big = await makeQuadrants(4096, 4096)
    const plain = await animatedRenderCost(big, LIMITS)
    expect(plain).toBe(renderCost(big, LIMITS))
    // The original's RGBA (64 MiB) held whole and worked on, not only a 2048×2048 copy.
    expect(await editedRenderCost(big, LIMITS)).toBeGreaterThanOrEqual(4096 * 4096 * 4 * 5)
    expect(await editedRenderCost(big, LIMITS)).toBeGreaterThan(plain * 3)
  })

  it('counts every frame of an animation it edits', async () => {
    // Distinct colours: the GIF encoder merges frames that look alike.
    const one = await makeAnimatedGif(320, 240, [[200, 30, 30]])
    const three = await makeAnimatedGif(320, 240, [
      [200, 30, 30],
      [30, 200, 30],
      [30, 30, 200],
    ])
    const frame = 320 * 240 * 4 + 2048 * 2048 * 4
    expect((await editedRenderCost(three, LIMITS)) - (await editedRenderCost(one, LIMITS))).toBe(
      2 * frame,
    )
  })

  it('counts each sticker by its decoded size, not its bytes', async () => {
    const bytes = await makeSolid(3000, 3000, [255, 0, 0])
    const sticker = probeSticker(
      0,
      { image: 'uploads/x.png', x: 0.5, y: 0.5, width: 0.5 },
      bytes,
      LIMITS,
    )
    const cost = stickerCost(sticker, LIMITS.maxEdge)
    // Decoded RGBA twice (36 MB each), the scaled copy and the layer.
    expect(cost).toBeGreaterThan(3000 * 3000 * 4 * 2)
    expect(cost).toBe(bytes.length + 3000 * 3000 * 8 + 2048 * 2048 * 12)
  })
})
