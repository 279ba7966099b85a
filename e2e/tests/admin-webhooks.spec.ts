import { expect, test } from '../fixtures.ts'
import { attachScreenshot } from '../support/screenshots.ts'

test('a hook created in the page answers its ping, and the delivery shows what was sent', async ({
  page,
  adminWebhooksPage,
}, testInfo) => {
  await expect(adminWebhooksPage.admin.nav.getByRole('link', { name: 'Webhooks' })).toHaveAttribute(
    'aria-current',
    'page',
  )

  const created = await adminWebhooksPage.createHook({
    name: 'Site deploys',
    branches: 'main, release/*',
    prefix: 'builds/',
  })
  const { hookId } = created.hook
  expect(created.hook.payloadUrl).toMatch(new RegExp(`/api/webhooks/github/${hookId}$`))

  // The secret, once, with the steps of GitHub's form.
  await expect(adminWebhooksPage.secretStep('Payload URL')).toHaveText(created.hook.payloadUrl)
  await expect(adminWebhooksPage.secretStep('Content type')).toHaveText('application/json')
  await expect(adminWebhooksPage.secretStep('Secret')).toHaveText(created.secret)
  await expect(adminWebhooksPage.secretPanel.getByRole('listitem')).toHaveCount(6)
  const hook = adminWebhooksPage.hook('Site deploys')
  await expect(hook.getByRole('figure', { name: 'Payload URL' }).locator('pre')).toHaveText(
    new RegExp(`/api/webhooks/github/${hookId}$`),
  )
  await expect(hook).toContainText('main, release/*')
  await expect(hook).toContainText('builds/')
  await attachScreenshot(page, testInfo, 'admin-webhooks-created')

  await adminWebhooksPage.secretPanel.getByRole('button', { name: "I've copied it" }).click()
  await expect(adminWebhooksPage.secretPanel).toHaveCount(0)
  await expect(page.getByText(created.secret)).toHaveCount(0)

  // Ping: the server signs a ping and sends it to the hook's own URL.
  const ping = page.waitForResponse(`**/api/admin/webhooks/${hookId}/ping`)
  await hook.getByRole('button', { name: 'Ping', exact: true }).click()
  expect((await ping).status()).toBe(200)
  await expect(hook.getByText(/^Ping answered/)).toHaveText('Ping answered 200 (pong).')
  await expect(adminWebhooksPage.deliveryRows()).toHaveCount(1)
  const cells = adminWebhooksPage.deliveryRows().first().getByRole('cell')
  await expect(cells.nth(1)).toHaveText('ping')
  await expect(cells.nth(4)).toHaveText('pong')
  await expect(cells.nth(5)).toHaveText('200')

  const details = await adminWebhooksPage.openDelivery(adminWebhooksPage.deliveryRows().first())
  await expect(adminWebhooksPage.detail(details, 'Request headers')).toContainText(
    'X-GitHub-Event: ping',
  )
  await expect(adminWebhooksPage.detail(details, 'Payload')).toContainText('"zen"')
  await expect(details).toContainText('Answered 200 (pong)')
  await expect(details).toContainText('The signature matched the secret.')

  // The e2e server has no DISCORD_WEBHOOK_URL.
  await expect(adminWebhooksPage.notifications).toContainText(/not configured/i)
  await attachScreenshot(page, testInfo, 'admin-webhooks-delivery')

  await page.setViewportSize({ width: 390, height: 844 })
  await attachScreenshot(page, testInfo, 'admin-webhooks-phone')
  await page.emulateMedia({ colorScheme: 'dark' })
  await attachScreenshot(page, testInfo, 'admin-webhooks-phone-dark')
})

test('the page leaves a secret behind nowhere: reloaded, it is gone', async ({
  page,
  adminWebhooksPage,
}) => {
  const created = await adminWebhooksPage.createHook({ name: 'Once only' })
  await expect(adminWebhooksPage.secretStep('Secret')).toHaveText(created.secret)

  await page.reload()
  await expect(adminWebhooksPage.hook('Once only')).toBeVisible()
  await expect(adminWebhooksPage.secretPanel).toHaveCount(0)
  await expect(page.getByText(created.secret)).toHaveCount(0)
})
