import { readFile } from 'node:fs/promises'
import type { Download, Page } from '@playwright/test'
import { expect, test } from '../fixtures.ts'
import type { EditorPage } from '../pages/editor-page.ts'
import { expectAccessibleInEveryView } from '../support/accessibility.ts'
import { decodeImage, meanAbsDiff, type DecodedImage } from '../support/pixels.ts'
import { attachScreenshot } from '../support/screenshots.ts'

const RENDER_TIMEOUT = 30_000
const WHOLE = { x0: 0, x1: 1, y0: 0, y1: 1 }
/** A caption change moves far more than this share of the preview's pixels. */
const SAME_PIXELS = 0.01
/** The editor ends a burst of typing after 500 ms of quiet. */
const TYPING_PAUSE_MS = 700

interface SavedDraft {
  texts: string[]
  /** Where the first box's centre is, as a share of the picture's width. */
  firstX: number
  hasPicture: boolean
}

/**
 * The draft as this browser's IndexedDB holds it, read the way the app stores it. Read only
 * once the editor has opened its database (it does so on opening the page).
 */
function savedDraft(page: Page): Promise<SavedDraft | null> {
  return page.evaluate(
    () =>
      new Promise<SavedDraft | null>((resolve, reject) => {
        const opening = indexedDB.open('meme-studio')
        opening.onerror = () => reject(opening.error)
        opening.onsuccess = () => {
          const database = opening.result
          const reading = database.transaction('editor').objectStore('editor').get('draft')
          reading.onerror = () => reject(reading.error)
          reading.onsuccess = () => {
            database.close()
            const draft = reading.result as
              | { document: { captions: { text: string; x: number }[] }; picture: unknown }
              | undefined
            resolve(
              draft
                ? {
                    texts: draft.document.captions.map(({ text }) => text),
                    firstX: draft.document.captions[0]?.x ?? NaN,
                    hasPicture: draft.picture !== null,
                  }
                : null,
            )
          }
        }
      }),
  )
}

async function previewPixels(editorPage: EditorPage): Promise<DecodedImage> {
  return decodeImage(await editorPage.previewPng())
}

/** How far two previews differ: their mean pixel difference, or Infinity for other sizes. */
function difference(a: DecodedImage, b: DecodedImage): number {
  if (a.width !== b.width || a.height !== b.height) return Infinity
  return meanAbsDiff(a, b, WHOLE)
}

/** Expects the preview to show `expected`, pixel for pixel, once it has redrawn. */
async function expectPreview(editorPage: EditorPage, expected: DecodedImage, message: string) {
  await expect
    .poll(async () => difference(await previewPixels(editorPage), expected), { message })
    .toBeLessThan(SAME_PIXELS)
}

async function savedBytes(download: Download, path: string): Promise<Buffer> {
  await download.saveAs(path)
  return readFile(path)
}

function editorControls(page: Page) {
  return {
    undo: page.getByRole('button', { name: 'Undo', exact: true }),
    redo: page.getByRole('button', { name: 'Redo', exact: true }),
    startOver: page.getByRole('button', { name: 'Start over' }),
    notice: page.getByRole('status').filter({ hasText: /^(Restored|Opened|Started)/ }),
    recent: page.getByRole('region', { name: 'Recent memes' }),
    heading: page.getByRole('heading', { name: 'Make a meme' }),
  }
}

