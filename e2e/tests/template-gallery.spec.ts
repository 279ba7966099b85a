import type { Request } from '@playwright/test'
import { expect, test } from '../fixtures.ts'
import { GalleryPage } from '../pages/gallery-page.ts'
import { expectAccessibleInEveryView } from '../support/accessibility.ts'
import { decodeImage, meanAbsDiff, meanColour, type Region } from '../support/pixels.ts'
import { attachScreenshot } from '../support/screenshots.ts'

// The starter "Blank 4:3, yellow": a 1024x768 canvas of #facc15 with a top and a bottom box
// of black text (README "Templates").
const YELLOW = { name: 'Blank 4:3, yellow', id: 'blank-4x3-yellow', rgb: [250, 204, 21] }
const SIZE = { width: 1024, height: 768 }
// Nothing is drawn between the two boxes: the canvas's own colour.
const MIDDLE_BAND: Region = { x0: 0.1, x1: 0.9, y0: 0.35, y1: 0.65 }
const TOP_CAPTION_BAND: Region = { x0: 0.25, x1: 0.75, y0: 0.06, y1: 0.18 }
// PNG in, PNG out: the canvas comes back exactly; a caption darkens its band by far more.
const COLOUR_TOLERANCE = 2
const CAPTION_MIN_DIFFERENCE = 20

const SIZES = [
  { name: 'desktop', viewport: { width: 1280, height: 900 } },
  { name: 'phone', viewport: { width: 390, height: 844 } },
] as const

