import type { Locator, Page } from '@playwright/test'

type FileChoice = Parameters<Locator['setInputFiles']>[0]

/** What the editor showed while it was busy, as recorded by `watchBusyStates`. */
export interface BusyState {
  progressValue: string | null
  buttonText: string | null
}

declare global {
  interface Window {
    __busyStates?: BusyState[]
  }
}

/** The editor at `/`: choose a picture, type captions, generate, download. */
export class EditorPage {
  readonly imageInput: Locator
  readonly topText: Locator
  readonly bottomText: Locator
  readonly preview: Locator
  readonly generateButton: Locator
  readonly progressBar: Locator
  readonly alert: Locator
  readonly resultImage: Locator
  readonly downloadAction: Locator
  readonly copyAction: Locator

  constructor(readonly page: Page) {
    this.imageInput = page.getByLabel('Image', { exact: true })
    this.topText = page.getByLabel('Top text')
    this.bottomText = page.getByLabel('Bottom text')
    this.preview = page.getByLabel('Meme preview')
    this.generateButton = page.getByRole('button', { name: 'Generate' })
    this.progressBar = page.getByRole('progressbar')
    this.alert = page.getByRole('alert')
    this.resultImage = page.getByRole('img', { name: 'Generated meme' })
    // Download may be a link with a `download` attribute or a button; either is fine.
    this.downloadAction = page
      .getByRole('link', { name: 'Download' })
      .or(page.getByRole('button', { name: 'Download' }))
    this.copyAction = page.getByRole('button', { name: 'Copy' })
  }

  async goto(): Promise<void> {
    await this.page.goto('/')
  }

  async chooseImage(file: FileChoice): Promise<void> {
    await this.imageInput.setInputFiles(file)
  }

  async typeCaptions(top: string, bottom: string): Promise<void> {
    await this.topText.fill(top)
    await this.bottomText.fill(bottom)
  }

  /**
   * Starts recording the busy states the editor shows (a visible progress bar, a button
   * reading "Uploading… N%" or "Rendering…"). On loopback an upload can finish between two
   * polls of an assertion, so the page records every DOM change itself.
   */
  async watchBusyStates(): Promise<void> {
    await this.page.evaluate(() => {
      const seen: BusyState[] = []
      window.__busyStates = seen
      const record = () => {
        for (const bar of document.querySelectorAll('[role="progressbar"]')) {
          if (bar.checkVisibility()) {
            seen.push({ progressValue: bar.getAttribute('aria-valuenow'), buttonText: null })
          }
        }
        for (const button of document.querySelectorAll('button')) {
          const text = button.textContent?.trim() ?? ''
          if (button.disabled && /Uploading|Rendering/.test(text)) {
            seen.push({ progressValue: null, buttonText: text })
          }
        }
      }
      new MutationObserver(record).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      })
    })
  }

  async busyStatesSeen(): Promise<BusyState[]> {
    return this.page.evaluate(() => window.__busyStates ?? [])
  }

  /** The bytes and type of the image the result shows, read back from its URL in the page. */
  async resultImageBytes(): Promise<{ type: string; bytes: Buffer }> {
    const shown = await this.resultImage.evaluate(async (img: HTMLImageElement) => {
      const response = await fetch(img.src)
      const bytes = new Uint8Array(await response.arrayBuffer())
      return { type: response.headers.get('content-type') ?? '', bytes: Array.from(bytes) }
    })
    return { type: shown.type, bytes: Buffer.from(shown.bytes) }
  }

  /** The result image's intrinsic size, 0x0 until it has loaded. */
  async resultNaturalSize(): Promise<{ width: number; height: number }> {
    return this.resultImage.evaluate((img: HTMLImageElement) => ({
      width: img.complete ? img.naturalWidth : 0,
      height: img.complete ? img.naturalHeight : 0,
    }))
  }
}
