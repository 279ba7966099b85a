import { test as base, expect } from '@playwright/test'
import { AdminPage } from './pages/admin-page.ts'
import { AdminWebhooksPage } from './pages/admin-webhooks-page.ts'
import { EditorPage } from './pages/editor-page.ts'
import { writeSourcePicture, type SourcePicture } from './support/source-picture.ts'

interface MemeStudioFixtures {
  /** The editor, opened at `/`. */
  editorPage: EditorPage
  /** The admin pages, not opened yet: a test opens the page it needs, with the key or without. */
  adminPage: AdminPage
  /** `/admin/webhooks`, opened with the e2e key accepted. */
  adminWebhooksPage: AdminWebhooksPage
  /** A freshly drawn 800x600 JPEG, written to the test's output folder. */
  sourcePicture: SourcePicture
  /** Every request the page made, its response status and the console errors, attached as `network.txt`. */
  networkLog: string[]
}

export const test = base.extend<MemeStudioFixtures>({
  networkLog: [
    async ({ page }, use, testInfo) => {
      const log: string[] = []
      page.on('requestfinished', async (request) => {
        // A request that finishes as the test ends is asked for its response after the page
        // has closed; that rejection is the log's, not the test's, to bear.
        const response = await request.response().catch(() => null)
        log.push(`${request.method()} ${request.url()} -> ${response?.status() ?? 'no response'}`)
      })
      page.on('requestfailed', (request) => {
        log.push(`${request.method()} ${request.url()} -> failed: ${request.failure()?.errorText}`)
      })
      page.on('console', (message) => {
        if (message.type() === 'error') log.push(`console error: ${message.text()}`)
      })
      page.on('pageerror', (error) => log.push(`page error: ${error.message}`))
      await use(log)
      await testInfo.attach('network.txt', { body: log.join('\n'), contentType: 'text/plain' })
    },
    { auto: true },
  ],
  editorPage: async ({ page }, use) => {
    const editor = new EditorPage(page)
    await editor.goto()
    await use(editor)
  },
  adminPage: async ({ page }, use) => {
    await use(new AdminPage(page))
  },
  adminWebhooksPage: async ({ page }, use) => {
    const webhooks = new AdminWebhooksPage(page)
    await webhooks.open()
    await use(webhooks)
  },
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
  sourcePicture: async ({}, use, testInfo) => {
    await use(await writeSourcePicture(testInfo.outputPath('source-800x600.jpg')))
  },
})

export { expect }
