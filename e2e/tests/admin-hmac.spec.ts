import { createHmac } from 'node:crypto'
import { expect, test } from '../fixtures.ts'
import { attachScreenshot } from '../support/screenshots.ts'

const APIGEE = {
  callback: 'https://partner.example/callback',
  clientid: 'client-123',
  secret: 's3cr3t-value',
  timestamp: '1700000000',
}

test.beforeEach(async ({ adminPage }) => {
  await adminPage.openWithKey('/admin/hmac')
})

test("Apigee: the signature shown is the partner's formula, as Node computes it", async ({
  page,
  adminPage,
}, testInfo) => {
  const { apigee } = adminPage
  // Independent oracle: the formula from the partner's documentation, in Node's crypto.
  const expected = createHmac('sha256', APIGEE.secret)
    .update(APIGEE.secret + APIGEE.callback + APIGEE.clientid + APIGEE.timestamp)
    .digest('base64')

  await adminPage.field(apigee, 'Callback').fill(APIGEE.callback)
  await adminPage.field(apigee, 'Client ID').fill(APIGEE.clientid)
  await adminPage.field(apigee, 'Client secret').fill(APIGEE.secret)
  await expect(adminPage.field(apigee, 'Client secret')).toHaveAttribute('type', 'password')
  await adminPage.field(apigee, 'Timestamp').fill(APIGEE.timestamp)
  await apigee.getByRole('button', { name: 'Generate signature' }).click()

  await expect(adminPage.output(apigee, 'Signature')).toHaveText(expected)
  await expect(adminPage.output(apigee, 'Timestamp')).toHaveText(APIGEE.timestamp)
  const signed = adminPage.output(apigee, 'Signed message')
  await expect(signed).toHaveText(/https:\/\/partner\.example\/callbackclient-1231700000000$/)
  await expect(signed).not.toContainText(APIGEE.secret)
  await expect(adminPage.output(apigee, 'curl command')).toContainText(
    `--data-urlencode 'signature=${expected}'`,
  )
  await attachScreenshot(page, testInfo, 'admin-hmac-apigee')
})

test('Apigee: a wrong signature is a Mismatch, with what was signed, the secret masked', async ({
  page,
  adminPage,
}, testInfo) => {
  const { apigee } = adminPage
  await apigee.getByText('Verify', { exact: true }).click()
  await adminPage.field(apigee, 'Callback').fill(APIGEE.callback)
  await adminPage.field(apigee, 'Client ID').fill(APIGEE.clientid)
  await adminPage.field(apigee, 'Client secret').fill(APIGEE.secret)
  await adminPage.field(apigee, 'Timestamp').fill(APIGEE.timestamp)
  await adminPage
    .field(apigee, 'Signature to check')
    .fill('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=')
  await apigee.getByRole('button', { name: 'Check signature' }).click()

  await expect(apigee.getByText('Mismatch', { exact: true })).toBeVisible()
  const signed = adminPage.output(apigee, 'Signed message')
  await expect(signed).toHaveText(/https:\/\/partner\.example\/callbackclient-1231700000000$/)
  await expect(signed).not.toContainText(APIGEE.secret)
  await expect(adminPage.output(apigee, 'Given signature').locator('mark').first()).toBeVisible()
  await attachScreenshot(page, testInfo, 'admin-hmac-apigee-mismatch')
})

test('HMAC calculator reproduces RFC 4231 test case 2', async ({ page, adminPage }, testInfo) => {
  const { hmac } = adminPage
  // RFC 4231, section 4.3: key "Jefe", data "what do ya want for nothing?", HMAC-SHA-256.
  await adminPage.field(hmac, 'Algorithm').selectOption('sha256')
  await adminPage.field(hmac, 'Key').fill('Jefe')
  await adminPage.field(hmac, 'Message').fill('what do ya want for nothing?')
  await adminPage
    .field(hmac, 'Expected HMAC')
    .fill('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843')
  await hmac.getByRole('button', { name: 'Calculate HMAC' }).click()

  await expect(adminPage.output(hmac, 'Hex')).toHaveText(
    '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
  )
  await expect(adminPage.output(hmac, 'Base64')).toHaveText(
    createHmac('sha256', 'Jefe').update('what do ya want for nothing?').digest('base64'),
  )
  await expect(hmac.getByText('Match', { exact: true })).toBeVisible()
  await attachScreenshot(page, testInfo, 'admin-hmac-calculator')
})

test("GitHub helper reproduces GitHub's documented example, and spots a trailing newline", async ({
  page,
  adminPage,
}, testInfo) => {
  const { github } = adminPage
  // GitHub Docs, "Validating webhook deliveries".
  const secret = "It's a Secret to Everybody"
  const header = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
  await adminPage.field(github, 'Payload').fill('Hello, World!')
  await adminPage.field(github, 'Webhook secret').fill(secret)
  await github.getByRole('button', { name: 'Compute header' }).click()
  await expect(adminPage.output(github, 'X-Hub-Signature-256')).toHaveText(header)

  // The header of the same payload with a newline at the end, from Node's crypto.
  const withNewline = `sha256=${createHmac('sha256', secret).update('Hello, World!\n').digest('hex')}`
  await adminPage.field(github, 'Expected X-Hub-Signature-256').fill(withNewline)
  await github.getByRole('button', { name: 'Compute header' }).click()
  await expect(github.getByText('Mismatch', { exact: true })).toBeVisible()
  await expect(github.getByRole('status').filter({ hasText: 'This expected value' })).toHaveText(
    `This expected value matches the payload with a trailing newline: ${withNewline}`,
  )
  await attachScreenshot(page, testInfo, 'admin-hmac-github')
  await page.emulateMedia({ colorScheme: 'dark' })
  await attachScreenshot(page, testInfo, 'admin-hmac-github-dark')
})