for (const size of SIZES) {
  test.describe(`the gallery at ${size.name} width`, () => {
    test.use({ viewport: size.viewport })

    test('search, pick, type, generate, save as a template, find it again', async ({
      page,
      editorPage,
      context,
    }, testInfo) => {
      const gallery = new GalleryPage(page)
      const requests: Request[] = []
      page.on('request', (request) => requests.push(request))

      await test.step('search by name', async () => {
        await expect(gallery.templatesTab).toHaveAttribute('aria-selected', 'true')
        await gallery.search('blank 4:3')
        const shapes = await gallery.tileNames()
        expect(shapes).toContain(YELLOW.name)
        expect(shapes.every((name) => name.startsWith('Blank 4:3, '))).toBe(true)

        await gallery.search('yellow')
        const yellows = await gallery.tileNames()
        expect(yellows.length).toBeGreaterThanOrEqual(4)
        expect(yellows.every((name) => name.toLowerCase().includes('yellow'))).toBe(true)
        await attachScreenshot(page, testInfo, `gallery-search-${size.name}`)
      })

      await test.step('pick a template and type over it', async () => {
        await gallery.pick(YELLOW.name)
        await expect(editorPage.preview).toBeVisible()
        await expect(editorPage.boxTabs).toHaveCount(2)
        await editorPage.typeCaptions('WHEN THE GALLERY', 'JUST WORKS')
        await expect(editorPage.generateButton).toBeEnabled()
      })

      await test.step('generate: named by template, no upload, the canvas colour kept', async () => {
        await editorPage.generateButton.click()
        await expect(editorPage.resultImage).toBeVisible({ timeout: 30_000 })
        await expect.poll(() => editorPage.resultNaturalSize()).toEqual(SIZE)

        const render = requests.find((r) => new URL(r.url()).pathname === '/api/meme')
        expect(render?.postDataJSON()).toMatchObject({ template: YELLOW.id })
        expect(requests.some((r) => new URL(r.url()).pathname === '/api/sign-s3-request')).toBe(
          false,
        )

        const shown = await editorPage.resultImageBytes()
        expect(shown.type).toBe('image/png')
        const result = await decodeImage(shown.bytes)
        const middle = meanColour(result, MIDDLE_BAND)
        middle.forEach((channel, index) =>
          expect(Math.abs(channel - YELLOW.rgb[index]!)).toBeLessThan(COLOUR_TOLERANCE),
        )
        const canvas = { ...result, data: result.data.slice() }
        for (let i = 0; i < canvas.data.length; i += 4) canvas.data.set(YELLOW.rgb, i)
        expect(meanAbsDiff(result, canvas, TOP_CAPTION_BAND)).toBeGreaterThan(
          CAPTION_MIN_DIFFERENCE,
        )
        await attachScreenshot(page, testInfo, `gallery-generated-${size.name}`)
      })

      await test.step('copy the image link: it draws the same meme', async () => {
        await context.grantPermissions(['clipboard-read', 'clipboard-write'])
        await gallery.copyImageLinkButton.click()
        await expect(page.getByRole('status').filter({ hasText: 'Link copied' })).toBeVisible()
        const link = await page.evaluate(() => navigator.clipboard.readText())
        expect(link).toBe(
          `${new URL(page.url()).origin}/api/images/${YELLOW.id}/WHEN_THE_GALLERY/JUST_WORKS.png?v=1`,
        )
        const byUrl = await page.request.get(link)
        expect(byUrl.status()).toBe(200)
        const shown = await decodeImage((await editorPage.resultImageBytes()).bytes)
        const fromUrl = await decodeImage(await byUrl.body())
        expect(meanAbsDiff(fromUrl, shown, { x0: 0, x1: 1, y0: 0, y1: 1 })).toBeLessThan(1)
      })

      const name = `E2E yellow ${size.name} ${Date.now().toString(36)}`
      let savedId = ''
      await test.step('save as a template: the edit token is shown once', async () => {
        const saved = page.waitForResponse(
          (r) => new URL(r.url()).pathname === '/api/templates' && r.request().method() === 'POST',
        )
        const token = await gallery.saveAsTemplate({ name, tags: 'e2e, Yellow', source: 'e2e' })
        savedId = ((await (await saved).json()) as { template: { id: string } }).template.id
        expect(token.length).toBeGreaterThanOrEqual(16)
        await attachScreenshot(page, testInfo, `gallery-saved-${size.name}`)
        await gallery.closeSaveDialog()
        await expect(gallery.chooseAnotherButton).toBeVisible()
        await expect(gallery.gallery.getByText(name, { exact: true })).toBeVisible()
      })

      await test.step('find the saved template again, and pick it', async () => {
        await page.reload()
        // The draft comes back with the saved template's picture: the gallery is a click away.
        await gallery.chooseAnotherButton.click()
        await expect(gallery.recentlyUsed.getByRole('button', { name, exact: true })).toBeVisible()
        await gallery.search(name.slice(0, -3))
        expect(await gallery.tileNames()).toEqual([name])
        await gallery.pick(name)
        await expect(editorPage.boxTabs).toHaveCount(2)
        await editorPage.typeCaptions('SAVED', 'AND FOUND')
        await editorPage.generateButton.click()
        await expect(editorPage.resultImage).toBeVisible({ timeout: 30_000 })
        await expect.poll(() => editorPage.resultNaturalSize()).toEqual(SIZE)
      })

      await test.step('delete it: gone from the gallery, the picture stays to caption', async () => {
        await gallery.askToDeleteChosenTemplate()
        await attachScreenshot(page, testInfo, `gallery-delete-${size.name}`)
        await gallery.confirmDelete()
        await expect(gallery.recentlyUsed.getByRole('button', { name, exact: true })).toHaveCount(0)
        await gallery.search(name.slice(0, -3))
        expect(await gallery.tileNames()).toEqual([])
        const byId = await page.request.get(`/api/templates/${savedId}`)
        expect(byId.status()).toBe(404)
        // The picture is the editor's own now: Generate uploads it rather than naming a template.
        await editorPage.typeCaptions('STILL', 'HERE')
        const render = page.waitForRequest((r) => new URL(r.url()).pathname === '/api/meme')
        await editorPage.generateButton.click()
        expect((await render).postDataJSON()).toMatchObject({
          image: expect.stringMatching(/^uploads\//),
        })
        await expect.poll(() => editorPage.resultNaturalSize()).toEqual(SIZE)
      })
    })
  })
}

test('the gallery, in every view', async ({ page, editorPage }, testInfo) => {
  const gallery = new GalleryPage(page)
  // The first page opens with the layouts, then the blank canvases.
  await expect(gallery.tile('Two side by side')).toBeVisible()
  await expect(gallery.tile('Blank square, white')).toBeVisible()
  await expect(editorPage.generateButton).toBeDisabled()
  // Thumbnails load lazily: bring them all in before the pictures are taken.
  await expect
    .poll(() =>
      gallery.gallery
        .getByRole('img')
        .evaluateAll((images) =>
          images.every((image) => (image as HTMLImageElement).naturalWidth > 0),
        ),
    )
    .toBe(true)
  await expectAccessibleInEveryView(page, testInfo, 'gallery')
})

test('the editor’s first paint shows the gallery’s first page, asked for once with the scripts', async ({
  page,
}) => {
  const asked: string[] = []
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.pathname.startsWith('/api/templates')) {
      asked.push(`${url.pathname}${url.search} ${request.resourceType()}`)
    }
  })
  // Whether a placeholder tile was ever in the page, from before the app's first script runs.
  await page.addInitScript(() => {
    const seen = { placeholder: false }
    Object.assign(window, { galleryPlaceholderSeen: seen })
    new MutationObserver(() => {
      if (document.querySelector('.gallery-tile--placeholder')) seen.placeholder = true
    }).observe(document, { childList: true, subtree: true })
  })
  const gallery = new GalleryPage(page)
  await page.goto('/')
  await expect(gallery.tile('Two side by side')).toBeVisible()
  await page.waitForLoadState('networkidle')
  // Once, by the page's preload (Chromium calls it "other"; the gallery's fetch() would be
  // "fetch"), whose answer the gallery's own request took.
  expect(asked).toEqual(['/api/templates?limit=12 other'])
  const seen = await page.evaluate(
    () =>
      (window as unknown as { galleryPlaceholderSeen: { placeholder: boolean } })
        .galleryPlaceholderSeen,
  )
  expect(seen.placeholder).toBe(false)

  // Any other page neither preloads it nor asks for it.
  asked.length = 0
  await page.goto('/admin')
  await page.waitForLoadState('networkidle')
  expect(asked).toEqual([])
})
