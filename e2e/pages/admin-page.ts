import { expect, type Locator, type Page } from '@playwright/test'

/** The key the e2e app accepts (`ADMIN_API_KEYS` in playwright.config.ts). */
export const ADMIN_API_KEY = 'e2e-admin-key'

/**
 * The admin pages under `/admin`: a key form until a key is accepted, then a nav
 * (Overview, HMAC, SigV4) and a Forget key button above the page. Each tool is a region
 * named by its heading; each value it shows is a figure named by its caption.
 */
export class AdminPage {
  readonly keyField: Locator
  readonly continueButton: Locator
  /** The sentence the key form shows after a refusal. */
  readonly keyRefusal: Locator
  readonly forgetKeyButton: Locator
  readonly nav: Locator
  readonly usage: Locator
  readonly apigee: Locator
  readonly hmac: Locator
  readonly github: Locator

  constructor(readonly page: Page) {
    this.keyField = page.getByLabel('API key', { exact: true })
    this.continueButton = page.getByRole('button', { name: 'Continue' })
    this.keyRefusal = page
      .getByRole('region', { name: 'Admin tools' })
      .getByRole('alert')
      .filter({ hasText: 'API key' })
    this.forgetKeyButton = page.getByRole('button', { name: 'Forget key' })
    this.nav = page.getByRole('navigation', { name: 'Admin tools' })
    this.usage = page.getByRole('region', { name: 'Usage' })
    this.apigee = page.getByRole('region', { name: 'Apigee OAuth signature' })
    this.hmac = page.getByRole('region', { name: 'HMAC calculator' })
    this.github = page.getByRole('region', { name: 'GitHub webhook signature' })
  }

  async goto(path: '/admin' | '/admin/hmac' | '/admin/sigv4' = '/admin'): Promise<void> {
    await this.page.goto(path)
  }

  /** Types a key into the key form and sends it, as a person would. */
  async enterKey(key: string): Promise<void> {
    await this.keyField.fill(key)
    await this.continueButton.click()
  }

  /** Opens a page with the e2e key already accepted. */
  async openWithKey(path: '/admin' | '/admin/hmac' | '/admin/sigv4'): Promise<void> {
    await this.goto(path)
    await this.enterKey(ADMIN_API_KEY)
    await expect(this.forgetKeyButton).toBeVisible()
  }

  /** The text field, select or secret of a tool, by its exact label. */
  field(scope: Locator | Page, label: string): Locator {
    return scope.getByLabel(label, { exact: true })
  }

  /** The value a tool shows under a caption (Signature, Hex, …). */
  output(scope: Locator, label: string): Locator {
    return scope.getByRole('figure', { name: label, exact: true }).locator('pre')
  }

  /** A SigV4 step's panel, by its title without the number ("Canonical request"). */
  step(title: string): Locator {
    return this.page.getByRole('region', { name: title, exact: true })
  }

  /** The value a SigV4 step shows. */
  stepValue(title: string): Locator {
    return this.step(title).locator('pre').first()
  }

  /** The key as the tab keeps it, or null. */
  async storedKey(): Promise<string | null> {
    return this.page.evaluate(() => sessionStorage.getItem('meme-studio.admin-api-key'))
  }
}
