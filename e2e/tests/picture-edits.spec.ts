import { readFile, writeFile } from 'node:fs/promises'
import { createCanvas } from '@napi-rs/canvas'
import { expect, test } from '../fixtures.ts'
import type { EditorPage } from '../pages/editor-page.ts'
import { expectAccessibleInEveryView } from '../support/accessibility.ts'
import {
  decodeImage,
  meanAbsDiff,
  meanColour,
  type DecodedImage,
  type Region,
} from '../support/pixels.ts'
import { attachScreenshot } from '../support/screenshots.ts'

type Colour = readonly [number, number, number]

const RED: Colour = [220, 40, 40]
const GREEN: Colour = [40, 180, 60]
const BLUE: Colour = [40, 60, 220]
const YELLOW: Colour = [230, 210, 40]
const BLACK: Colour = [0, 0, 0]

const WIDTH = 400
const HEIGHT = 300

/** A 400 x 300 PNG in four quadrants: red top left, green top right, blue and yellow below. */
async function writeQuadrants(path: string): Promise<void> {
  const canvas = createCanvas(WIDTH, HEIGHT)
  const ctx = canvas.getContext('2d')
  const quadrants: [Colour, number, number][] = [
    [RED, 0, 0],
    [GREEN, WIDTH / 2, 0],
    [BLUE, 0, HEIGHT / 2],
    [YELLOW, WIDTH / 2, HEIGHT / 2],
  ]
  for (const [[r, g, b], x, y] of quadrants) {
    ctx.fillStyle = `rgb(${r}, ${g}, ${b})`
    ctx.fillRect(x, y, WIDTH / 2, HEIGHT / 2)
  }
  await writeFile(path, await canvas.encode('png'))
}

// Turned right (300 x 400: blue, red / yellow, green), mirrored left to right (red, blue /
// green, yellow), cropped to the middle square (300 x 300 from y = 50), a black band of 25 %
// above (75 px): 300 x 375, the picture's quadrants meeting at (150, 75 + 150).
const EDITED = { width: 300, height: 375 }
const EXPECTED: [string, Region, Colour][] = [
  ['band', { x0: 0.02, x1: 0.98, y0: 0.02, y1: 0.18 }, BLACK],
  ['top left', { x0: 0.03, x1: 0.15, y0: 0.23, y1: 0.35 }, RED],
  ['top right', { x0: 0.85, x1: 0.97, y0: 0.23, y1: 0.35 }, BLUE],
  ['bottom left', { x0: 0.03, x1: 0.15, y0: 0.88, y1: 0.97 }, GREEN],
  ['bottom right', { x0: 0.85, x1: 0.97, y0: 0.88, y1: 0.97 }, YELLOW],
]

function expectColours(image: DecodedImage, what: string): void {
  for (const [name, region, colour] of EXPECTED) {
    const mean = meanColour(image, region)
    for (let c = 0; c < 3; c++) {
      expect(
        Math.abs(mean[c]! - colour[c]!),
        `${what} ${name}: ${mean.map(Math.round)}`,
      ).toBeLessThan(12)
    }
  }
}

async function previewSize(editorPage: EditorPage) {
  await expect(editorPage.preview).not.toHaveAttribute('aria-busy', 'true')
  return editorPage.preview.evaluate((canvas: HTMLCanvasElement) => ({
    width: canvas.width,
    height: canvas.height,
  }))
}

