import { createHmac } from 'node:crypto'
import { expect, test } from '../fixtures.ts'
import { attachScreenshot } from '../support/screenshots.ts'

/** The tools key the e2e app accepts (`ADMIN_API_KEYS` in playwright.config.ts). */
const TOOLS_API_KEY = 'e2e-tools-key'

const APIGEE = {
  callback: 'https://partner.example/callback',
  clientid: 'client-123',
  secret: 's3cr3t-value',
  timestamp: '1700000000',
}

test('a tools key signs with the Apigee form, and sees no webhooks', async ({
  page,
  adminPage,
}, testInfo) => {
  await adminPage.goto('/admin')
  await adminPage.enterKey(TOOLS_API_KEY)
  await expect(adminPage.forgetKeyButton).toBeVisible()
  await expect(adminPage.nav.getByRole('link')).toHaveText(['Overview', 'HMAC', 'SigV4'])
  await expect(page.getByText('A tools key: the signature tools')).toBeVisible()
  await expect(adminPage.usage).toHaveCount(0)
  await expect(page.getByRole('link', { name: 'Webhooks' })).toHaveCount(0)
  await attachScreenshot(page, testInfo, 'admin-tools-key-overview')

  await adminPage.nav.getByRole('link', { name: 'HMAC' }).click()
  const { apigee } = adminPage
  // The partner's formula, in Node's crypto (as admin-hmac.spec.ts).
  const expected = createHmac('sha256', APIGEE.secret)
    .update(APIGEE.secret + APIGEE.callback + APIGEE.clientid + APIGEE.timestamp)
    .digest('base64')
  await adminPage.field(apigee, 'Callback').fill(APIGEE.callback)
  await adminPage.field(apigee, 'Client ID').fill(APIGEE.clientid)
  await adminPage.field(apigee, 'Client secret').fill(APIGEE.secret)
  await adminPage.field(apigee, 'Timestamp').fill(APIGEE.timestamp)
  await apigee.getByRole('button', { name: 'Generate signature' }).click()
  await expect(adminPage.output(apigee, 'Signature')).toHaveText(expected)

  // Typed in, the webhooks page says why it is not there, and the key is kept.
  await page.goto('/admin/webhooks')
  await expect(page.getByRole('status').filter({ hasText: 'This key cannot use' })).toHaveText(
    'This key cannot use webhooks: it is a tools key, for the signature tools only. Forget key and enter an admin key to use webhooks.',
  )
  await expect(page.getByRole('heading', { name: 'Webhooks' })).toHaveCount(0)
  expect(await adminPage.storedKey()).toBe(TOOLS_API_KEY)
  await attachScreenshot(page, testInfo, 'admin-tools-key-webhooks')
})

test('the server refuses a tools key outside its scope as API Gateway does', async ({
  request,
}) => {
  const headers = { 'x-api-key': TOOLS_API_KEY }
  const webhooks = await request.get('/api/admin/webhooks', { headers })
  expect(webhooks.status()).toBe(403)
  expect(await webhooks.text()).toBe('{"message":"Forbidden"}')
  const session = await request.get('/api/admin/session', { headers })
  expect(await session.json()).toMatchObject({ scope: 'tools' })
})

test('the pages carry the security headers CloudFront sends', async ({ request }) => {
  for (const path of ['/', '/admin', '/api/health']) {
    const response = await request.get(path)
    const headers = response.headers()
    expect(headers['x-content-type-options'], path).toBe('nosniff')
    expect(headers['x-frame-options'], path).toBe('DENY')
    expect(headers['referrer-policy'], path).toBe('strict-origin-when-cross-origin')
  }
  expect((await request.get('/admin')).headers()['content-security-policy']).toContain(
    "frame-ancestors 'none'",
  )
})
