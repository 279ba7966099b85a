import { writeFile } from 'node:fs/promises'
import type { Locator } from '@playwright/test'
import { expect, test } from '../fixtures.ts'
import { encodeAnimatedGif } from '../support/animated-gif.ts'
import { attachScreenshot } from '../support/screenshots.ts'

type Colour = readonly [number, number, number]

const WIDTH = 240
const HEIGHT = 180
/** One flat colour a frame, shown 400 ms each. */
const FRAME_COLOURS: readonly Colour[] = [
  [200, 40, 40],
  [40, 170, 60],
  [40, 60, 200],
]
const DELAY_CS = 40

async function writeAnimatedGif(path: string): Promise<void> {
  const frames = FRAME_COLOURS.map((_, index) => ({
    indices: new Uint8Array(WIDTH * HEIGHT).fill(index),
    delay: DELAY_CS,
  }))
  await writeFile(path, encodeAnimatedGif(WIDTH, HEIGHT, FRAME_COLOURS, frames))
}

const near = (a: readonly number[], b: Colour, tolerance = 30) =>
  a.every((channel, c) => Math.abs(channel - b[c]!) <= tolerance)

/** The preview's colour below the captions, where only the picture shows. */
function previewColour(preview: Locator): Promise<number[]> {
  return preview.evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d')!
    const { data } = ctx.getImageData(
      Math.round(canvas.width * 0.5),
      Math.round(canvas.height * 0.6),
      1,
      1,
    )
    return [data[0]!, data[1]!, data[2]!]
  })
}

/** Which of the frames' colours the preview shows now, or -1 for none. */
async function shownFrame(preview: Locator): Promise<number> {
  const colour = await previewColour(preview)
  return FRAME_COLOURS.findIndex((frame) => near(colour, frame))
}

interface FrameSeen {
  durationMs: number
  background: number[]
  /** Shares of the caption's band that are near white and near black. */
  white: number
  black: number
}

for (const viewport of [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
]) {
  test(`an animated GIF plays in the preview with its caption and renders as an animated GIF (${viewport.name})`, async ({
    page,
    editorPage,
  }, testInfo) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    const source = testInfo.outputPath('three-frames.gif')
    await writeAnimatedGif(source)
    await editorPage.chooseImage(source)
    await editorPage.selectBox(0)
    await editorPage.setText('Hello')
    await expect(editorPage.preview).not.toHaveAttribute('aria-busy', 'true')

    await test.step('the preview changes from frame to frame', async () => {
      const seen = new Set<number>()
      await expect
        .poll(
          async () => {
            seen.add(await shownFrame(editorPage.preview))
            return [...seen].filter((index) => index >= 0).length
          },
          { timeout: 5_000, intervals: [150] },
        )
        .toBeGreaterThanOrEqual(2)
      expect(seen.has(-1), 'every sample shows one of the frames').toBe(false)
      await expect(page.getByRole('button', { name: 'Pause animation' })).toBeVisible()
      await attachScreenshot(page, testInfo, `animated-preview-${viewport.name}`)
    })

    await test.step('Pause holds one frame', async () => {
      // The caption still has the focus: on a phone the preview is compact and grows back as
      // the focus leaves, but only once the click has landed.
      await expect(editorPage.textField).toBeFocused()
      await page.getByRole('button', { name: 'Pause animation' }).click()
      const held = await shownFrame(editorPage.preview)
      await page.waitForTimeout(1_000)
      expect(await shownFrame(editorPage.preview)).toBe(held)
      await page.getByRole('button', { name: 'Play animation' }).click()
    })

    await editorPage.generateButton.click()
    await expect(editorPage.resultImage).toBeVisible({ timeout: 30_000 })
    const result = await editorPage.resultImageBytes()
    expect(result.type).toBe('image/gif')
    await writeFile(testInfo.outputPath('render.gif'), result.bytes)

    await test.step('the render has every frame, its timing, and the caption on each', async () => {
      const frames = await editorPage.resultImage.evaluate(async (img: HTMLImageElement) => {
        const data = await (await fetch(img.src)).arrayBuffer()
        const decoder = new ImageDecoder({ data, type: 'image/gif' })
        await decoder.tracks.ready
        await decoder.completed
        const count = decoder.tracks.selectedTrack!.frameCount
        const seen: FrameSeen[] = []
        for (let frameIndex = 0; frameIndex < count; frameIndex++) {
          const { image } = await decoder.decode({ frameIndex })
          const canvas = new OffscreenCanvas(image.displayWidth, image.displayHeight)
          const ctx = canvas.getContext('2d')!
          ctx.drawImage(image, 0, 0)
          const { width, height } = canvas
          const at = (x: number, y: number) => ctx.getImageData(x, y, 1, 1).data
          const centre = at(Math.round(width * 0.5), Math.round(height * 0.6))
          // The top box: the middle 80 % of the width, 4 % to 22 % of the height.
          const band = ctx.getImageData(
            Math.round(width * 0.1),
            Math.round(height * 0.04),
            Math.round(width * 0.8),
            Math.round(height * 0.18),
          ).data
          let white = 0
          let black = 0
          for (let i = 0; i < band.length; i += 4) {
            const channels = [band[i]!, band[i + 1]!, band[i + 2]!]
            if (channels.every((c) => c > 220)) white++
            if (channels.every((c) => c < 40)) black++
          }
          seen.push({
            durationMs: (image.duration ?? 0) / 1000,
            background: [centre[0]!, centre[1]!, centre[2]!],
            white: white / (band.length / 4),
            black: black / (band.length / 4),
          })
          image.close()
        }
        decoder.close()
        return seen
      })
      testInfo.annotations.push({ type: 'frames', description: JSON.stringify(frames) })
      expect(frames).toHaveLength(FRAME_COLOURS.length)
      frames.forEach((frame, index) => {
        expect(frame.durationMs, `frame ${index}`).toBe(DELAY_CS * 10)
        expect(
          near(frame.background, FRAME_COLOURS[index]!),
          `frame ${index}: ${frame.background}`,
        ).toBe(true)
        // White letters with a black outline, on every frame.
        expect(frame.white, `frame ${index}`).toBeGreaterThan(0.02)
        expect(frame.black, `frame ${index}`).toBeGreaterThan(0.01)
      })
    })

    const downloading = page.waitForEvent('download')
    await editorPage.downloadAction.click()
    expect((await downloading).suggestedFilename()).toBe('hello.gif')
    await attachScreenshot(page, testInfo, `animated-generated-${viewport.name}`)
  })
}

test('with reduced motion the preview holds the first frame until Play', async ({
  page,
  editorPage,
}, testInfo) => {
  await page.emulateMedia({ reducedMotion: 'reduce' })
  const source = testInfo.outputPath('three-frames.gif')
  await writeAnimatedGif(source)
  await editorPage.chooseImage(source)
  const play = page.getByRole('button', { name: 'Play animation' })
  await expect(play).toBeVisible()
  await expect(editorPage.preview).not.toHaveAttribute('aria-busy', 'true')
  expect(await shownFrame(editorPage.preview)).toBe(0)
  await page.waitForTimeout(1_000)
  expect(await shownFrame(editorPage.preview)).toBe(0)
  await play.click()
  await expect.poll(() => shownFrame(editorPage.preview), { timeout: 5_000 }).not.toBe(0)
  await expect(page.getByRole('button', { name: 'Pause animation' })).toBeVisible()
})
