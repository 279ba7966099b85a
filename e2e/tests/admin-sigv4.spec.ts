import { expect, test } from '../fixtures.ts'
import type { AdminPage } from '../pages/admin-page.ts'
import { attachScreenshot } from '../support/screenshots.ts'

// get-vanilla, from the AWS SigV4 test suite (awslabs/aws-c-auth,
// tests/aws-signing-test-suite/v4/get-vanilla).
const GET_VANILLA = {
  url: 'https://example.amazonaws.com/',
  headers: 'Host: example.amazonaws.com',
  region: 'us-east-1',
  service: 'service',
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  date: '20150830T123600Z',
  signingKey: '938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75',
  signature: '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
  canonicalRequest: [
    'GET',
    '/',
    '',
    'host:example.amazonaws.com',
    'x-amz-date:20150830T123600Z',
    '',
    'host;x-amz-date',
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  ].join('\n'),
}

async function fillGetVanilla(adminPage: AdminPage): Promise<void> {
  const { page } = adminPage
  await adminPage.field(page, 'Method').selectOption('GET')
  await adminPage.field(page, 'URL').fill(GET_VANILLA.url)
  await adminPage.field(page, 'Headers').fill(GET_VANILLA.headers)
  await adminPage.field(page, 'Region').fill(GET_VANILLA.region)
  await adminPage.field(page, 'Service').fill(GET_VANILLA.service)
  await adminPage.field(page, 'Access key ID').fill(GET_VANILLA.accessKeyId)
  await adminPage.field(page, 'Secret access key').fill(GET_VANILLA.secretAccessKey)
  await adminPage.field(page, 'Date').fill(GET_VANILLA.date)
}

test.beforeEach(async ({ adminPage }) => {
  await adminPage.openWithKey('/admin/sigv4')
})

test("SigV4 reproduces the AWS test suite's get-vanilla, step by step", async ({
  page,
  adminPage,
}, testInfo) => {
  await fillGetVanilla(adminPage)
  await adminPage.field(page, 'Expected signature').fill(GET_VANILLA.signature)
  await adminPage.field(page, 'Expected canonical request').fill(GET_VANILLA.canonicalRequest)
  await page.getByRole('button', { name: 'Sign request' }).click()

  await expect(adminPage.stepValue('Canonical request')).toHaveText(GET_VANILLA.canonicalRequest)
  await expect(adminPage.stepValue('Signing key')).toHaveText(GET_VANILLA.signingKey)
  await expect(adminPage.stepValue('Signature')).toHaveText(GET_VANILLA.signature)
  await expect(adminPage.stepValue('Authorization header')).toHaveText(
    `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${GET_VANILLA.signature}`,
  )
  await expect(adminPage.step('Signature').getByText('Match', { exact: true })).toBeVisible()
  await expect(
    adminPage.step('Canonical request').getByText('Match', { exact: true }),
  ).toBeVisible()
  const titles = page.getByRole('region').getByRole('heading', { level: 2 })
  await expect(titles).toHaveText([
    '1 Canonical request',
    '2 String to sign',
    '3 Signing key',
    '4 Signature',
    '5 Authorization header',
    '6 curl',
  ])
  await expect(adminPage.stepValue('curl')).toContainText('curl')
  await attachScreenshot(page, testInfo, 'admin-sigv4-get-vanilla')
})

test('SigV4 marks a wrong expected signature and a differing canonical request', async ({
  page,
  adminPage,
}, testInfo) => {
  await fillGetVanilla(adminPage)
  const wrong = `${GET_VANILLA.signature.slice(0, -4)}0000`
  await adminPage.field(page, 'Expected signature').fill(wrong)
  await adminPage
    .field(page, 'Expected canonical request')
    .fill(
      GET_VANILLA.canonicalRequest.replace(
        'host;x-amz-date',
        'host;x-amz-content-sha256;x-amz-date',
      ),
    )
  await page.getByRole('button', { name: 'Sign request' }).click()

  const signature = adminPage.step('Signature')
  await expect(signature.getByText('Mismatch', { exact: true })).toBeVisible()
  await expect(adminPage.output(signature, 'Expected signature').locator('mark')).toHaveText([
    '0000',
  ])
  await expect(adminPage.output(signature, 'This signature').locator('mark')).toHaveText([
    GET_VANILLA.signature.slice(-4),
  ])
  const canonical = adminPage.step('Canonical request')
  await expect(canonical.getByText('Mismatch', { exact: true })).toBeVisible()
  await expect(canonical.getByRole('listitem')).toHaveText([
    '− 1 line only in the expected one',
    '+ 1 line only in this one',
  ])
  await attachScreenshot(page, testInfo, 'admin-sigv4-mismatch')

  await page.setViewportSize({ width: 390, height: 844 })
  await attachScreenshot(page, testInfo, 'admin-sigv4-phone')
  await page.emulateMedia({ colorScheme: 'dark' })
  await attachScreenshot(page, testInfo, 'admin-sigv4-phone-dark')
})
