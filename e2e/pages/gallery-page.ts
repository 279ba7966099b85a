import { expect, type Locator, type Page } from '@playwright/test'

/** What "Save as template" asks for. */
export interface TemplateDetails {
  name: string
  /** Comma-separated, as typed. */
  tags?: string
  source?: string
}

/**
 * The template gallery in the editor's Picture step (the "Templates" tab, open at `/`):
 * a search box, tiles named by their template's name, "Recently used" first; once one is
 * chosen the gallery folds to that template and "Choose another template". Also the
 * editor's "Save as template" dialog and the result's "Copy image link".
 */
export class GalleryPage {
  readonly templatesTab: Locator
  readonly gallery: Locator
  readonly searchField: Locator
  /** The gallery's sentence: loading, how many were found, or that nothing matches. */
  readonly status: Locator
  readonly recentlyUsed: Locator
  readonly moreButton: Locator
  readonly chooseAnotherButton: Locator
  readonly saveAsTemplateButton: Locator
  readonly saveDialog: Locator
  readonly editTokenField: Locator
  readonly copyImageLinkButton: Locator

  constructor(readonly page: Page) {
    this.templatesTab = page.getByRole('tab', { name: 'Templates' })
    this.gallery = page.getByRole('tabpanel', { name: 'Templates' })
    this.searchField = page.getByRole('searchbox', { name: 'Search templates' })
    this.status = this.gallery.getByRole('status')
    this.recentlyUsed = this.gallery.getByRole('region', { name: 'Recently used' })
    this.moreButton = this.gallery.getByRole('button', { name: 'More templates' })
    this.chooseAnotherButton = page.getByRole('button', { name: 'Choose another template' })
    this.saveAsTemplateButton = page.getByRole('button', { name: 'Save as template' })
    this.saveDialog = page.getByRole('dialog')
    this.editTokenField = this.saveDialog.getByLabel('Edit token')
    this.copyImageLinkButton = page.getByRole('button', { name: 'Copy image link' })
  }

  /** Every tile's name (its picture's alt text), in order, recently used first. */
  async tileNames(): Promise<string[]> {
    return this.gallery
      .getByRole('listitem')
      .getByRole('img')
      .evaluateAll((images) => images.map((image) => image.getAttribute('alt') ?? ''))
  }

  tile(name: string): Locator {
    return this.gallery.getByRole('button', { name, exact: true }).first()
  }

  /** Types a search and waits for its answer (the search runs once typing pauses). */
  async search(text: string): Promise<void> {
    const answered = this.page.waitForResponse((response) => {
      const url = new URL(response.url())
      return url.pathname === '/api/templates' && url.searchParams.get('q') === text.trim()
    })
    await this.searchField.fill(text)
    await answered
    await expect(this.status).not.toHaveText('Loading templates…')
  }

  /** Chooses a template: its picture and boxes load, and the gallery folds to it. */
  async pick(name: string): Promise<void> {
    await this.tile(name).click()
    await expect(this.chooseAnotherButton).toBeVisible({ timeout: 15_000 })
    await expect(this.gallery.getByText(name, { exact: true })).toBeVisible()
  }

  /** Opens the gallery again after a template was chosen. */
  async chooseAnother(): Promise<void> {
    await this.chooseAnotherButton.click()
    await expect(this.searchField).toBeVisible()
  }

  /** Saves the picture and boxes as a template; returns the edit token shown once. */
  async saveAsTemplate(details: TemplateDetails): Promise<string> {
    await this.saveAsTemplateButton.click()
    await expect(this.saveDialog).toBeVisible()
    await this.saveDialog.getByLabel('Name', { exact: true }).fill(details.name)
    await this.saveDialog.getByLabel('Tags', { exact: true }).fill(details.tags ?? '')
    await this.saveDialog.getByLabel('Source (optional)').fill(details.source ?? '')
    await this.saveDialog.getByRole('button', { name: 'Save template' }).click()
    await expect(this.saveDialog.getByRole('heading', { name: 'Template saved' })).toBeVisible({
      timeout: 15_000,
    })
    return this.editTokenField.inputValue()
  }

  /** The question "Delete template…" asks before a template this browser saved is deleted. */
  get deleteQuestion(): Locator {
    return this.page.getByRole('group', { name: /^Delete “/ })
  }

  async askToDeleteChosenTemplate(): Promise<void> {
    await this.page.getByRole('button', { name: 'Delete template…' }).click()
    await expect(this.deleteQuestion).toBeVisible()
  }

  /** Answers the question: the template is deleted and the gallery says so. */
  async confirmDelete(): Promise<void> {
    await this.deleteQuestion.getByRole('button', { name: 'Delete', exact: true }).click()
    await expect(this.gallery.getByText(/^Template “.*” deleted\./)).toBeVisible({
      timeout: 15_000,
    })
  }

  async closeSaveDialog(): Promise<void> {
    await this.saveDialog.getByRole('button', { name: 'Done' }).click()
    await expect(this.saveDialog).toBeHidden()
  }
}
