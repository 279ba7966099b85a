import { expect, test } from '../fixtures.ts'
import { decodeImage, meanAbsDiff, type DecodedImage } from '../support/pixels.ts'
import { attachScreenshot } from '../support/screenshots.ts'

// As in wysiwyg.spec.ts: the same layout drawn by two builds of Skia differs only along the
// glyphs' edges; a line broken elsewhere differs by whole glyphs.
const MAX_MEAN_DIFFERENCE = 2

/**
 * Runs of rows, within the top box (2 % to 22 % of the height), holding the caption's white
 * fill: the source picture keeps every channel within 40..210, so only the caption is white.
 */
function whiteBands(image: DecodedImage): [number, number][] {
  const bands: [number, number][] = []
  const top = Math.round(0.02 * image.height)
  const bottom = Math.round(0.22 * image.height)
  for (let y = top; y < bottom; y++) {
    let white = 0
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 4
      if (image.data[i]! > 235 && image.data[i + 1]! > 235 && image.data[i + 2]! > 235) white++
    }
    // A few pixels of anti-aliasing are not a line's ink.
    const inked = white >= 3
    const last = bands.at(-1)
    if (inked && last && last[1] === y - 1) last[1] = y
    else if (inked) bands.push([y, y])
  }
  return bands
}

/** How far apart the leftmost and rightmost white pixels of a band of rows lie, in pixels. */
function whiteWidth(image: DecodedImage, [top, bottom]: [number, number]): number {
  let left = image.width
  let right = -1
  for (let y = top; y <= bottom; y++) {
    for (let x = 0; x < image.width; x++) {
      const i = (y * image.width + x) * 4
      if (image.data[i]! > 235 && image.data[i + 1]! > 235 && image.data[i + 2]! > 235) {
        left = Math.min(left, x)
        right = Math.max(right, x)
      }
    }
  }
  return right - left
}

for (const viewport of [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
]) {
  test(`Enter starts a new line in the preview and the render alike (${viewport.name})`, async ({
    page,
    editorPage,
    sourcePicture,
  }, testInfo) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    await editorPage.chooseImage(sourcePicture.path)
    await editorPage.chooseFormat('PNG')
    await editorPage.selectBox(1)
    await editorPage.textField.fill('')
    await editorPage.selectBox(0)
    await editorPage.textField.fill('')

    await test.step('Enter in the caption field inserts a line break, not a Generate', async () => {
      await editorPage.textField.pressSequentially('FIRST LINE')
      await editorPage.textField.press('Enter')
      await editorPage.textField.pressSequentially('SECOND LINE')
      await expect(editorPage.textField).toHaveValue('FIRST LINE\nSECOND LINE')
      await expect(editorPage.resultImage).toHaveCount(0)
      await expect(editorPage.fitHint).toBeHidden()
      await expect(editorPage.textField).toHaveAttribute('placeholder', /Enter starts a new line/)
    })

    const preview = await decodeImage(await editorPage.previewPng())
    await editorPage.generateButton.click()
    await expect(editorPage.resultImage).toBeVisible({ timeout: 30_000 })
    const result = await editorPage.resultImageBytes()
    expect(result.type).toBe('image/png')
    const rendered = await decodeImage(result.bytes)
    await attachScreenshot(page, testInfo, `line-breaks-${viewport.name}`)

    await test.step('the render has two bands of text in the top box, one above the other', async () => {
      const bands = whiteBands(rendered)
      testInfo.annotations.push({
        type: 'bands',
        description: JSON.stringify(bands.map((band) => [...band, whiteWidth(rendered, band)])),
      })
      expect(bands).toHaveLength(2)
      const [first, second] = bands as [[number, number], [number, number]]
      // The box's centre is at 12 % of the height: one line above it, one below.
      const centre = 0.12 * rendered.height
      expect(first[1]).toBeLessThan(centre)
      expect(second[0]).toBeGreaterThan(centre)
      expect(second[0] - first[1]).toBeGreaterThan(4)
      // The lines are of a size alike: neither is a sliver of anti-aliasing.
      expect(first[1] - first[0]).toBeGreaterThan(15)
      expect(second[1] - second[0]).toBeGreaterThan(15)
      // Broken where Enter was pressed, not wrapped: "FIRST LINE" and "SECOND LINE" are about
      // as wide (a wrap of the words on one line would leave "LINE" alone, or fit one line).
      const widths = bands.map((band) => whiteWidth(rendered, band))
      expect(widths[1]! / widths[0]!).toBeGreaterThan(0.8)
      expect(widths[1]! / widths[0]!).toBeLessThan(1.5)
      expect(whiteBands(preview)).toEqual(bands)
    })

    await test.step('and the preview showed exactly that', async () => {
      const mean = meanAbsDiff(preview, rendered, { x0: 0, x1: 1, y0: 0, y1: 1 })
      testInfo.annotations.push({ type: 'wysiwyg', description: `mean |Δ| ${mean.toFixed(3)}` })
      expect(mean).toBeLessThan(MAX_MEAN_DIFFERENCE)
    })
  })
}

test('pasted line breaks are kept, Windows ones too; a tab becomes a space', async ({
  editorPage,
  sourcePicture,
}) => {
  await editorPage.chooseImage(sourcePicture.path)
  await editorPage.selectBox(0)
  await editorPage.textField.fill('')
  // What a paste of text copied on Windows inserts.
  await editorPage.page.keyboard.insertText('PASTED\r\nTWO\tLINES')
  await expect(editorPage.textField).toHaveValue('PASTED\nTWO LINES')
})
