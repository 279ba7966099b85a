import { readFile } from 'node:fs/promises'
import { expect, test } from '../fixtures.ts'
import { expectAccessibleInEveryView } from '../support/accessibility.ts'
import { attachScreenshot } from '../support/screenshots.ts'

// Long enough to look at the out-of-date state: the editor re-renders 800 ms after the last
// edit, and the render itself takes a second or two.
const RENDER_TIMEOUT = 30_000

for (const viewport of [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
]) {
  test(`the result never goes stale: marked out of date, re-rendered, downloaded current (${viewport.name})`, async ({
    page,
    editorPage,
    sourcePicture,
  }, testInfo) => {
    // Three renders, and at desktop size axe in four views: 34 s on the 2-CPU machine, past
    // 60 s when its host is busy.
    test.slow()
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    let renders = 0
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/api/meme') {
        renders += 1
      }
    })

    await editorPage.chooseImage(sourcePicture.path)
    await editorPage.typeCaptions('FIRST WORDS', 'BOTTOM')
    await editorPage.generateButton.click()
    await expect(editorPage.resultImage).toHaveAccessibleName('Meme: “FIRST WORDS” / “BOTTOM”', {
      timeout: RENDER_TIMEOUT,
    })
    await expect.poll(() => editorPage.resultNaturalSize()).not.toEqual({ width: 0, height: 0 })
    const first = await editorPage.resultImageBytes()
    expect(renders).toBe(1)
    await expect(editorPage.resultOutOfDate).toHaveCount(0)

    await test.step('a changed caption marks the result out of date while it re-renders', async () => {
      // The next render is held until the out-of-date state has been seen and photographed.
      let release: () => void = () => undefined
      const released = new Promise<void>((resolve) => (release = resolve))
      let hold = true
      await page.route('**/api/meme', async (route) => {
        if (hold) {
          hold = false
          await released
        }
        await route.continue()
      })
      await editorPage.selectBox(0)
      await editorPage.setText('SECOND WORDS')
      await expect(editorPage.resultOutOfDate).toHaveText('Out of date — updating…')
      await expect(editorPage.resultRegion).toHaveClass(/meme-result--stale/)
      await expect.poll(() => renders, { message: 'a render starts after the pause' }).toBe(2)
      await attachScreenshot(page, testInfo, `out-of-date-${viewport.name}`)
      await editorPage.resultRegion.screenshot({
        path: testInfo.outputPath(`out-of-date-result-${viewport.name}.png`),
      })
      if (viewport.name === 'desktop') {
        // The out-of-date state, checked by axe at both sizes in both themes (once is enough).
        await expectAccessibleInEveryView(page, testInfo, 'out-of-date-result')
        await page.setViewportSize({ width: viewport.width, height: viewport.height })
        await page.emulateMedia({ colorScheme: 'light' })
        await expect(editorPage.resultOutOfDate).toHaveText('Out of date — updating…')
      }
      release()

      await expect(editorPage.resultOutOfDate).toHaveCount(0, { timeout: RENDER_TIMEOUT })
      await expect(editorPage.resultImage).toHaveAccessibleName('Meme: “SECOND WORDS” / “BOTTOM”')
      const second = await editorPage.resultImageBytes()
      expect(second.bytes.equals(first.bytes), 'the shown result is the new render').toBe(false)
      expect(renders).toBe(2)
    })

    await test.step('Download right after an edit renders the boxes first and saves that', async () => {
      const shownBefore = await editorPage.resultImageBytes()
      await editorPage.setText('THIRD WORDS')
      await expect(editorPage.resultOutOfDate).toBeVisible()
      const downloadEvent = page.waitForEvent('download', { timeout: RENDER_TIMEOUT })
      await editorPage.downloadAction.click()
      const download = await downloadEvent
      expect(download.suggestedFilename()).toBe('third-words-bottom.jpg')
      const savedPath = testInfo.outputPath(`downloaded-${download.suggestedFilename()}`)
      await download.saveAs(savedPath)
      const downloaded = await readFile(savedPath)

      await expect(editorPage.resultOutOfDate).toHaveCount(0)
      await expect(editorPage.resultImage).toHaveAccessibleName('Meme: “THIRD WORDS” / “BOTTOM”')
      const shown = await editorPage.resultImageBytes()
      expect(downloaded.equals(shown.bytes), 'the download is the result on show').toBe(true)
      expect(downloaded.equals(shownBefore.bytes), 'not the old render').toBe(false)
      // Download's render was the only one: the pending automatic one did not run as well.
      await page.waitForTimeout(1500)
      expect(renders).toBe(3)
    })
  })
}
