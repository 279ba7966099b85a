import { expect, type Locator, type Page } from '@playwright/test'

type FileChoice = Parameters<Locator['setInputFiles']>[0]

/** The output formats the editor offers, as its Format list names them. */
export type FormatChoice = 'Same as picture' | 'JPEG' | 'PNG' | 'WebP'
/** The caption faces, as the Font list names them. */
export type FontChoice = 'Anton (classic)' | 'Sans' | 'Serif' | 'Handwritten'
/** Where a resize handle sits on its box: the compass direction from the box's centre. */
export type ResizeHandle = 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w' | 'nw'

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

/**
 * The editor at `/`: choose a picture (a template from the gallery, or one's own under
 * "Upload your own"), place and style text boxes, generate, download.
 * The boxes are listed as tabs ("Text 1", "Text 2", …); the controls below them (Text,
 * Font, Fill colour, …) belong to the selected box.
 */
export class EditorPage {
  /** The Picture step's tab that shows the drop zone; the editor opens on Templates. */
  readonly uploadTab: Locator
  readonly imageInput: Locator
  readonly preview: Locator
  /** The text boxes drawn over the preview, in order. */
  readonly boxes: Locator
  /** One tab per text box, in order: choosing one selects its box. */
  readonly boxTabs: Locator
  readonly addTextButton: Locator
  readonly deleteBoxButton: Locator
  /** The selected box's controls. */
  readonly textField: Locator
  readonly fontSelect: Locator
  readonly sizeSlider: Locator
  readonly fillColour: Locator
  readonly outlineColour: Locator
  readonly outlineWidth: Locator
  readonly rotationField: Locator
  readonly upperCase: Locator
  readonly shadow: Locator
  /** "Too much text for this box …", shown under the text of a box it does not fit. */
  readonly fitHint: Locator
  readonly formatSelect: Locator
  readonly generateButton: Locator
  readonly progressBar: Locator
  readonly alert: Locator
  readonly resultImage: Locator
  readonly downloadAction: Locator
  readonly copyAction: Locator
  readonly resultRegion: Locator
  /** The line that says the result no longer matches the boxes. */
  readonly resultOutOfDate: Locator
  /**
   * The bar that keeps Generate (and Download, once there is a result) on screen: stuck to
   * the bottom of the controls on a desktop, fixed to the bottom of the screen on a phone.
   * Its Generate is `generateButton`, the page's only one.
   */
  readonly actionBar: Locator
  readonly barDownload: Locator

  constructor(readonly page: Page) {
    this.uploadTab = page.getByRole('tab', { name: 'Upload your own' })
    this.imageInput = page.getByLabel('Image', { exact: true })
    this.preview = page.getByLabel('Meme preview')
    this.boxes = page.getByRole('button', { name: /^Text \d+:/ })
    this.boxTabs = page.getByRole('tablist', { name: 'Text boxes' }).getByRole('tab')
    this.addTextButton = page.getByRole('button', { name: 'Add text' })
    this.deleteBoxButton = page.getByRole('button', { name: 'Delete text box' })
    this.textField = page.getByLabel('Text', { exact: true })
    this.fontSelect = page.getByLabel('Font', { exact: true })
    this.sizeSlider = page.getByLabel('Size', { exact: true })
    this.fillColour = page.getByLabel('Fill colour')
    this.outlineColour = page.getByLabel('Outline colour')
    this.outlineWidth = page.getByLabel('Outline width', { exact: true })
    this.rotationField = page.getByLabel('Rotation (°)', { exact: true })
    this.upperCase = page.getByLabel('Upper case')
    this.shadow = page.getByLabel('Shadow')
    this.fitHint = page.getByRole('status').filter({ hasText: 'Too much text for this box' })
    this.formatSelect = page.getByLabel('Format', { exact: true })
    this.generateButton = page.getByRole('button', { name: 'Generate' })
    this.progressBar = page.getByRole('progressbar')
    this.alert = page.getByRole('alert')
    // Its alt text says what the captions say: find it in the result's region instead.
    this.resultImage = page.getByRole('region', { name: 'Your meme' }).getByRole('img', {
      name: /^(Meme: “|A meme without captions$)/,
    })
    // Download may be a link with a `download` attribute or a button; either is fine. The
    // result's own: the action bar has another.
    const result = page.getByRole('region', { name: 'Your meme' })
    this.downloadAction = result
      .getByRole('link', { name: 'Download' })
      .or(result.getByRole('button', { name: 'Download' }))
    this.copyAction = page.getByRole('button', { name: 'Copy' })
    this.resultRegion = page.getByRole('region', { name: 'Your meme' })
    this.resultOutOfDate = this.resultRegion
      .getByRole('status')
      .filter({ hasText: 'Out of date — ' })
    this.actionBar = page.getByRole('region', { name: 'Generate and download' })
    this.barDownload = this.actionBar.getByRole('link', { name: 'Download' })
  }

