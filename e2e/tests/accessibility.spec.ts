import { createHmac, randomUUID } from 'node:crypto'
import { expect, test } from '../fixtures.ts'
import { ADMIN_API_KEY } from '../pages/admin-page.ts'
import { expectAccessibleInEveryView } from '../support/accessibility.ts'

// Each page is loaded once, brought to a state that shows most of what it can show, then
// checked with axe at desktop and phone sizes in the light and dark schemes.

test('the editor, with a picture, captions and the generated meme', async ({
  page,
  editorPage,
  sourcePicture,
}, testInfo) => {
  await editorPage.chooseImage(sourcePicture.path)
  await editorPage.typeCaptions('WHEN AXE RUNS', 'AND FINDS NOTHING')
  await editorPage.generateButton.click()
  await expect(editorPage.resultImage).toBeVisible({ timeout: 30_000 })
  await expect(editorPage.downloadAction).toBeVisible()

  await expectAccessibleInEveryView(page, testInfo, 'editor')
})

test('the admin key form, and the overview once the key is accepted', async ({
  page,
  adminPage,
}, testInfo) => {
  await adminPage.goto()
  await expect(adminPage.keyField).toBeVisible()
  await expectAccessibleInEveryView(page, testInfo, 'admin-key-form')

  await adminPage.enterKey(ADMIN_API_KEY)
  await expect(adminPage.usage.getByRole('meter', { name: 'Quota used' })).toBeVisible()
  await expectAccessibleInEveryView(page, testInfo, 'admin-overview')
})

test('the HMAC tools, with a signature, an HMAC and a mismatch shown', async ({
  page,
  adminPage,
}, testInfo) => {
  await adminPage.openWithKey('/admin/hmac')
  const { apigee, hmac, github } = adminPage
  await adminPage.field(apigee, 'Callback').fill('https://partner.example/callback')
  await adminPage.field(apigee, 'Client ID').fill('client-123')
  await adminPage.field(apigee, 'Client secret').fill('s3cr3t-value')
  await apigee.getByRole('button', { name: 'Generate signature' }).click()
  await expect(adminPage.output(apigee, 'Signature')).not.toBeEmpty()
  await adminPage.field(hmac, 'Key').fill('Jefe')
  await adminPage.field(hmac, 'Message').fill('what do ya want for nothing?')
  await hmac.getByRole('button', { name: 'Calculate HMAC' }).click()
  await expect(adminPage.output(hmac, 'Hex')).not.toBeEmpty()
  await adminPage.field(github, 'Payload').fill('Hello, World!')
  await adminPage.field(github, 'Webhook secret').fill("It's a Secret to Everybody")
  await adminPage.field(github, 'Expected X-Hub-Signature-256').fill(`sha256=${'0'.repeat(64)}`)
  await github.getByRole('button', { name: 'Compute header' }).click()
  await expect(github.getByText('Mismatch', { exact: true })).toBeVisible()
  await expectAccessibleInEveryView(page, testInfo, 'admin-hmac')
})

test('the SigV4 tool, with its steps and a mismatch shown', async ({
  page,
  adminPage,
}, testInfo) => {
  await adminPage.openWithKey('/admin/sigv4')
  await adminPage.field(page, 'URL').fill('https://example.amazonaws.com/')
  await adminPage.field(page, 'Service').fill('service')
  await adminPage.field(page, 'Access key ID').fill('AKIDEXAMPLE')
  await adminPage.field(page, 'Secret access key').fill('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY')
  await adminPage.field(page, 'Date').fill('20150830T123600Z')
  await adminPage.field(page, 'Expected signature').fill('0'.repeat(64))
  await page.getByRole('button', { name: 'Sign request' }).click()
  await expect(adminPage.step('Signature').getByText('Mismatch', { exact: true })).toBeVisible()
  await expectAccessibleInEveryView(page, testInfo, 'admin-sigv4')
})

test('the webhooks page, with a hook, its secret, and a delivery cut to size', async ({
  page,
  adminWebhooksPage,
}, testInfo) => {
  const created = await adminWebhooksPage.createHook({
    name: 'Site deploys',
    branches: 'main, release/*',
    prefix: 'builds/',
  })
  await expect(adminWebhooksPage.secretStep('Payload URL')).toHaveText(created.hook.payloadUrl)

  // A signed delivery larger than the 64 KiB the server keeps, as GitHub would send it: the
  // opened delivery then says how large it was.
  const payload = JSON.stringify({ action: 'opened', padding: 'x'.repeat(80 * 1024) })
  const signature = createHmac('sha256', created.secret).update(payload).digest('hex')
  const delivered = await page.request.post(`/api/webhooks/github/${created.hook.hookId}`, {
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${signature}`,
    },
    data: payload,
  })
  expect(delivered.status()).toBeLessThan(300)
  await adminWebhooksPage.deliveries.getByRole('button', { name: 'Refresh' }).click()
  const details = await adminWebhooksPage.openDelivery(adminWebhooksPage.deliveryRows().first())
  await expect(details).toContainText(/The payload was .+: only its first .+ were kept\./)

  await expectAccessibleInEveryView(page, testInfo, 'admin-webhooks')
})
