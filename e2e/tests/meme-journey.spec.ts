import { readFile } from 'node:fs/promises'
import type { Request } from '@playwright/test'
import { expect, test } from '../fixtures.ts'
import { attachScreenshot } from '../support/screenshots.ts'
import {
  decodeImage,
  JPEG_MAGIC,
  meanAbsDiff,
  shareOfPixels,
  type Region,
} from '../support/pixels.ts'

// The captions' boxes: the top line is centred at 12% of the height, the bottom line at
// 88%, both centred horizontally. The bands below sit on those lines and keep to the
// centre columns, where any caption of a few words has glyphs.
const TOP_CAPTION_BAND: Region = { x0: 0.3, x1: 0.7, y0: 0.1, y1: 0.2 }
const BOTTOM_CAPTION_BAND: Region = { x0: 0.3, x1: 0.7, y0: 0.8, y1: 0.9 }
// Nothing is drawn here, so the render must give back the source picture.
const MIDDLE_BAND: Region = { x0: 0, x1: 1, y0: 0.4, y1: 0.6 }

// Metric: mean absolute difference of R, G and B over a band, on the 0..255 scale.
// A JPEG re-encode of the same picture stays well below 6; a band that holds a white
// caption with a black outline over this mid-tone picture differs by far more than 20.
const RE_ENCODE_TOLERANCE = 6
const CAPTION_MIN_DIFFERENCE = 20
// The preview is the picture scaled down in the browser; its resampling differs a little
// from Skia's in Node along the shapes' edges (measured: under 1).
const PREVIEW_TOLERANCE = 8
// The source keeps every channel within 40..210, so near-white (all channels >= 235) and
// near-black (all <= 25) pixels in a caption band can only be caption fill and outline.
const CAPTION_MIN_WHITE_SHARE = 0.02
const CAPTION_MIN_BLACK_SHARE = 0.005

