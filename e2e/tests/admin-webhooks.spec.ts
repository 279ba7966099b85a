import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { expect, test } from '../fixtures.ts'
import { expectAccessibleInEveryView } from '../support/accessibility.ts'
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

test('a push is answered 202 at once and archived after; the page shows where it is by itself', async ({
  page,
  adminWebhooksPage,
}, testInfo) => {
  const created = await adminWebhooksPage.createHook({
    name: 'Pushes',
    branches: 'main',
    prefix: 'e2e/',
  })
  await adminWebhooksPage.secretPanel.getByRole('button', { name: "I've copied it" }).click()

  /** A push as GitHub sends it, signed with the hook's secret, to its Payload URL. */
  async function push(repo: string) {
    const deliveryId = randomUUID()
    const payload = JSON.stringify({
      ref: 'refs/heads/main',
      after: randomBytes(20).toString('hex'),
      deleted: false,
      repository: { name: repo, full_name: `octo/${repo}`, owner: { login: 'octo', name: 'octo' } },
      pusher: { name: 'mona' },
    })
    const signature = createHmac('sha256', created.secret).update(payload).digest('hex')
    const started = Date.now()
    const response = await page.request.post(`/api/webhooks/github/${created.hook.hookId}`, {
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': deliveryId,
        'x-hub-signature-256': `sha256=${signature}`,
      },
      data: payload,
    })
    return { response, deliveryId, elapsedMs: Date.now() - started }
  }

  // GitHub's stand-in takes 2.5 s to send the archive: the answer does not wait for it.
  const archived = await push('site')
  expect(archived.response.status()).toBe(202)
  expect(await archived.response.json()).toEqual({
    ok: true,
    queued: true,
    deliveryId: archived.deliveryId,
  })
  expect(archived.elapsedMs).toBeLessThan(1000)

  await adminWebhooksPage.deliveries.getByRole('button', { name: 'Refresh' }).click()
  const outcome = adminWebhooksPage.deliveryRows().first().getByRole('cell').nth(4)
  await expect(outcome).toHaveText(/^(queued|archiving)$/)
  const pending = adminWebhooksPage.deliveries
    .getByRole('status')
    .filter({ hasText: 'queued or being archived' })
  await expect(pending).toHaveText(
    '1 push is queued or being archived; this list refreshes every 2 seconds until it is done.',
  )
  await attachScreenshot(page, testInfo, 'admin-webhooks-push-pending')
  // No click: the page fetches the deliveries again until the archive is made.
  await expect(outcome).toHaveText('archived', { timeout: 15_000 })
  await expect(pending).toHaveCount(0)
  const cells = adminWebhooksPage.deliveryRows().first().getByRole('cell')
  await expect(cells.nth(5)).toHaveText('202')
  await expect(cells.nth(7)).toHaveText('e2e/octo/site/main.zip')

  // A repository GitHub has no archive of: no retry mends that, so it fails at once.
  const missing = await push('missing')
  expect(missing.response.status()).toBe(202)
  await adminWebhooksPage.deliveries.getByRole('button', { name: 'Refresh' }).click()
  await expect(outcome).toHaveText('failed: GitHub answered 404 for the archive', {
    timeout: 15_000,
  })

  const details = await adminWebhooksPage.openDelivery(adminWebhooksPage.deliveryRows().nth(1))
  await expect(details).toContainText('Answered 202 (archived)')
  await expect(details).toContainText('Archived after the answer')
  await expect(adminWebhooksPage.detail(details, 'Archive key')).toHaveText(
    'e2e/octo/site/main.zip',
  )
  await expectAccessibleInEveryView(page, testInfo, 'admin-webhooks-archives')
})

test("a GitLab hook shows GitLab's setup steps and URL, and answers the page's ping", async ({
  page,
  adminWebhooksPage,
}, testInfo) => {
  // A name of its own: a reused server keeps the hooks of earlier runs.
  const name = `GitLab site ${randomBytes(3).toString('hex')}`
  const created = await adminWebhooksPage.createHook({
    name,
    host: 'GitLab',
    baseUrl: 'https://gitlab.example.com',
    prefix: 'gitlab/',
  })
  const { hookId } = created.hook
  expect(created.hook.payloadUrl).toMatch(new RegExp(`/api/webhooks/gitlab/${hookId}$`))

  // GitLab's form: its URL and Secret token fields, Push events, no content type.
  const panel = adminWebhooksPage.secretPanel
  await expect(panel).toContainText('In the project on GitLab: Settings → Webhooks')
  await expect(adminWebhooksPage.secretStep('URL')).toHaveText(created.hook.payloadUrl)
  await expect(adminWebhooksPage.secretStep('Secret token')).toHaveText(created.secret)
  await expect(panel).toContainText('Trigger: Push events')
  await expect(panel.getByText('Content type')).toHaveCount(0)
  await panel.getByRole('button', { name: "I've copied it" }).click()

  const hook = adminWebhooksPage.hook(name)
  await expect(hook).toContainText('GitLab')
  await expect(hook).toContainText('https://gitlab.example.com')
  await hook.getByText('Set it up in GitLab').click()
  await expect(
    hook.getByText('Secret token: the secret shown when the hook was made'),
  ).toBeVisible()
  await expect(hook.locator('details code').first()).toHaveText(created.hook.payloadUrl)

  // Ping: GitLab has none; the page's sends GitLab's headers with the secret token.
  const ping = page.waitForResponse(`**/api/admin/webhooks/${hookId}/ping`)
  await hook.getByRole('button', { name: 'Ping', exact: true }).click()
  expect((await ping).status()).toBe(200)
  await expect(hook.getByText(/^Ping answered/)).toHaveText('Ping answered 200 (pong).')
  const details = await adminWebhooksPage.openDelivery(adminWebhooksPage.deliveryRows().first())
  const headers = adminWebhooksPage.detail(details, 'Request headers')
  await expect(headers).toContainText('X-Gitlab-Event: meme-studio:ping')
  await expect(headers).not.toContainText(created.secret)

  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 })
    await hook.scrollIntoViewIfNeeded()
    await attachScreenshot(page, testInfo, `admin-webhooks-gitlab-${width}`)
  }
})
