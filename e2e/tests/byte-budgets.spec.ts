import type { Page } from '@playwright/test'
import { expect, test } from '../fixtures.ts'

/** What a page's first load fetched, in bytes as sent (compressed), by kind. */
interface Shipped {
  script: number
  stylesheet: number
  font: number
}

/**
 * Budgets per page, in bytes over the wire on a first load with an empty cache, the browser
 * asking for Brotli or gzip as browsers do. Measured on 2026-12-06 (editor: 167 kB of JS, 7.8 kB
 * of CSS, 18.6 kB of fonts; admin: 137 kB, 4.2 kB, 18.6 kB; the share page: nothing but its
 * HTML), with some room: a regression past one fails here. Not yet issue 16's target (the
 * editor's first-load JS under 100 kB): the caption fonts' chunk, about 100 kB compressed,
 * still loads on every page once it shows, /admin included.
 */
const BUDGETS: Record<string, Shipped> = {
  editor: { script: 180_000, stylesheet: 10_000, font: 25_000 },
  admin: { script: 150_000, stylesheet: 6_000, font: 25_000 },
  // Its styles are inline and it runs no script file; it uses the system's fonts.
  share: { script: 0, stylesheet: 0, font: 0 },
}

async function shippedBytes(
  page: Page,
  path: string,
): Promise<Shipped & { uncompressed: string[] }> {
  const shipped = { script: 0, stylesheet: 0, font: 0 }
  const uncompressed: string[] = []
  const pending: Promise<void>[] = []
  page.on('requestfinished', (request) => {
    const kind = request.resourceType()
    if (kind !== 'script' && kind !== 'stylesheet' && kind !== 'font') return
    pending.push(
      (async () => {
        const [sizes, response] = await Promise.all([request.sizes(), request.response()])
        shipped[kind] += sizes.responseBodySize
        const encoding = (await response?.allHeaders())?.['content-encoding']
        if (kind !== 'font' && sizes.responseBodySize > 1024 && !encoding) {
          uncompressed.push(request.url())
        }
      })(),
    )
  })
  await page.goto(path)
  // The first page's code, then what it fetches once it shows (the caption fonts' chunk).
  await page.waitForLoadState('networkidle')
  await page.waitForTimeout(1_000)
  await page.waitForLoadState('networkidle')
  await Promise.all(pending)
  return { ...shipped, uncompressed }
}

test('each page ships its JS, CSS and fonts compressed, within its byte budget', async ({
  page,
  browser,
}, testInfo) => {
  const created = await page.request.post('/api/shares', {
    data: { template: 'blank-4x3-white', captions: [{ text: 'Budget', x: 0.5, y: 0.15 }] },
  })
  expect(created.status(), await created.text()).toBe(201)
  const { url: sharePath } = (await created.json()) as { url: string }

  const seen: Record<string, Shipped> = {}
  for (const [name, path] of [
    ['editor', '/'],
    ['admin', '/admin'],
    ['share', sharePath],
  ] as const) {
    // A fresh context each: an empty cache, as a first visit.
    const context = await browser.newContext()
    const fresh = await context.newPage()
    const { uncompressed, ...shipped } = await shippedBytes(fresh, path)
    await context.close()
    seen[name] = shipped
    expect(uncompressed, `${name}: text files sent uncompressed`).toEqual([])
  }
  await testInfo.attach('shipped-bytes.json', {
    body: JSON.stringify(seen, null, 2),
    contentType: 'application/json',
  })
  for (const [name, budget] of Object.entries(BUDGETS)) {
    for (const kind of ['script', 'stylesheet', 'font'] as const) {
      expect(seen[name]![kind], `${name}'s ${kind} bytes`).toBeLessThanOrEqual(budget[kind])
    }
  }
})
