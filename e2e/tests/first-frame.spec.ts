import { expect, test } from '../fixtures.ts'

/**
 * A page's stylesheets do not hold its first frame (web `build/editor-page.ts`,
 * `stylesAfterApp`), and the app still shows nothing until they have come. The stylesheets are
 * answered late on purpose here, as a busy server or a slow link would.
 */
const STYLES_DELAY_MS = 1_500

interface Seen {
  /** When the page's first animation frame ran (ms since navigation). */
  firstFrame: number | null
  /** When the app first put something into #app, and whether every stylesheet had come by then. */
  firstContent: { at: number; stylesLoaded: boolean } | null
}

for (const path of ['/', '/admin']) {
  test(`${path}: the first frame does not wait for the stylesheets, and the app waits for them`, async ({
    page,
  }) => {
    await page.route('**/assets/*.css', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, STYLES_DELAY_MS))
      await route.continue()
    })
    await page.addInitScript(() => {
      const seen: Seen = { firstFrame: null, firstContent: null }
      Object.assign(window, { firstFrameSeen: seen })
      requestAnimationFrame(() => (seen.firstFrame = performance.now()))
      new MutationObserver((_changes, observer) => {
        const app = document.getElementById('app')
        if (!app?.firstElementChild) return
        const sheets = [...document.querySelectorAll<HTMLLinkElement>('link[rel="stylesheet"]')]
        seen.firstContent = {
          at: performance.now(),
          stylesLoaded: sheets.length > 0 && sheets.every((link) => link.sheet !== null),
        }
        observer.disconnect()
      }).observe(document, { childList: true, subtree: true })
    })

    await page.goto(path)
    await expect(page.locator('#app > *').first()).toBeVisible()
    const seen = await page.evaluate(
      () => (window as unknown as { firstFrameSeen: Seen }).firstFrameSeen,
    )
    const stylesheets = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((entry) => new URL(entry.name).pathname.endsWith('.css'))
        .map((entry) => {
          const timing = entry as PerformanceResourceTiming & { renderBlockingStatus?: string }
          return { responseEnd: timing.responseEnd, blocking: timing.renderBlockingStatus }
        }),
    )
    expect(stylesheets.length).toBeGreaterThan(0)
    // Chromium reports whether each one held rendering: none may.
    expect(stylesheets.map((sheet) => sheet.blocking)).not.toContain('blocking')
    const firstStyles = Math.min(...stylesheets.map((sheet) => sheet.responseEnd))
    expect(seen.firstFrame).not.toBeNull()
    expect(seen.firstFrame!).toBeLessThan(firstStyles)
    // The app's first content came with every stylesheet in place: never shown unstyled.
    expect(seen.firstContent).toMatchObject({ stylesLoaded: true })
    expect(seen.firstContent!.at).toBeGreaterThanOrEqual(firstStyles)
  })
}

/**
 * The gallery's pictures come from the uploads bucket, another origin: asked for before the
 * editor's first paint, they opened connections and took the network beside its scripts
 * (web `TemplateGallery.vue`). They are asked for only after the frame that first shows
 * the editor (its animation frame: Chromium's first-contentful-paint entry is when that frame
 * reached the screen, later still), and they still show.
 */
test('/: the gallery asks for its pictures after its first frame, and shows them', async ({
  page,
}) => {
  await page.addInitScript(() => {
    const seen: { contentFrame: number | null } = { contentFrame: null }
    Object.assign(window, { contentFrameSeen: seen })
    new MutationObserver((_changes, observer) => {
      if (!document.querySelector('.gallery-tile__image')) return
      observer.disconnect()
      requestAnimationFrame(() => (seen.contentFrame = performance.now()))
    }).observe(document, { childList: true, subtree: true })
  })
  await page.goto('/')
  const firstTile = page.locator('.gallery-tile__image').first()
  await expect
    .poll(() => firstTile.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0)
  const { contentFrame, pictures } = await page.evaluate(() => ({
    contentFrame: (window as unknown as { contentFrameSeen: { contentFrame: number | null } })
      .contentFrameSeen.contentFrame,
    pictures: performance
      .getEntriesByType('resource')
      .filter((entry) => (entry as PerformanceResourceTiming).initiatorType === 'img')
      .filter((entry) => new URL(entry.name).pathname.includes('/templates/'))
      .map((entry) => entry.startTime),
  }))
  expect(contentFrame).not.toBeNull()
  expect(pictures.length).toBeGreaterThan(0)
  expect(Math.min(...pictures)).toBeGreaterThanOrEqual(contentFrame!)
})
