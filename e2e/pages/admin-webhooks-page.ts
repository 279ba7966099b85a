import { expect, type Locator, type Page } from '@playwright/test'
import { ADMIN_API_KEY, AdminPage } from './admin-page.ts'

/** What `POST /api/admin/webhooks` answers: the hook, and its secret, shown only once. */
export interface CreatedHook {
  hook: { hookId: string; payloadUrl: string }
  secret: string
}

/**
 * `/admin/webhooks`: the Hooks region (New hook form, the secret panel after a creation,
 * one list item per hook with its actions), the Deliveries region (a table; each row's time
 * button opens its details below it) and the Discord notifications region.
 */
export class AdminWebhooksPage {
  readonly admin: AdminPage
  readonly hooks: Locator
  readonly newHookButton: Locator
  /** The panel that shows a secret, once. */
  readonly secretPanel: Locator
  readonly deliveries: Locator
  readonly notifications: Locator

  constructor(readonly page: Page) {
    this.admin = new AdminPage(page)
    this.hooks = page.getByRole('region', { name: 'Hooks', exact: true })
    this.newHookButton = this.hooks.getByRole('button', { name: 'New hook' })
    this.secretPanel = page.getByRole('region', { name: "Copy it now: it won't be shown again" })
    this.deliveries = page.getByRole('region', { name: 'Deliveries', exact: true })
    this.notifications = page.getByRole('region', { name: 'Discord notifications' })
  }

  /** Opens the page with the e2e key accepted. */
  async open(): Promise<void> {
    await this.page.goto('/admin/webhooks')
    await this.admin.enterKey(ADMIN_API_KEY)
    await expect(this.admin.forgetKeyButton).toBeVisible()
  }

  /** Fills the New hook form and creates the hook; resolves to the API's answer. */
  async createHook(settings: {
    name: string
    branches?: string
    prefix?: string
    /** The Git host's name as the form shows it: GitHub (the default), GitLab, … */
    host?: string
    baseUrl?: string
  }) {
    await this.newHookButton.click()
    const form = this.page.getByRole('form', { name: 'New hook' })
    if (settings.host) await form.getByRole('radio', { name: settings.host }).check()
    await form.getByLabel('Name', { exact: true }).fill(settings.name)
    if (settings.baseUrl) await form.getByLabel('Base URL').fill(settings.baseUrl)
    await form.getByLabel('Branches', { exact: true }).fill(settings.branches ?? '')
    await form.getByLabel('Archive prefix', { exact: true }).fill(settings.prefix ?? '')
    const answer = this.page.waitForResponse(
      (response) =>
        response.url().endsWith('/api/admin/webhooks') && response.request().method() === 'POST',
    )
    await form.getByRole('button', { name: 'Create hook' }).click()
    const response = await answer
    expect(response.status()).toBe(201)
    return (await response.json()) as CreatedHook
  }

  /** A hook in the list, by its name. */
  hook(name: string): Locator {
    return this.hooks.getByRole('listitem').filter({
      has: this.page.getByRole('heading', { name, exact: true }),
    })
  }

  /** A value the secret panel shows in a step (Payload URL, Content type, Secret). */
  secretStep(title: string): Locator {
    return this.secretPanel.getByRole('listitem').filter({ hasText: title }).locator('code')
  }

  /** The deliveries table's rows (not the opened details), newest first. */
  deliveryRows(): Locator {
    return this.deliveries.locator('tbody tr.deliveries__row')
  }

  /** Opens a delivery row; resolves to its details. */
  async openDelivery(row: Locator): Promise<Locator> {
    const toggle = row.getByRole('button', { name: /details/ })
    await toggle.click()
    await expect(toggle).toHaveAttribute('aria-expanded', 'true')
    const id = await toggle.getAttribute('aria-controls')
    return this.page.locator(`[id="${id}"]`)
  }

  /** The value an opened delivery shows under a caption (Request headers, Payload, …). */
  detail(details: Locator, label: string): Locator {
    return details.getByRole('figure', { name: label, exact: true }).locator('pre')
  }
}
