import { readFile } from 'node:fs/promises'
import type { Locator, Page, TestInfo } from '@playwright/test'
import { expect, test } from '../fixtures.ts'
import type { EditorPage } from '../pages/editor-page.ts'
import { expectAccessibleInEveryView } from '../support/accessibility.ts'
import { decodeImage, JPEG_MAGIC } from '../support/pixels.ts'

// A render takes a second or two; a slow machine gets room.
const RENDER_TIMEOUT = 30_000
/** The sticky header's height (main.css `--header-height`): nothing under it is in sight. */
const HEADER_HEIGHT = 60
/** How much of the preview must be in sight while typing on a phone. */
const PREVIEW_MIN_SHARE_IN_SIGHT = 0.9

const DESKTOP = { width: 1280, height: 900 }
const PHONES = [
  { name: 'phone', width: 390, height: 844 },
  // What is left of an 844 px phone screen with its keyboard up, once the keyboard shrinks
  // the layout viewport (index.html asks for that with interactive-widget=resizes-content).
  { name: 'phone-keyboard-up', width: 390, height: 500 },
]

/** The screen as it is now (not the full page: that would hide what sticks), attached. */
async function attachView(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`)
  await page.screenshot({ path })
  await testInfo.attach(name, { path, contentType: 'image/png' })
}

/** Where the element is on screen, and the screen's own height. */
async function placement(target: Locator) {
  const box = await target.boundingBox()
  if (!box) throw new Error('the element is not rendered')
  const height = await target.page().evaluate(() => window.innerHeight)
  return { ...box, screenHeight: height }
}

/** Whether a click at the element's centre lands on it, not on something drawn over it. */
async function clickLandsOn(target: Locator): Promise<boolean> {
  return target.evaluate((element) => {
    const box = element.getBoundingClientRect()
    const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2)
    return hit !== null && element.contains(hit)
  })
}

/** The whole element lies between the header and the bottom of the screen. */
async function expectOnScreen(target: Locator, what: string): Promise<void> {
  const at = await placement(target)
  expect(at.y, `${what}: below the header`).toBeGreaterThanOrEqual(HEADER_HEIGHT)
  expect(at.y + at.height, `${what}: above the bottom of the screen`).toBeLessThanOrEqual(
    at.screenHeight,
  )
  expect(await clickLandsOn(target), `${what}: nothing covers it`).toBe(true)
}

/** The share of the element's area between the header and the top of the action bar. */
async function shareInSight(target: Locator, editorPage: EditorPage): Promise<number> {
  const at = await placement(target)
  const bar = await editorPage.actionBar.boundingBox()
  const bottom = Math.min(at.screenHeight, bar ? bar.y : at.screenHeight)
  const visible = Math.max(0, Math.min(at.y + at.height, bottom) - Math.max(at.y, HEADER_HEIGHT))
  return visible / at.height
}

test('desktop: Generate is on screen without scrolling, on load, with a picture, and while writing far down', async ({
  page,
  editorPage,
  sourcePicture,
}, testInfo) => {
  await page.setViewportSize(DESKTOP)
  await editorPage.goto()
  await expect(editorPage.generateButton).toBeVisible()
  await expect(editorPage.actionBar.getByRole('button', { name: 'Generate' })).toBeVisible()
  await expectOnScreen(editorPage.generateButton, 'Generate on load')
  await attachView(page, testInfo, 'desktop-load')

  await editorPage.chooseImage(sourcePicture.path)
  await expect(editorPage.preview).toBeVisible()
  await page.evaluate(() => window.scrollTo({ top: 0, behavior: 'instant' }))
  await expectOnScreen(editorPage.generateButton, 'Generate with a picture')
  await attachView(page, testInfo, 'desktop-picture')

  // The last control of the captions step: the column has scrolled well past the fold.
  await editorPage.typeCaptions('TOP OF THE PAGE', 'BOTTOM OF THE PAGE')
  await editorPage.formatSelect.focus()
  await expectOnScreen(editorPage.formatSelect, 'the focused Format, clear of the bar')
  await expectOnScreen(editorPage.generateButton, 'Generate while writing')

  await editorPage.generateButton.click()
  await expect(editorPage.resultImage).toBeVisible({ timeout: RENDER_TIMEOUT })
  await page.evaluate(() => window.scrollTo({ top: 0, behavior: 'instant' }))
  await expectOnScreen(editorPage.barDownload, 'Download once there is a result')
  await expectOnScreen(editorPage.generateButton, 'Generate once there is a result')
  await attachView(page, testInfo, 'desktop-result')
})

for (const viewport of PHONES) {
  test(`${viewport.name}: while typing a caption the preview and Generate stay in sight; Download from the bar saves the current meme`, async ({
    page,
    editorPage,
    sourcePicture,
  }, testInfo) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    await editorPage.chooseImage(sourcePicture.path)
    await expect(editorPage.preview).toBeVisible()

    await editorPage.selectBox(0)
    await editorPage.textField.click()
    await editorPage.textField.pressSequentially('TYPED ON A PHONE')
    await expect(editorPage.textField).toBeFocused()
    // The caption reaches the preview: the box on it says so.
    await expect(editorPage.boxes.first()).toHaveAccessibleName(/TYPED ON A PHONE/)

    await test.step('the preview, the field and Generate are all in sight', async () => {
      await expect
        .poll(() => shareInSight(editorPage.preview, editorPage), {
          message: 'the preview is in sight above the field',
        })
        .toBeGreaterThanOrEqual(PREVIEW_MIN_SHARE_IN_SIGHT)
      await expectOnScreen(editorPage.textField, 'the focused text field')
      await expectOnScreen(editorPage.generateButton, 'Generate in the bar')
      const field = await placement(editorPage.textField)
      const preview = await placement(editorPage.preview)
      expect(preview.y + preview.height, 'the preview sits above the field').toBeLessThanOrEqual(
        field.y,
      )
      await attachView(page, testInfo, `${viewport.name}-typing`)
    })

    await test.step('a scroll down the captions keeps the preview in sight', async () => {
      await editorPage.formatSelect.focus()
      await expectOnScreen(editorPage.formatSelect, 'the focused Format')
      expect(await shareInSight(editorPage.preview, editorPage)).toBeGreaterThanOrEqual(
        PREVIEW_MIN_SHARE_IN_SIGHT,
      )
      await editorPage.textField.focus()
    })

    await test.step('Generate from the bar, the field still focused', async () => {
      await editorPage.generateButton.click()
      await expect(editorPage.resultImage).toHaveAccessibleName('Meme: “TYPED ON A PHONE”', {
        timeout: RENDER_TIMEOUT,
      })
      await expect(editorPage.barDownload).toBeVisible()
      await expectOnScreen(editorPage.barDownload, 'Download in the bar')
    })

    await test.step('Download from the bar saves the meme on show', async () => {
      const shown = await editorPage.resultImageBytes()
      const downloadEvent = page.waitForEvent('download')
      await editorPage.barDownload.click()
      const download = await downloadEvent
      expect(download.suggestedFilename()).toBe('typed-on-a-phone.jpg')
      const savedPath = testInfo.outputPath(`bar-${download.suggestedFilename()}`)
      await download.saveAs(savedPath)
      const downloaded = await readFile(savedPath)
      expect([...downloaded.subarray(0, 3)]).toEqual([...JPEG_MAGIC])
      expect(downloaded.equals(shown.bytes), 'the download is the result on show').toBe(true)
      const decoded = await decodeImage(downloaded)
      expect({ width: decoded.width, height: decoded.height }).toEqual({
        width: sourcePicture.width,
        height: sourcePicture.height,
      })
    })

    await test.step('Download right after an edit renders the boxes first and saves that', async () => {
      const before = await editorPage.resultImageBytes()
      await editorPage.textField.fill('EDITED THEN SAVED')
      await expect(editorPage.resultOutOfDate).toHaveCount(1)
      const downloadEvent = page.waitForEvent('download', { timeout: RENDER_TIMEOUT })
      await editorPage.barDownload.click()
      const download = await downloadEvent
      expect(download.suggestedFilename()).toBe('edited-then-saved.jpg')
      const savedPath = testInfo.outputPath(`bar-edited-${download.suggestedFilename()}`)
      await download.saveAs(savedPath)
      const downloaded = await readFile(savedPath)
      await expect(editorPage.resultImage).toHaveAccessibleName('Meme: “EDITED THEN SAVED”')
      const shown = await editorPage.resultImageBytes()
      expect(downloaded.equals(shown.bytes), 'the download is the new render').toBe(true)
      expect(downloaded.equals(before.bytes), 'not the old render').toBe(false)
    })
  })
}

test('the editor with the action bar and the compact preview passes axe, light and dark', async ({
  page,
  editorPage,
  sourcePicture,
}, testInfo) => {
  await page.setViewportSize(PHONES[0]!)
  await editorPage.chooseImage(sourcePicture.path)
  await editorPage.typeCaptions('WHEN AXE RUNS', 'ON A PHONE')
  await editorPage.generateButton.click()
  await expect(editorPage.barDownload).toBeVisible({ timeout: RENDER_TIMEOUT })
  await editorPage.textField.focus()
  await expect(editorPage.actionBar).toBeVisible()
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme })
    await attachView(page, testInfo, `phone-typing-${colorScheme}`)
  }
  await expectAccessibleInEveryView(page, testInfo, 'editor-action-bar')
})