  async goto(): Promise<void> {
    await this.page.goto('/')
  }

  /** Chooses a picture of one's own, as a person does: "Upload your own", then the file. */
  async chooseImage(file: FileChoice): Promise<void> {
    await this.uploadTab.click()
    await expect(this.uploadTab).toHaveAttribute('aria-selected', 'true')
    await this.imageInput.setInputFiles(file)
  }

  /** Types into the two boxes the editor starts with, at the top and the bottom. */
  async typeCaptions(top: string, bottom: string): Promise<void> {
    await this.selectBox(0)
    await this.textField.fill(top)
    await this.selectBox(1)
    await this.textField.fill(bottom)
  }

  /** Adds a box in the middle of the picture and selects it. */
  async addBox(): Promise<void> {
    const count = await this.boxTabs.count()
    await this.addTextButton.click()
    await expect(this.boxTabs).toHaveCount(count + 1)
  }

  /** Selects a box (0 is the first) by its tab, so the controls below act on it. */
  async selectBox(index: number): Promise<void> {
    const tab = this.boxTabs.nth(index)
    await tab.click()
    await expect(tab).toHaveAttribute('aria-selected', 'true')
  }

  /** Sets the selected box's text. Text that does not fit is refused: check `fitHint`. */
  async setText(text: string): Promise<void> {
    await this.textField.fill(text)
  }

  async setFont(font: FontChoice): Promise<void> {
    await this.fontSelect.selectOption({ label: font })
  }

  /** Colours as `#rrggbb`; an outline width as a fraction of the font size (0 for none). */
  async setColours(style: {
    fill?: string
    outline?: string
    outlineWidth?: number
  }): Promise<void> {
    if (style.fill !== undefined) await this.fillColour.fill(style.fill)
    if (style.outline !== undefined) await this.outlineColour.fill(style.outline)
    if (style.outlineWidth !== undefined) await this.outlineWidth.fill(String(style.outlineWidth))
  }

  async setAlignment(align: 'Left' | 'Centre' | 'Right'): Promise<void> {
    await this.page.getByRole('radio', { name: align, exact: true }).check()
  }

  /** The size multiplier of the selected box's text, 0.25..4. */
  async setSize(scale: number): Promise<void> {
    await this.sizeSlider.fill(String(scale))
  }

  async setRotation(degrees: number): Promise<void> {
    await this.rotationField.fill(String(degrees))
    await this.rotationField.press('Tab')
  }

  async chooseFormat(format: FormatChoice): Promise<void> {
    await this.formatSelect.selectOption({ label: format })
  }

  /** Drags a box by its body, by (dx, dy) screen pixels, with the mouse. */
  async dragBox(index: number, dx: number, dy: number): Promise<void> {
    await this.dragFrom(this.boxes.nth(index), dx, dy)
  }

  /** Selects a box, then drags one of its resize handles by (dx, dy) screen pixels. */
  async dragResizeHandle(
    index: number,
    handle: ResizeHandle,
    dx: number,
    dy: number,
  ): Promise<void> {
    await this.selectBox(index)
    await this.dragFrom(this.boxes.nth(index).locator(`[data-handle="${handle}"]`), dx, dy)
  }

  /** Selects a box, then drags its round rotation handle by (dx, dy); Shift snaps to 15°. */
  async dragRotationHandle(
    index: number,
    dx: number,
    dy: number,
    options: { snap?: boolean } = {},
  ): Promise<void> {
    await this.selectBox(index)
    const handle = this.boxes.nth(index).locator('[data-handle="rotate"]')
    if (options.snap) await this.page.keyboard.down('Shift')
    await this.dragFrom(handle, dx, dy)
    if (options.snap) await this.page.keyboard.up('Shift')
  }

  private async dragFrom(target: Locator, dx: number, dy: number): Promise<void> {
    // Mouse moves do not scroll: bring the target to the middle of the screen, clear of
    // the sticky header.
    await target.evaluate((element) => element.scrollIntoView({ block: 'center' }))
    const bounds = await target.boundingBox()
    if (!bounds) throw new Error('the drag target is not visible')
    const x = bounds.x + bounds.width / 2
    const y = bounds.y + bounds.height / 2
    await this.page.mouse.move(x, y)
    await this.page.mouse.down()
    await this.page.mouse.move(x + dx, y + dy, { steps: 8 })
    await this.page.mouse.up()
  }

  /**
   * The preview as a PNG at its full resolution (the size the server renders at), read
   * from the canvas once its latest change has been drawn, fonts loaded.
   */
  async previewPng(): Promise<Buffer> {
    await expect(this.preview).not.toHaveAttribute('aria-busy', 'true')
    const dataUrl = await this.preview.evaluate((canvas: HTMLCanvasElement) =>
      canvas.toDataURL('image/png'),
    )
    return Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64')
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
