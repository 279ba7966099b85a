import { expect, test } from '../fixtures.ts'
import { ADMIN_API_KEY } from '../pages/admin-page.ts'
import { attachScreenshot } from '../support/screenshots.ts'

// The key form's sentence for API Gateway's 403 {"message":"Forbidden"}.
const REFUSED = "That API key wasn't accepted"

test('a wrong key is refused on the form, with a sentence saying why', async ({
  page,
  adminPage,
}, testInfo) => {
  await adminPage.goto()
  await expect(adminPage.keyField).toHaveAttribute('type', 'password')
  await attachScreenshot(page, testInfo, 'admin-key-form')

  const answer = page.waitForResponse('**/api/admin/session')
  await adminPage.enterKey('not-the-key')
  expect((await answer).status()).toBe(403)
  await expect(adminPage.keyRefusal).toContainText(REFUSED)
  await expect(adminPage.keyField).toBeVisible()
  expect(await adminPage.storedKey()).toBeNull()
  await attachScreenshot(page, testInfo, 'admin-key-refused')
})

test("the right key opens the overview with this key's usage; Forget key forgets it", async ({
  page,
  adminPage,
}, testInfo) => {
  const adminLink = page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Admin' })
  await page.goto('/')
  await expect(page.getByRole('banner')).toBeVisible()
  await expect(adminLink).toHaveCount(0)
  // Without a key in the tab the header hides Admin; the page itself opens by its URL.
  await adminPage.goto()
  await expect(adminLink).toHaveCount(0)
  await adminPage.enterKey(ADMIN_API_KEY)
  await expect(adminLink).toBeVisible()

  await expect(adminPage.usage).toContainText(/\d[\d,]* of 10,000 requests used today/)
  await expect(adminPage.usage.getByRole('meter', { name: 'Quota used' })).toBeVisible()
  await expect(adminPage.usage).toContainText('10 requests a second')
  await expect(adminPage.usage).toContainText('20 requests at once')
  await expect(adminPage.nav.getByRole('link')).toHaveText([
    'Overview',
    'HMAC',
    'SigV4',
    'Webhooks',
  ])
  expect(await adminPage.storedKey()).toBe(ADMIN_API_KEY)
  await attachScreenshot(page, testInfo, 'admin-overview')

  await page.goto('/')
  await adminLink.click()
  await expect(page).toHaveURL(/\/admin$/)
  await expect(adminPage.usage).toContainText('requests used today')

  await adminPage.forgetKeyButton.click()
  await expect(adminPage.keyField).toBeVisible()
  await expect(adminPage.keyRefusal).toHaveCount(0)
  expect(await adminPage.storedKey()).toBeNull()
  await expect(adminLink).toHaveCount(0)
})

test('a kept key the server refuses sends the person back to the form, saying why', async ({
  page,
  adminPage,
}) => {
  await page.addInitScript(() => {
    if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', 'yes')
      sessionStorage.setItem('meme-studio.admin-api-key', 'revoked-key')
    }
  })
  await adminPage.goto('/admin')
  await expect(adminPage.keyRefusal).toContainText(REFUSED)
  expect(await adminPage.storedKey()).toBeNull()
})

test('the header with a key in the tab, desktop and phone, light and dark', async ({
  page,
  adminPage,
}, testInfo) => {
  // Waits until the key is accepted and kept in the tab, not only typed.
  await adminPage.openWithKey('/admin')
  await page.goto('/')
  const header = page.getByRole('banner')
  for (const width of [1280, 390]) {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height: 800 })
      await page.emulateMedia({ colorScheme })
      const link = header.getByRole('link', { name: 'Admin' })
      await expect(link).toBeVisible()
      // The link sits inside the header, never pushed off a phone's screen.
      const box = await link.boundingBox()
      expect(box!.x + box!.width).toBeLessThanOrEqual(width)
      const path = testInfo.outputPath(`header-${width}-${colorScheme}.png`)
      await header.screenshot({ path })
      await testInfo.attach(`header-${width}-${colorScheme}`, { path, contentType: 'image/png' })
    }
  }
})

test('a control focused from below the fold stops under the sticky header, not beneath it', async ({
  page,
}) => {
  await page.setViewportSize({ width: 390, height: 600 })
  await page.goto('/')
  const tab = page.getByRole('tab', { name: 'Upload your own' })
  await expect(tab).toBeVisible()
  await page.evaluate(() =>
    window.scrollTo({ top: document.body.scrollHeight, behavior: 'instant' }),
  )
  await expect.poll(() => tab.evaluate((el) => el.getBoundingClientRect().bottom)).toBeLessThan(0)
  await tab.focus()
  const header = await page.getByRole('banner').boundingBox()
  const top = await tab.evaluate((el) => el.getBoundingClientRect().top)
  expect(top).toBeGreaterThanOrEqual(header!.y + header!.height)
})