test('a picture with two captions comes back as a meme of the same size', async ({
  page,
  editorPage,
  sourcePicture,
}, testInfo) => {
  await test.step('choose the picture and type the captions', async () => {
    await expect(editorPage.generateButton).toBeDisabled()
    await editorPage.chooseImage(sourcePicture.path)
    await expect(editorPage.preview).toBeVisible()
    // A picture alone is not a meme yet.
    await expect(editorPage.generateButton).toBeDisabled()
    await editorPage.typeCaptions('WHEN THE E2E SUITE', 'PASSES ON THE FIRST RUN')
    await expect(editorPage.generateButton).toBeEnabled()

    // The preview shows the chosen picture: scaled to the preview's size, the source
    // matches it where no caption is drawn (the placeholder would differ by ~90).
    const previewShot = await decodeImage(await editorPage.preview.screenshot())
    const scaledSource = await decodeImage(sourcePicture.bytes, previewShot)
    expect(
      meanAbsDiff(previewShot, scaledSource, MIDDLE_BAND),
      'the preview shows the chosen picture',
    ).toBeLessThan(PREVIEW_TOLERANCE)
    await attachScreenshot(page, testInfo, 'editor-before')
  })

  await test.step('generate', async () => {
    const requests: Request[] = []
    page.on('request', (request) => requests.push(request))
    await editorPage.watchBusyStates()
    await editorPage.generateButton.click()
    await expect(editorPage.resultImage).toBeVisible({ timeout: 30_000 })
    // Worded as the share page words it.
    await expect(editorPage.resultImage).toHaveAccessibleName(
      'Meme: “WHEN THE E2E SUITE” / “PASSES ON THE FIRST RUN”',
    )
    await expect
      .poll(() => editorPage.resultNaturalSize(), { message: 'the result image loads' })
      .toEqual({ width: sourcePicture.width, height: sourcePicture.height })
    await expect(editorPage.generateButton).toBeEnabled()

    const busyStates = await editorPage.busyStatesSeen()
    await testInfo.attach('busy-states.json', {
      body: JSON.stringify(busyStates, null, 2),
      contentType: 'application/json',
    })
    expect(busyStates, 'a progress bar or a busy Generate button was shown').not.toHaveLength(0)
    for (const { progressValue } of busyStates) {
      if (progressValue !== null) {
        expect(Number(progressValue)).toBeGreaterThanOrEqual(0)
        expect(Number(progressValue)).toBeLessThanOrEqual(100)
      }
    }
    // The picture goes from the browser straight to S3 under a signed POST, then is rendered.
    const appOrigin = new URL(page.url()).origin
    const sign = requests.find((r) => new URL(r.url()).pathname === '/api/sign-s3-request')
    expect(sign, 'the editor asked for a signed upload').toBeDefined()
    expect(new URL(sign?.url() ?? appOrigin).searchParams.get('contentType')).toBe(
      sourcePicture.mimeType,
    )
    const upload = requests.find(
      (r) => r.method() === 'POST' && new URL(r.url()).origin !== appOrigin,
    )
    expect(upload, 'the picture was POSTed to S3, not through the API').toBeDefined()
    expect(new URL(upload?.url() ?? appOrigin).hostname).toBe('127.0.0.1')
    const render = requests.find((r) => new URL(r.url()).pathname === '/api/meme')
    expect(render?.method(), 'the editor asked the API to render').toBe('POST')

    await expect(editorPage.downloadAction).toBeVisible()
    await expect(editorPage.copyAction).toBeVisible()
    await attachScreenshot(page, testInfo, 'editor-after')
  })

  await test.step('the captions are drawn, the rest of the picture is unchanged', async () => {
    const shown = await editorPage.resultImageBytes()
    expect(shown.type, 'JPEG in, JPEG out').toBe('image/jpeg')
    const resultBytes = shown.bytes
    await testInfo.attach('generated-meme', { body: resultBytes, contentType: 'image/jpeg' })
    expect([...resultBytes.subarray(0, 3)]).toEqual([...JPEG_MAGIC])

    const result = await decodeImage(resultBytes)
    const source = await decodeImage(sourcePicture.bytes)
    expect({ width: result.width, height: result.height }).toEqual({
      width: source.width,
      height: source.height,
    })

    const measured = {
      top: meanAbsDiff(result, source, TOP_CAPTION_BAND),
      bottom: meanAbsDiff(result, source, BOTTOM_CAPTION_BAND),
      middle: meanAbsDiff(result, source, MIDDLE_BAND),
      topWhite: shareOfPixels(result, TOP_CAPTION_BAND, (c) => c >= 235),
      topBlack: shareOfPixels(result, TOP_CAPTION_BAND, (c) => c <= 25),
      bottomWhite: shareOfPixels(result, BOTTOM_CAPTION_BAND, (c) => c >= 235),
      bottomBlack: shareOfPixels(result, BOTTOM_CAPTION_BAND, (c) => c <= 25),
    }
    await testInfo.attach('pixel-metrics.json', {
      body: JSON.stringify(measured, null, 2),
      contentType: 'application/json',
    })

    expect(measured.top, 'top caption band differs from the source').toBeGreaterThan(
      CAPTION_MIN_DIFFERENCE,
    )
    expect(measured.bottom, 'bottom caption band differs from the source').toBeGreaterThan(
      CAPTION_MIN_DIFFERENCE,
    )
    expect(measured.middle, 'middle band matches the source').toBeLessThan(RE_ENCODE_TOLERANCE)
    expect(measured.topWhite, 'top caption has white fill').toBeGreaterThan(CAPTION_MIN_WHITE_SHARE)
    expect(measured.topBlack, 'top caption has a black outline').toBeGreaterThan(
      CAPTION_MIN_BLACK_SHARE,
    )
    expect(measured.bottomWhite, 'bottom caption has white fill').toBeGreaterThan(
      CAPTION_MIN_WHITE_SHARE,
    )
    expect(measured.bottomBlack, 'bottom caption has a black outline').toBeGreaterThan(
      CAPTION_MIN_BLACK_SHARE,
    )
  })

  await test.step('Download saves the meme as a JPEG named from its captions', async () => {
    const downloadEvent = page.waitForEvent('download')
    await editorPage.downloadAction.click()
    const download = await downloadEvent
    expect(download.suggestedFilename()).toBe('when-the-e2e-suite-passes-on-the-first-run.jpg')
    const savedPath = testInfo.outputPath(`downloaded-${download.suggestedFilename()}`)
    await download.saveAs(savedPath)
    const downloaded = await readFile(savedPath)
    expect([...downloaded.subarray(0, 3)]).toEqual([...JPEG_MAGIC])
    const decoded = await decodeImage(downloaded)
    expect({ width: decoded.width, height: decoded.height }).toEqual({
      width: sourcePicture.width,
      height: sourcePicture.height,
    })
  })
})