for (const viewport of [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
]) {
  test(`a reload keeps the draft, Start over clears it, undo and redo step through edits (${viewport.name})`, async ({
    page,
    editorPage,
    sourcePicture,
  }, testInfo) => {
    // Two reloads, a dozen edits and their undo and redo: 25 to 35 s on the 2-CPU machine,
    // past 50 s when its host is busy.
    test.slow()
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    const controls = editorControls(page)
    await editorPage.chooseImage(sourcePicture.path)
    await editorPage.typeCaptions('KEPT TOP', 'KEPT BOTTOM')
    await expect
      .poll(async () => (await savedDraft(page))?.texts)
      .toEqual(['KEPT TOP', 'KEPT BOTTOM'])
    const typedX = (await savedDraft(page))!.firstX
    await editorPage.dragBox(0, 40, 30)

    const beforeReload = await previewPixels(editorPage)
    const boxBefore = await editorPage.boxes.nth(0).boundingBox()
    await test.step('the draft is saved as it changes, and put back after a reload', async () => {
      await expect
        .poll(async () => (await savedDraft(page))?.firstX, {
          message: 'the draft is saved a moment after the drag',
        })
        .not.toBe(typedX)
      expect(await savedDraft(page)).toMatchObject({
        texts: ['KEPT TOP', 'KEPT BOTTOM'],
        hasPicture: true,
      })
      await page.reload()
      await expect(controls.notice).toHaveText(/^Restored your draft from .+\.$/)
      await editorPage.selectBox(0)
      await expect(editorPage.textField).toHaveValue('KEPT TOP')
      await editorPage.selectBox(1)
      await expect(editorPage.textField).toHaveValue('KEPT BOTTOM')
      await expectPreview(editorPage, beforeReload, 'the preview is drawn as before the reload')
      const boxAfter = await editorPage.boxes.nth(0).boundingBox()
      // Across the page, where it was dragged to (scrolling moves boxes only up and down).
      expect(boxAfter?.x).toBeCloseTo(boxBefore!.x, 0)
      expect(boxAfter?.width).toBeCloseTo(boxBefore!.width, 0)
      expect(boxAfter?.height).toBeCloseTo(boxBefore!.height, 0)
      await attachScreenshot(page, testInfo, `draft-restored-${viewport.name}`)
    })

    await test.step('Ctrl+Z and Ctrl+Shift+Z in the caption field undo and redo the typing', async () => {
      await editorPage.selectBox(0)
      const plain = await previewPixels(editorPage)
      await editorPage.textField.press('End')
      // One input event, as a paste or a phone's word suggestion makes: keys pressed one by one
      // became two steps when the busy CI machine paused between them longer than the editor's
      // quiet time (HISTORY_QUIET_MS; the web unit tests cover a burst of keystrokes).
      await page.keyboard.insertText(' MORE')
      await page.waitForTimeout(TYPING_PAUSE_MS)
      const more = await previewPixels(editorPage)
      expect(meanAbsDiff(plain, more, WHOLE)).toBeGreaterThan(SAME_PIXELS)

      await editorPage.textField.press('Control+z')
      // The editor's undo, whole, and not the browser's as well (that would take more away).
      await expect(editorPage.textField).toHaveValue('KEPT TOP')
      await expectPreview(editorPage, plain, 'undo draws the text as it was')
      await editorPage.textField.press('Control+Shift+z')
      await expect(editorPage.textField).toHaveValue('KEPT TOP MORE')
      await expectPreview(editorPage, more, 'redo draws the typing again')
      await editorPage.textField.press('Control+z')
      await expect(editorPage.textField).toHaveValue('KEPT TOP')
      await editorPage.textField.press('Control+y')
      await expect(editorPage.textField).toHaveValue('KEPT TOP MORE')
    })

    await test.step('the Undo and Redo buttons step a drag back and forth', async () => {
      // Out of the caption field: on a phone the preview is compact while writing.
      await controls.heading.click()
      const still = await previewPixels(editorPage)
      await editorPage.dragBox(1, -30, -60)
      const dragged = await previewPixels(editorPage)
      expect(meanAbsDiff(still, dragged, WHOLE)).toBeGreaterThan(SAME_PIXELS)
      await expect(controls.undo).toBeEnabled()
      await expect(controls.undo).toHaveAttribute('aria-keyshortcuts', 'Control+Z Meta+Z')
      await expect(controls.redo).toBeDisabled()
      // As seen right after the drag: on a phone, the compact preview with its Undo row.
      const seen = testInfo.outputPath(`history-buttons-in-view-${viewport.name}.png`)
      await page.screenshot({ path: seen })
      await testInfo.attach(`history-buttons-in-view-${viewport.name}`, {
        path: seen,
        contentType: 'image/png',
      })
      await attachScreenshot(page, testInfo, `history-buttons-${viewport.name}`)

      await controls.undo.click()
      await expectPreview(editorPage, still, 'one Undo puts the whole drag back')
      await expect(controls.redo).toBeEnabled()
      await controls.redo.click()
      await expectPreview(editorPage, dragged, 'Redo moves it again')
      await expect(controls.redo).toBeDisabled()

      // Anywhere on the page, not only in a field.
      await controls.heading.click()
      await page.keyboard.press('Control+z')
      await expectPreview(editorPage, still, 'Ctrl+Z on the page undoes too')
      await page.keyboard.press('Control+Shift+Z')
      await expectPreview(editorPage, dragged, 'Ctrl+Shift+Z on the page redoes')
    })

    await test.step('every kind of edit is one step that Undo takes back and Redo does again', async () => {
      /** Does `edit`, then checks that Undo shows the editor as before it and Redo as after. */
      const undoable = async (what: string, edit: () => Promise<void>) => {
        await controls.heading.click()
        const before = {
          pixels: await previewPixels(editorPage),
          boxes: await editorPage.boxTabs.count(),
        }
        await edit()
        // Out of any field: a field's own Ctrl+Z is not what is under test here.
        await controls.heading.click()
        const after = {
          pixels: await previewPixels(editorPage),
          boxes: await editorPage.boxTabs.count(),
        }
        expect(
          before.boxes !== after.boxes || difference(before.pixels, after.pixels) > SAME_PIXELS,
          `${what} changes the editor`,
        ).toBe(true)
        await controls.undo.click()
        await expect(editorPage.boxTabs).toHaveCount(before.boxes)
        await expectPreview(editorPage, before.pixels, `Undo takes back ${what}`)
        await controls.redo.click()
        await expect(editorPage.boxTabs).toHaveCount(after.boxes)
        await expectPreview(editorPage, after.pixels, `Redo does ${what} again`)
      }
      await undoable('a resize', () => editorPage.dragResizeHandle(0, 'se', 24, 24))
      await undoable('a turn of the box', async () => {
        await editorPage.selectBox(0)
        await editorPage.setRotation(20)
      })
      await undoable('a new fill colour', async () => {
        await editorPage.selectBox(1)
        await editorPage.setColours({ fill: '#ff0000' })
      })
      await undoable('adding a box', () => editorPage.addBox())
      await undoable('deleting a box', async () => {
        await editorPage.selectBox(2)
        await editorPage.deleteBoxButton.click()
      })
      await undoable('turning the picture', () =>
        page.getByRole('button', { name: 'Rotate right' }).click(),
      )
      await undoable('a sticker', async () => {
        await page.getByRole('button', { name: 'Add sticker' }).click()
        await page.getByRole('button', { name: 'Add face with tears of joy sticker' }).click()
        await expect(page.getByRole('tablist', { name: 'Stickers' }).getByRole('tab')).toHaveCount(
          1,
          { timeout: 20_000 },
        )
      })
    })

    await test.step('Start over empties the editor and forgets the draft', async () => {
      await controls.startOver.click()
      await expect(controls.notice).toHaveText('Started over: your draft is deleted.')
      await expect(page.getByRole('button', { name: 'Bring it back' })).toBeFocused()
      await expect(controls.startOver).toHaveCount(0)
      await editorPage.selectBox(0)
      await expect(editorPage.textField).toHaveValue('')
      // No picture: the waiting preview says so, where it shows; a phone builds none until
      // there is a picture again.
      if (viewport.name === 'phone') {
        await expect(page.getByRole('img', { name: 'Meme preview' })).toHaveCount(0)
      } else {
        await expect(page.getByText('Your picture goes here')).toBeVisible()
      }
      await expect.poll(() => savedDraft(page)).toBeNull()
      await attachScreenshot(page, testInfo, `started-over-${viewport.name}`)
      await page.reload()
      await editorPage.selectBox(0)
      await expect(editorPage.textField).toHaveValue('')
      await expect(controls.notice).toHaveCount(0)
      await expect(editorPage.boxTabs).toHaveCount(2)
    })
  })

  test(`recent memes: listed after a reload, downloaded again byte for byte, opened again (${viewport.name})`, async ({
    page,
    editorPage,
    sourcePicture,
  }, testInfo) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    const controls = editorControls(page)
    await editorPage.chooseImage(sourcePicture.path)
    await editorPage.typeCaptions('RECENT TOP', 'RECENT BOTTOM')
    await editorPage.generateButton.click()
    await expect(editorPage.resultImage).toHaveAccessibleName(
      'Meme: “RECENT TOP” / “RECENT BOTTOM”',
      { timeout: RENDER_TIMEOUT },
    )
    const made = await previewPixels(editorPage)
    const firstDownload = page.waitForEvent('download')
    await editorPage.downloadAction.click()
    const first = await firstDownload
    const firstBytes = await savedBytes(first, testInfo.outputPath(`first-${viewport.name}`))
    expect(first.suggestedFilename()).toBe('recent-top-recent-bottom.jpg')
    await expect(controls.recent.getByRole('listitem')).toHaveCount(1)

    await page.reload()
    await expect(controls.notice).toHaveText(/^Restored your draft from /)
    const entry = controls.recent.getByRole('listitem')
    await test.step('the list shows the meme with its thumbnail, name and time', async () => {
      await expect(entry).toHaveCount(1)
      await expect(controls.recent).toContainText('Kept only in this browser, on this device')
      const thumbnail = entry.getByRole('img', { name: 'Meme: “RECENT TOP” / “RECENT BOTTOM”' })
      await expect(thumbnail).toBeVisible()
      await expect
        .poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBe(320)
      await expect(entry).toContainText('recent-top-recent-bottom.jpg')
      await expect(entry.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/)
      await controls.recent.scrollIntoViewIfNeeded()
      await attachScreenshot(page, testInfo, `recent-memes-${viewport.name}`)
    })

    if (viewport.name === 'desktop') {
      await test.step('axe: the restored draft notice and the list, light and dark', async () => {
        await expectAccessibleInEveryView(page, testInfo, 'drafts-recent')
        await page.setViewportSize({ width: viewport.width, height: viewport.height })
        await page.emulateMedia({ colorScheme: 'light' })
      })
    }

    await test.step('Download again saves the same bytes under the same name', async () => {
      const again = page.waitForEvent('download')
      await entry.getByRole('button', { name: 'Download again' }).click()
      const second = await again
      expect(second.suggestedFilename()).toBe(first.suggestedFilename())
      const secondBytes = await savedBytes(second, testInfo.outputPath(`again-${viewport.name}`))
      expect(secondBytes.equals(firstBytes), 'the bytes of the first download').toBe(true)
    })

    await test.step('Open again puts the meme back in the editor after a Start over', async () => {
      await controls.startOver.click()
      await expect(controls.notice).toHaveText('Started over: your draft is deleted.')
      await entry.getByRole('button', { name: 'Open again' }).click()
      await expect(controls.notice).toHaveText(/^Opened your meme from .+ to edit again\.$/)
      await editorPage.selectBox(0)
      await expect(editorPage.textField).toHaveValue('RECENT TOP')
      await expectPreview(editorPage, made, 'the preview is the meme as it was made')
      await editorPage.generateButton.click()
      await expect(editorPage.resultImage).toBeVisible({ timeout: RENDER_TIMEOUT })
      const remade = await editorPage.resultImageBytes()
      const original = await decodeImage(firstBytes)
      expect(meanAbsDiff(await decodeImage(remade.bytes), original, WHOLE)).toBeLessThan(1)
    })

    await test.step('Remove takes it off the list', async () => {
      // The render just made is an entry of its own: a meme opened again is made anew.
      await expect(entry).toHaveCount(2)
      await entry.nth(1).getByRole('button', { name: 'Remove' }).click()
      await expect(entry).toHaveCount(1)
      await page.reload()
      await expect(controls.recent.getByRole('listitem')).toHaveCount(1)
    })
  })
}
