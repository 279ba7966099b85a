import { expect, type Page, type TestInfo } from '@playwright/test'

/** A full-page screenshot, attached to the test's report under `name`. */
export async function attachScreenshot(
  page: Page,
  testInfo: TestInfo,
  name: string,
): Promise<void> {
  const path = testInfo.outputPath(`${name}.png`)
  // From the top: a full-page shot of a scrolled page paints the sticky header mid-page.
  // The editor scrolls the result into view smoothly, so wait until that has settled too.
  await expect
    .poll(() =>
      page.evaluate(async () => {
        window.scrollTo({ top: 0, behavior: 'instant' })
        await new Promise((settled) => setTimeout(settled, 100))
        return window.scrollY
      }),
    )
    .toBe(0)
  await page.screenshot({ path, fullPage: true })
  await testInfo.attach(name, { path, contentType: 'image/png' })
}