test('ten text boxes: each tab stands apart and whole, at every width; Add text says why it is off', async ({
  page,
  editorPage,
  sourcePicture,
}, testInfo) => {
  await editorPage.chooseImage(sourcePicture.path)
  await expect(editorPage.preview).toBeVisible()
  while ((await editorPage.boxTabs.count()) < 10) await editorPage.addBox()
  await expect(editorPage.boxTabs).toHaveText(Array.from({ length: 10 }, (_, i) => `Text ${i + 1}`))
  await expect(editorPage.addTextButton).toBeDisabled()
  await expect(editorPage.addTextButton).toHaveAccessibleDescription(
    '10 text boxes at most: delete one to add another.',
  )
  await expect(page.getByText('10 text boxes at most: delete one to add another.')).toBeVisible()
  await expect(page.getByRole('button', { name: 'Duplicate' }).first()).toBeDisabled()
  await test.step('new boxes go where they are seen and free, never on top of another', async () => {
    const stage = (await editorPage.preview.boundingBox())!
    const placed = await editorPage.boxes.evaluateAll((boxes) =>
      boxes.map((box) => {
        const { left, right, top, bottom } = box.getBoundingClientRect()
        return { left, right, top, bottom }
      }),
    )
    expect(placed).toHaveLength(10)
    const centre = (r: (typeof placed)[number]) => ({
      x: (r.left + r.right) / 2,
      y: (r.top + r.bottom) / 2,
    })
    placed.forEach((box, i) => {
      expect(box.left, `box ${i + 1} inside the picture`).toBeGreaterThanOrEqual(stage.x - 1)
      expect(box.right).toBeLessThanOrEqual(stage.x + stage.width + 1)
      expect(box.top).toBeGreaterThanOrEqual(stage.y - 1)
      expect(box.bottom).toBeLessThanOrEqual(stage.y + stage.height + 1)
      for (const [j, other] of placed.entries()) {
        if (j <= i) continue
        const [a, b] = [centre(box), centre(other)]
        expect(
          Math.hypot(a.x - b.x, a.y - b.y),
          `boxes ${i + 1} and ${j + 1} not stacked`,
        ).toBeGreaterThan(8)
      }
    })
    // The first box added, with the picture still mostly free, covers neither starting box.
    const [top, bottom, added] = placed
    for (const other of [top!, bottom!]) {
      const apart =
        added!.right <= other.left + 1 ||
        added!.left >= other.right - 1 ||
        added!.bottom <= other.top + 1 ||
        added!.top >= other.bottom - 1
      expect(apart, 'the first added box covers no other').toBe(true)
    }
  })
  const tablist = page.getByRole('tablist', { name: 'Text boxes' })
  for (const width of [1280, 1024, 900, 768, 600, 390, 320]) {
    await page.setViewportSize({ width, height: 900 })
    const boxes = await editorPage.boxTabs.evaluateAll((tabs) =>
      tabs.map((tab) => {
        const { left, right, top, bottom } = tab.getBoundingClientRect()
        return { left, right, top, bottom, fits: tab.scrollWidth <= tab.clientWidth }
      }),
    )
    const list = (await tablist.boundingBox())!
    boxes.forEach((box, i) => {
      expect(box.fits, `Text ${i + 1} shows its whole label at ${width}`).toBe(true)
      expect(box.left, `Text ${i + 1} inside the list at ${width}`).toBeGreaterThanOrEqual(
        list.x - 0.5,
      )
      expect(box.right).toBeLessThanOrEqual(list.x + list.width + 0.5)
      for (const other of boxes.slice(i + 1)) {
        const apart =
          other.left >= box.right + 4 ||
          box.left >= other.right + 4 ||
          other.top >= box.bottom + 4 ||
          box.top >= other.bottom + 4
        expect(apart, `Text ${i + 1} stands apart from the next tabs at ${width}`).toBe(true)
      }
    })
  }
  for (const width of [1280, 390]) {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height: 900 })
      await page.emulateMedia({ colorScheme })
      await tablist.scrollIntoViewIfNeeded()
      const path = testInfo.outputPath(`caption-tabs-${width}-${colorScheme}.png`)
      await tablist.locator('..').screenshot({ path })
      await testInfo.attach(`caption-tabs-${width}-${colorScheme}`, {
        path,
        contentType: 'image/png',
      })
    }
  }
})
