import { expect, test } from '../fixtures.ts'
import { expectAccessibleInEveryView } from '../support/accessibility.ts'
import { decodeImage, meanAbsDiff, type Region } from '../support/pixels.ts'
import { attachScreenshot } from '../support/screenshots.ts'

const band = (y0: number, y1: number): Region => ({ x0: 0.1, x1: 0.9, y0, y1 })
// A band holding a caption differs from the bare picture by far more than this; one
// without differs by nothing at all (the preview draws the decoded picture as it is).
const CAPTION_PRESENT = 10
const CAPTION_ABSENT = 1

test('boxes move, resize and nudge, and the server draws them where the preview did', async ({
  page,
  editorPage,
  sourcePicture,
}, testInfo) => {
  await editorPage.chooseImage(sourcePicture.path)
  await editorPage.chooseFormat('PNG')
  await editorPage.typeCaptions('MOVE ME', 'STAY')
  const source = await decodeImage(sourcePicture.bytes)
  const before = await decodeImage(await editorPage.previewPng())
  expect(meanAbsDiff(source, before, band(0.05, 0.19))).toBeGreaterThan(CAPTION_PRESENT)
  expect(meanAbsDiff(source, before, band(0.3, 0.45))).toBeLessThan(CAPTION_ABSENT)

  await test.step('drag the top box down by a quarter of the picture', async () => {
    const shown = await editorPage.preview.boundingBox()
    await editorPage.dragBox(0, 0, (shown?.height ?? 0) * 0.25)
    const moved = await decodeImage(await editorPage.previewPng())
    expect(meanAbsDiff(source, moved, band(0.05, 0.19))).toBeLessThan(CAPTION_ABSENT)
    expect(meanAbsDiff(source, moved, band(0.3, 0.45))).toBeGreaterThan(CAPTION_PRESENT)
    await attachScreenshot(page, testInfo, 'box-dragged')
  })

  await test.step('narrow it from its right edge: the text wraps or shrinks', async () => {
    const beforeResize = await editorPage.previewPng()
    const shown = await editorPage.preview.boundingBox()
    await editorPage.dragResizeHandle(0, 'e', -(shown?.width ?? 0) * 0.4, 0)
    const resized = await editorPage.previewPng()
    expect(resized.equals(beforeResize)).toBe(false)
    await attachScreenshot(page, testInfo, 'box-resized')
  })

  await test.step('arrow keys nudge the selected box', async () => {
    const beforeNudge = await editorPage.previewPng()
    await editorPage.boxes.nth(0).focus()
    for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+ArrowDown')
    const nudged = await editorPage.previewPng()
    expect(nudged.equals(beforeNudge)).toBe(false)
  })

  await test.step('the server draws the boxes where the preview shows them', async () => {
    const preview = await decodeImage(await editorPage.previewPng())
    await editorPage.generateButton.click()
    await expect(editorPage.resultImage).toBeVisible({ timeout: 30_000 })
    const rendered = await decodeImage((await editorPage.resultImageBytes()).bytes)
    expect(meanAbsDiff(preview, rendered, { x0: 0, x1: 1, y0: 0, y1: 1 })).toBeLessThan(1.5)
  })
})

test('Share gives a link to a page with the meme, its title and a preview image', async ({
  page,
  editorPage,
  sourcePicture,
}, testInfo) => {
  await editorPage.chooseImage(sourcePicture.path)
  await editorPage.typeCaptions('SHARED WITH', 'THE WHOLE TEAM')
  await editorPage.generateButton.click()
  await expect(editorPage.resultImage).toBeVisible({ timeout: 30_000 })
  const generated = await editorPage.resultImageBytes()

  await page.getByRole('button', { name: 'Share', exact: true }).click()
  const linkField = page.getByLabel('Link to your meme')
  await expect(linkField).toHaveValue(/\/m\/[A-Za-z0-9_-]{22}$/, { timeout: 30_000 })
  const link = await linkField.inputValue()
  expect(new URL(link).origin).toBe(new URL(page.url()).origin)
  await attachScreenshot(page, testInfo, 'share-link')

  const response = await page.goto(link)
  expect(response?.status()).toBe(200)
  await expect(page).toHaveTitle('SHARED WITH / THE WHOLE TEAM — meme-studio')
  // Link previews fetch the image long after the page: a lasting URL of the app's, not a
  // presigned one that expires in an hour.
  const id = new URL(link).pathname.split('/').pop()
  const ogImage = await page.locator('meta[property="og:image"]').getAttribute('content')
  expect(ogImage).toBe(`${new URL(link).origin}/api/shares/${id}/image`)
  const alt = 'Meme: “SHARED WITH” / “THE WHOLE TEAM”'
  expect(await page.locator('meta[property="og:image:alt"]').getAttribute('content')).toBe(alt)
  const image = page.getByRole('img', { name: alt })
  await expect(image).toBeVisible()
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBe(sourcePicture.width)
  // The shared image is the one the editor showed: same format, same pixels.
  const shared = await page.request.get(ogImage!)
  expect(shared.headers()['content-type']).toBe(generated.type)
  expect(shared.headers()['cache-control']).toBe('public, max-age=31536000, immutable')
  const [a, b] = await Promise.all([decodeImage(await shared.body()), decodeImage(generated.bytes)])
  expect(meanAbsDiff(a, b, { x0: 0, x1: 1, y0: 0, y1: 1 })).toBeLessThan(0.5)

  await test.step('Copy link copies the page’s address', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'])
    await expect(page.getByLabel('Link to this page')).toHaveValue(link)
    await page.getByRole('button', { name: 'Copy link', exact: true }).click()
    await expect(page.getByText('Link copied')).toBeVisible()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link)
    // The system share sheet, only where the browser has one.
    const canShare = await page.evaluate(() => typeof navigator.share === 'function')
    await expect(page.getByRole('button', { name: 'Share…' })).toBeVisible({ visible: canShare })
  })

  await test.step('light and dark follow the system', async () => {
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor)
    await page.emulateMedia({ colorScheme: 'light' })
    expect(await background()).toBe('rgb(244, 245, 250)')
    await attachScreenshot(page, testInfo, 'share-page-light')
    await page.emulateMedia({ colorScheme: 'dark' })
    expect(await background()).toBe('rgb(21, 22, 28)')
  })

  await test.step('its icons are served, and the page passes axe at both sizes in both themes', async () => {
    for (const href of await page
      .locator('link[rel="icon"]')
      .evaluateAll((links) => links.map((link) => (link as HTMLLinkElement).href))) {
      const icon = await page.request.get(href)
      expect(icon.status(), href).toBe(200)
      expect(icon.headers()['content-type'], href).toMatch(/^image\//)
    }
    await expectAccessibleInEveryView(page, testInfo, 'share-page')
  })
  await attachScreenshot(page, testInfo, 'share-page')
})
