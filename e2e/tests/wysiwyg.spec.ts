import { writeFile } from 'node:fs/promises'
import { expect, test } from '../fixtures.ts'
import { decodeImage, meanAbsDiff, type DecodedImage, type Region } from '../support/pixels.ts'
import { attachScreenshot } from '../support/screenshots.ts'

const WHOLE: Region = { x0: 0, x1: 1, y0: 0, y1: 1 }

// Metric for "the preview is the render": the mean absolute difference of R, G and B over
// the whole picture (0..255), and the share of pixels where any channel differs by more
// than 64. Both sides draw with Skia from the same font files and the same layout; what
// differs is anti-aliasing along glyph edges (Chromium's Skia and @napi-rs/canvas's are
// different builds) and the rounding of blending the server's caption layers. Measured on
// this page: 1.09 and 0.19 %, all of it on the outlines' edges. The same preview shifted
// by one pixel measures 5.45 and 3.5 %; a line broken elsewhere or a glyph from another
// face differs by whole glyphs.
const MAX_MEAN_DIFFERENCE = 2
const MAX_SHARE_FAR_OFF = 0.005

// A caption in every script the studio supports, and colour emoji.
const LATIN_CYRILLIC_GREEK = 'Preview = render · Привет · Γειά σου'
const CJK = '你好世界 こんにちは 안녕하세요'
const RTL_AND_EMOJI = 'مرحبا بالعالم שלום עולם 😂🔥👍🏽'

function farOffShare(a: DecodedImage, b: DecodedImage): number {
  let farOff = 0
  for (let i = 0; i < a.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      if (Math.abs(a.data[i + c]! - b.data[i + c]!) > 64) {
        farOff++
        break
      }
    }
  }
  return farOff / (a.width * a.height)
}

/** Share of a region's pixels that are strongly coloured: emoji, not white, black or the grey-ish source. */
function vividShare(image: DecodedImage, region: Region): number {
  let vivid = 0
  let count = 0
  for (let y = Math.round(region.y0 * image.height); y < region.y1 * image.height; y++) {
    for (let x = Math.round(region.x0 * image.width); x < region.x1 * image.width; x++) {
      const i = (y * image.width + x) * 4
      const channels = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!]
      if (Math.max(...channels) - Math.min(...channels) > 150) vivid++
      count++
    }
  }
  return vivid / count
}

test('the preview shows exactly what the server renders, in every script', async ({
  page,
  editorPage,
  sourcePicture,
  networkLog,
}, testInfo) => {
  await editorPage.chooseImage(sourcePicture.path)
  await editorPage.chooseFormat('PNG') // lossless, so only drawing differences count

  await test.step('three boxes: scripts, faces, colours, shadow, rotation', async () => {
    await editorPage.selectBox(0)
    await editorPage.setText(LATIN_CYRILLIC_GREEK)
    await editorPage.setFont('Sans')

    await editorPage.selectBox(1)
    await editorPage.setText(RTL_AND_EMOJI)
    await editorPage.setFont('Serif')
    await editorPage.setColours({ fill: '#ffd700', outline: '#202020', outlineWidth: 0.15 })
    await editorPage.shadow.check()

    await editorPage.addBox()
    await editorPage.setText(CJK)
    await editorPage.setRotation(-12)
    await expect(editorPage.fitHint).toBeHidden()
    await attachScreenshot(page, testInfo, 'scripts-before-generate')
  })

  const previewBytes = await editorPage.previewPng()
  await writeFile(testInfo.outputPath('preview.png'), previewBytes)
  const preview = await decodeImage(previewBytes)
  expect(preview).toMatchObject({ width: sourcePicture.width, height: sourcePicture.height })

  await editorPage.generateButton.click()
  await expect(editorPage.resultImage).toBeVisible({ timeout: 30_000 })
  const result = await editorPage.resultImageBytes()
  expect(result.type).toBe('image/png')
  await writeFile(testInfo.outputPath('render.png'), result.bytes)
  const rendered = await decodeImage(result.bytes)
  await attachScreenshot(page, testInfo, 'scripts-generated')

  await test.step('both drew the captions', async () => {
    const source = await decodeImage(sourcePicture.bytes)
    // The top (12 %), middle (50 %) and bottom (88 %) boxes all changed the picture.
    for (const [y0, y1] of [
      [0.05, 0.19],
      [0.42, 0.58],
      [0.81, 0.95],
    ] as const) {
      const band = { x0: 0.1, x1: 0.9, y0, y1 }
      expect(meanAbsDiff(source, rendered, band), `render band ${y0}`).toBeGreaterThan(10)
      expect(meanAbsDiff(source, preview, band), `preview band ${y0}`).toBeGreaterThan(10)
    }
    // Emoji are drawn in colour on both sides, in the bottom box's line.
    const bottom = { x0: 0.05, x1: 0.95, y0: 0.8, y1: 0.97 }
    expect(vividShare(rendered, bottom)).toBeGreaterThan(0.002)
    expect(vividShare(preview, bottom)).toBeGreaterThan(0.002)
  })

  await test.step('and they match', async () => {
    const mean = meanAbsDiff(preview, rendered, WHOLE)
    const farOff = farOffShare(preview, rendered)
    testInfo.annotations.push({
      type: 'wysiwyg',
      description: `mean |Δ| ${mean.toFixed(3)}, pixels off by > 64: ${(farOff * 100).toFixed(3)} %`,
    })
    expect(mean).toBeLessThan(MAX_MEAN_DIFFERENCE)
    expect(farOff).toBeLessThan(MAX_SHARE_FAR_OFF)
  })

  await test.step('the browser fetched the faces the text needs', async () => {
    const fonts = networkLog.filter((line) => line.includes('.woff2'))
    // With kana in the text, its Han characters come from the Japanese face, not the Chinese.
    for (const face of ['noto-sans-jp', 'noto-sans-kr', 'arabic', 'hebrew', 'twemoji']) {
      expect(
        fonts.some((line) => line.includes(face)),
        face,
      ).toBe(true)
    }
  })
})

test('Latin text fetches no Chinese, Japanese, Korean or emoji font', async ({
  editorPage,
  sourcePicture,
  networkLog,
}) => {
  await editorPage.chooseImage(sourcePicture.path)
  await editorPage.typeCaptions('JUST LATIN', 'NOTHING ELSE')
  await editorPage.previewPng()
  const fonts = networkLog.filter((line) => line.includes('.woff2'))
  expect(fonts.some((line) => line.includes('anton'))).toBe(true)
  expect(fonts.filter((line) => /noto-sans-(sc|jp|kr)|twemoji/.test(line))).toEqual([])
})