for (const viewport of [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
]) {
  test(`rotate, flip, crop and a band: the preview shows them and the render matches it (${viewport.name})`, async ({
    page,
    editorPage,
  }, testInfo) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    const source = testInfo.outputPath('quadrants.png')
    await writeQuadrants(source)
    await editorPage.chooseImage(source)
    await editorPage.selectBox(1)
    await editorPage.setText('OK')
    expect(await previewSize(editorPage)).toEqual({ width: WIDTH, height: HEIGHT })

    await page.getByRole('button', { name: 'Rotate right' }).click()
    expect(await previewSize(editorPage)).toEqual({ width: 300, height: 400 })
    await page.getByRole('button', { name: 'Flip horizontal' }).click()

    const cropButton = page.getByRole('button', { name: 'Crop…' })
    await test.step('Escape leaves crop mode without cropping', async () => {
      await cropButton.click()
      const area = page.getByRole('group', { name: 'Part of the picture to keep' })
      await expect(area).toBeFocused()
      await page.keyboard.press('Escape')
      await expect(area).toBeHidden()
      await expect(cropButton).toBeFocused()
      expect(await previewSize(editorPage)).toEqual({ width: 300, height: 400 })
    })

    await test.step('a square crop, moved down and back with the arrow keys', async () => {
      await cropButton.click()
      await page.getByLabel('Aspect ratio').selectOption({ label: 'Square 1:1' })
      await expect(page.getByText('Keeps 300 × 300 px')).toBeVisible()
      const area = page.getByRole('group', { name: 'Part of the picture to keep' })
      await area.focus()
      await area.press('ArrowDown')
      await area.press('ArrowDown')
      await area.press('ArrowUp')
      await area.press('ArrowUp')
      await attachScreenshot(page, testInfo, `crop-mode-${viewport.name}`)
      await page.getByRole('button', { name: 'Apply crop' }).click()
      expect(await previewSize(editorPage)).toEqual({ width: 300, height: 300 })
    })

    await page.getByLabel('Black', { exact: true }).check()
    const above = page.getByLabel("Space above, percent of the picture's height")
    await above.fill('25')
    await above.press('Tab')
    expect(await previewSize(editorPage)).toEqual(EDITED)
    await expect(
      page.getByText('Picture turned 90°, mirrored left to right, cropped, 25% space above.'),
    ).toBeVisible()
    await attachScreenshot(page, testInfo, `edited-${viewport.name}`)

    const previewBytes = await editorPage.previewPng()
    await writeFile(testInfo.outputPath('preview.png'), previewBytes)
    const preview = await decodeImage(previewBytes)
    expectColours(preview, 'preview')

    await editorPage.generateButton.click()
    await expect(editorPage.resultImage).toBeVisible({ timeout: 30_000 })
    const result = await editorPage.resultImageBytes()
    expect(result.type).toBe('image/png')
    await writeFile(testInfo.outputPath('render.png'), result.bytes)
    const rendered = await decodeImage(result.bytes)
    expect({ width: rendered.width, height: rendered.height }).toEqual(EDITED)
    expectColours(rendered, 'render')
    const mean = meanAbsDiff(preview, rendered, { x0: 0, x1: 1, y0: 0, y1: 1 })
    testInfo.annotations.push({ type: 'wysiwyg', description: `mean |Δ| ${mean.toFixed(3)}` })
    expect(mean).toBeLessThan(2)

    const downloading = page.waitForEvent('download')
    await editorPage.downloadAction.click()
    const download = await downloading
    expect(download.suggestedFilename()).toBe('ok.png')
    const saved = testInfo.outputPath('downloaded.png')
    await download.saveAs(saved)
    expect((await readFile(saved)).equals(result.bytes)).toBe(true)
    await attachScreenshot(page, testInfo, `generated-${viewport.name}`)

    await test.step('Reset picture brings the picture back as it was', async () => {
      await page.getByRole('button', { name: 'Reset picture' }).click()
      expect(await previewSize(editorPage)).toEqual({ width: WIDTH, height: HEIGHT })
      // The result follows, re-rendered from the picture as it was (its out-of-date mark is
      // brief on a fast machine, so what is checked is where it ends).
      await expect
        .poll(() => editorPage.resultNaturalSize(), { timeout: 30_000 })
        .toEqual({ width: WIDTH, height: HEIGHT })
      await expect(editorPage.resultOutOfDate).toHaveCount(0, { timeout: 30_000 })
    })
  })
}

test('the picture edits and crop mode are accessible in both themes', async ({
  page,
  editorPage,
}, testInfo) => {
  const source = testInfo.outputPath('quadrants.png')
  await writeQuadrants(source)
  await editorPage.chooseImage(source)
  await page.getByRole('button', { name: 'Rotate left' }).click()
  const above = page.getByLabel("Space below, percent of the picture's height")
  await above.fill('10')
  await above.press('Tab')
  await page.getByRole('heading', { name: 'Edit the picture' }).scrollIntoViewIfNeeded()
  await expectAccessibleInEveryView(page, testInfo, 'picture-edits')

  await page.getByRole('button', { name: 'Crop…' }).click()
  await page.getByLabel('Aspect ratio').selectOption({ label: '16:9' })
  await expectAccessibleInEveryView(page, testInfo, 'crop-mode')
  // Nothing spills sideways on a phone, in crop mode either.
  await page.setViewportSize({ width: 390, height: 844 })
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  )
  expect(overflow).toBe(0)
})
