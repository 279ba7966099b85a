import { AxeBuilder } from '@axe-core/playwright'
import { expect, type Page, type TestInfo } from '@playwright/test'
import { attachScreenshot } from './screenshots.ts'

/** A screen size and colour scheme a page is checked in. */
interface View {
  name: string
  viewport: { width: number; height: number }
  colorScheme: 'light' | 'dark'
}

const DESKTOP = { width: 1280, height: 800 }
const PHONE = { width: 390, height: 844 }

/** Desktop and phone, each in the light and the dark scheme (the app follows the system's). */
const VIEWS: readonly View[] = [
  { name: 'desktop-light', viewport: DESKTOP, colorScheme: 'light' },
  { name: 'desktop-dark', viewport: DESKTOP, colorScheme: 'dark' },
  { name: 'phone-light', viewport: PHONE, colorScheme: 'light' },
  { name: 'phone-dark', viewport: PHONE, colorScheme: 'dark' },
]

/**
 * axe's tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA.
 * @see https://github.com/dequelabs/axe-core/blob/develop/doc/API.md#axe-core-tags
 */
const WCAG_A_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

/**
 * Resolves once the page's CSS transitions have ended: a scheme switch fades the buttons'
 * colours, and axe would measure contrast halfway. Spinners run forever, so only transitions
 * count; one cancelled on the way rejects, which is as good as ended. A transition inside a
 * closed `<details>` is not rendered (Chromium hides the content with `content-visibility`),
 * so it never advances and would never end: only transitions of rendered elements count.
 */
async function settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const transitions = document.getAnimations().filter((animation) => {
      if (!(animation instanceof CSSTransition)) return false
      const target = animation.effect instanceof KeyframeEffect ? animation.effect.target : null
      return target?.checkVisibility() ?? false
    })
    await Promise.allSettled(transitions.map((transition) => transition.finished))
  })
}

/**
 * Shows the page as it is now in every view, attaches a full-page screenshot of each as
 * `<name>-<view>` and runs axe's WCAG 2 A/AA rules over it, then fails listing every
 * violation of every view: its rule, impact, help text and the elements it found.
 */
export async function expectAccessibleInEveryView(
  page: Page,
  testInfo: TestInfo,
  name: string,
): Promise<void> {
  const found: string[] = []
  for (const view of VIEWS) {
    await page.setViewportSize(view.viewport)
    await page.emulateMedia({ colorScheme: view.colorScheme })
    await settled(page)
    await attachScreenshot(page, testInfo, `${name}-${view.name}`)
    const { violations } = await new AxeBuilder({ page }).withTags(WCAG_A_AA).analyze()
    if (violations.length > 0) {
      await testInfo.attach(`axe-${name}-${view.name}.json`, {
        body: JSON.stringify(violations, null, 2),
        contentType: 'application/json',
      })
    }
    for (const violation of violations) {
      const targets = violation.nodes.map((node) => {
        const check = [...node.any, ...node.all, ...node.none][0]
        const html = node.html.length > 120 ? `${node.html.slice(0, 119)}…` : node.html
        return `    ${node.target.join(' ')} ${html}${check ? `\n      ${check.message}` : ''}`
      })
      found.push(
        [
          `[${view.name}] ${violation.id} (${violation.impact ?? 'no impact given'}): ${violation.help}`,
          `    ${violation.helpUrl}`,
          ...targets,
        ].join('\n'),
      )
    }
  }
  const report = `axe found WCAG 2 A/AA violations on ${name}:\n\n${found.join('\n\n')}\n`
  expect(found.length, report).toBe(0)
}
