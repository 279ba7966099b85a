import { expect, test } from '../fixtures.ts'
import { ADMIN_API_KEY, AdminPage } from '../pages/admin-page.ts'
import { attachScreenshot } from '../support/screenshots.ts'

// The key form's sentence for API Gateway's 403 {"message":"Forbidden"}.
const REFUSED = "That API key wasn't accepted"

test('a wrong key is refused on the form, with a sentence saying why', async ({
  page,
}, testInfo) => {
  const admin = new AdminPage(page)
  await admin.goto()
  await expect(admin.keyField).toHaveAttribute('type', 'password')
  await attachScreenshot(page, testInfo, 'admin-key-form')

  const answer = page.waitForResponse('**/api/admin/usage')
  await admin.enterKey('not-the-key')
  expect((await answer).status()).toBe(403)
  await expect(admin.keyRefusal).toContainText(REFUSED)
  await expect(admin.keyField).toBeVisible()
  expect(await admin.storedKey()).toBeNull()
  await attachScreenshot(page, testInfo, 'admin-key-refused')
})

test("the right key opens the overview with this key's usage; Forget key forgets it", async ({
  page,
}, testInfo) => {
  const admin = new AdminPage(page)
  await page.goto('/')
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click()
  await expect(page).toHaveURL(/\/admin$/)
  await admin.enterKey(ADMIN_API_KEY)

  await expect(admin.usage).toContainText(/\d[\d,]* of 10,000 requests used today/)
  await expect(admin.usage.getByRole('meter', { name: 'Quota used' })).toBeVisible()
  await expect(admin.usage).toContainText('10 requests a second')
  await expect(admin.usage).toContainText('20 requests at once')
  await expect(admin.nav.getByRole('link')).toHaveText(['Overview', 'HMAC', 'SigV4', 'Webhooks'])
  expect(await admin.storedKey()).toBe(ADMIN_API_KEY)
  await attachScreenshot(page, testInfo, 'admin-overview')

  await page.reload()
  await expect(admin.usage).toContainText('requests used today')

  await admin.forgetKeyButton.click()
  await expect(admin.keyField).toBeVisible()
  await expect(admin.keyRefusal).toHaveCount(0)
  expect(await admin.storedKey()).toBeNull()
})

test('a kept key the server refuses sends the person back to the form, saying why', async ({
  page,
}) => {
  await page.addInitScript(() => {
    if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', 'yes')
      sessionStorage.setItem('meme-studio.admin-api-key', 'revoked-key')
    }
  })
  const admin = new AdminPage(page)
  await admin.goto('/admin')
  await expect(admin.keyRefusal).toContainText(REFUSED)
  expect(await admin.storedKey()).toBeNull()
})
