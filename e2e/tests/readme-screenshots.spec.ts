import { fileURLToPath } from 'node:url'
import { expect, test } from '../fixtures.ts'

/**
 * Writes the README's screenshots of the editor, on a desktop and on a phone, from a real
 * session: `pnpm --filter @meme-studio/e2e screenshots`. Skipped in `pnpm test`, where it
 * would rewrite tracked files; what it shows is checked by the other specs.
 */
test.skip(!process.env.README_SCREENSHOTS, 'README_SCREENSHOTS=1 writes docs/screenshot-*.png')

const RENDER_TIMEOUT = 30_000
const docs = (name: string) => fileURLToPath(new URL(`../../docs/${name}`, import.meta.url))

test("the README's screenshots: the editor on a desktop, light, and on a phone, dark, while a caption is written", async ({
  page,
  editorPage,
  sourcePicture,
}) => {
  await page.setViewportSize({ width: 1280, height: 900 })
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' })
  await editorPage.chooseImage(sourcePicture.path)
  const above = page.getByLabel("Space above, percent of the picture's height")
  await above.fill('20')
  await above.press('Tab')
  await editorPage.typeCaptions('When the deploy works', 'on the first try')
  await page.getByRole('button', { name: 'Add sticker' }).click()
  await page.getByRole('button', { name: 'Add face with tears of joy sticker' }).click()
  await expect(page.getByRole('tablist', { name: 'Stickers' }).getByRole('tab')).toHaveCount(1, {
    timeout: 20_000,
  })
  await editorPage.generateButton.click()
  await expect(editorPage.resultImage).toBeVisible({ timeout: RENDER_TIMEOUT })
  await expect(editorPage.resultOutOfDate).toHaveCount(0, { timeout: RENDER_TIMEOUT })
  await page.evaluate(() => window.scrollTo({ top: 0, behavior: 'instant' }))
  await page.screenshot({ path: docs('screenshot-editor.png') })

  await page.setViewportSize({ width: 390, height: 844 })
  await page.emulateMedia({ colorScheme: 'dark', reducedMotion: 'reduce' })
  await editorPage.selectBox(1)
  await editorPage.textField.focus()
  await editorPage.textField.press('End')
  await page.waitForTimeout(500)
  await page.screenshot({ path: docs('screenshot-editor-phone.png') })
})
