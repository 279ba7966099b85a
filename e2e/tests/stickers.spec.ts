import { writeFile } from 'node:fs/promises'
import { createCanvas } from '@napi-rs/canvas'
import type { Locator, Page } from '@playwright/test'
import { expect, test } from '../fixtures.ts'
import type { EditorPage } from '../pages/editor-page.ts'
import { expectAccessibleInEveryView } from '../support/accessibility.ts'
import { decodeImage, type DecodedImage, type Region } from '../support/pixels.ts'
import { attachScreenshot } from '../support/screenshots.ts'

const RENDER_TIMEOUT = 30_000
/** How far an arrow key moves a box, as a share of the picture's width (web's NUDGE_STEP). */
const ARROW_STEP = 0.01

/**
 * A solid magenta square: no colour of the source picture (every channel within 40..210), of
 * a caption's white fill or its black outline is anything like it.
 */
async function writeMagentaSticker(path: string): Promise<string> {
  const canvas = createCanvas(240, 240)
  const ctx = canvas.getContext('2d')
  ctx.fillStyle = 'rgb(255, 0, 255)'
  ctx.fillRect(0, 0, 240, 240)
  await writeFile(path, canvas.toBuffer('image/png'))
  return path
}

/** Share (0..1) of a region's pixels that pass `test(r, g, b)`. */
function share(image: DecodedImage, region: Region, test: (rgb: number[]) => boolean): number {
  let matching = 0
  let count = 0
  // Only the part on the picture: a sticker may reach past its edge.
  const edge = (fraction: number, whole: number) =>
    Math.min(whole, Math.max(0, Math.round(fraction * whole)))
  for (let y = edge(region.y0, image.height); y < edge(region.y1, image.height); y++) {
    for (let x = edge(region.x0, image.width); x < edge(region.x1, image.width); x++) {
      const i = (y * image.width + x) * 4
      if (test([image.data[i]!, image.data[i + 1]!, image.data[i + 2]!])) matching++
      count++
    }
  }
  return matching / count
}

const magenta = ([r, g, b]: number[]) => r! > 220 && g! < 50 && b! > 220
const white = ([r, g, b]: number[]) => r! > 235 && g! > 235 && b! > 235
/** The yellow of a laughing face: what no other layer here has. */
const yellow = ([r, g, b]: number[]) => r! > 200 && g! > 150 && b! < 90

/**
 * Where an overlay box sits on the preview, as fractions of it. Both are measured in one
 * turn of the page: measured one after the other, they could come from either side of a
 * scroll (a result arriving scrolls the page to it) and disagree.
 */
async function regionOf(editorPage: EditorPage, box: Locator): Promise<Region> {
  const boxElement = await box.elementHandle()
  return editorPage.preview.evaluate((stageElement, boxElement) => {
    const stage = stageElement.getBoundingClientRect()
    const bounds = boxElement!.getBoundingClientRect()
    return {
      x0: (bounds.left - stage.left) / stage.width,
      x1: (bounds.right - stage.left) / stage.width,
      y0: (bounds.top - stage.top) / stage.height,
      y1: (bounds.bottom - stage.top) / stage.height,
    }
  }, boxElement)
}

/** Within a region, shrunk by a share of its size on every side (to keep off the edges). */
function inner(region: Region, by = 0.2): Region {
  const dx = (region.x1 - region.x0) * by
  const dy = (region.y1 - region.y0) * by
  return { x0: region.x0 + dx, x1: region.x1 - dx, y0: region.y0 + dy, y1: region.y1 - dy }
}

/** The part of two regions both cover. */
function overlap(a: Region, b: Region): Region {
  return {
    x0: Math.max(a.x0, b.x0),
    x1: Math.min(a.x1, b.x1),
    y0: Math.max(a.y0, b.y0),
    y1: Math.min(a.y1, b.y1),
  }
}

async function drag(page: Page, target: Locator, to: { x: number; y: number }): Promise<void> {
  await target.evaluate((element) => element.scrollIntoView({ block: 'center' }))
  const bounds = (await target.boundingBox())!
  const from = { x: bounds.x + bounds.width / 2, y: bounds.y + bounds.height / 2 }
  await page.mouse.move(from.x, from.y)
  await page.mouse.down()
  await page.mouse.move(from.x + to.x, from.y + to.y, { steps: 8 })
  await page.mouse.up()
}

async function centreOf(target: Locator): Promise<{ x: number; y: number }> {
  const bounds = (await target.boundingBox())!
  return { x: bounds.x + bounds.width / 2, y: bounds.y + bounds.height / 2 }
}

async function renderedImage(editorPage: EditorPage): Promise<DecodedImage> {
  await expect(editorPage.resultImage).toBeVisible({ timeout: RENDER_TIMEOUT })
  await expect(editorPage.resultOutOfDate).toHaveCount(0, { timeout: RENDER_TIMEOUT })
  const result = await editorPage.resultImageBytes()
  expect(result.type).toBe('image/png')
  return decodeImage(result.bytes)
}

for (const viewport of [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
]) {
  test(`stickers: add, move, resize, order over and under a caption, duplicate, lock (${viewport.name})`, async ({
    page,
    editorPage,
    sourcePicture,
  }, testInfo) => {
    await page.setViewportSize({ width: viewport.width, height: viewport.height })
    const stickerPath = await writeMagentaSticker(testInfo.outputPath('magenta.png'))
    await editorPage.chooseImage(sourcePicture.path)
    await editorPage.chooseFormat('PNG')
    await editorPage.typeCaptions('MMMMMM', '')
    // One caption: a step back from over it is a step under it.
    await editorPage.selectBox(1)
    await editorPage.deleteBoxButton.click()
    await expect(editorPage.boxTabs).toHaveCount(1)

    const addSticker = page.getByRole('button', { name: 'Add sticker' })
    const stickerTabs = page.getByRole('tablist', { name: 'Stickers' }).getByRole('tab')
    const firstSticker = page.getByRole('button', { name: /^Sticker 1( \(locked\))?$/ })
    const topBox = editorPage.boxes.first()
    const forward = page.getByRole('button', { name: 'Forward', exact: true })
    const back = page.getByRole('button', { name: 'Back', exact: true })

    await test.step('an uploaded picture becomes "Sticker 1", selected, where it is free', async () => {
      await addSticker.click()
      await expect(addSticker).toHaveAttribute('aria-expanded', 'true')
      await page.getByLabel('Sticker picture').setInputFiles(stickerPath)
      await expect(stickerTabs).toHaveCount(1)
      await expect(stickerTabs.first()).toHaveText('Sticker 1')
      await expect(stickerTabs.first()).toHaveAttribute('aria-selected', 'true')
      await expect(firstSticker).toBeVisible()
      // Over every caption: Forward has nothing left to pass, and says so.
      await expect(forward).toBeDisabled()
      await expect(page.getByText('This sticker is already in front of everything.')).toBeVisible()
      const preview = await decodeImage(await editorPage.previewPng())
      expect(
        share(preview, inner(await regionOf(editorPage, firstSticker)), magenta),
      ).toBeGreaterThan(0.95)
      // Placed free: the caption's box has none of it.
      expect(share(preview, await regionOf(editorPage, topBox), magenta)).toBeLessThan(0.01)
    })

    await test.step('it is dragged onto the caption and resized from a corner, its shape kept', async () => {
      const target = await centreOf(topBox)
      const start = await centreOf(firstSticker)
      await drag(page, firstSticker, { x: target.x - start.x, y: target.y - start.y + 6 })
      const before = (await firstSticker.boundingBox())!
      await drag(page, firstSticker.locator('[data-handle="se"]'), {
        x: -before.width * 0.25,
        y: -before.height * 0.25,
      })
      const after = (await firstSticker.boundingBox())!
      expect(after.width).toBeLessThan(before.width * 0.9)
      expect(after.width / after.height).toBeCloseTo(before.width / before.height, 1)
      const moved = await centreOf(firstSticker)
      // Shrunk from the bottom right corner: its top left corner stayed.
      expect(Math.abs(after.x - before.x)).toBeLessThan(3)
      expect(Math.abs(moved.x - target.x)).toBeLessThan(before.width / 2)
    })

    const stickerRegion = inner(await regionOf(editorPage, firstSticker), 0.1)
    const captionRegion = await regionOf(editorPage, topBox)
    // Where the sticker lies on the caption's box: in front it hides the text, behind it shows.
    const covered = overlap(stickerRegion, captionRegion)
    expect(covered.x1 - covered.x0).toBeGreaterThan(0.05)
    expect(covered.y1 - covered.y0).toBeGreaterThan(0.05)

    await test.step('in front of the caption: the preview and the render show magenta over the text', async () => {
      const preview = await decodeImage(await editorPage.previewPng())
      expect(share(preview, covered, magenta)).toBeGreaterThan(0.97)
      expect(share(preview, covered, white)).toBe(0)
      await editorPage.generateButton.click()
      const rendered = await renderedImage(editorPage)
      expect(share(rendered, covered, magenta)).toBeGreaterThan(0.97)
      expect(share(rendered, covered, white)).toBe(0)
      await attachScreenshot(page, testInfo, `stickers-in-front-${viewport.name}`)
    })

    await test.step('Back puts it under the caption: the white text shows over the magenta', async () => {
      await expect(back).toBeEnabled()
      await back.click()
      await expect(forward).toBeEnabled()
      const preview = await decodeImage(await editorPage.previewPng())
      const previewWhite = share(preview, covered, white)
      testInfo.annotations.push({
        type: 'white over sticker (preview)',
        description: previewWhite.toFixed(3),
      })
      expect(previewWhite).toBeGreaterThan(0.05)
      expect(share(preview, covered, magenta)).toBeGreaterThan(0.2)
      // The result follows the change by itself, after a pause.
      await expect(editorPage.resultOutOfDate).toHaveCount(0, { timeout: RENDER_TIMEOUT })
      const rendered = await renderedImage(editorPage)
      expect(share(rendered, covered, white)).toBeGreaterThan(0.05)
      expect(Math.abs(share(rendered, covered, white) - previewWhite)).toBeLessThan(0.03)
      expect(share(rendered, covered, magenta)).toBeGreaterThan(0.2)
      await attachScreenshot(page, testInfo, `stickers-behind-${viewport.name}`)
    })

    await test.step('an emoji from the grid becomes a second sticker, drawn by the server too', async () => {
      await addSticker.click()
      await page.getByRole('button', { name: 'Add face with tears of joy sticker' }).click()
      // Drawn, encoded and decoded on a machine that may be busy rendering: room to finish.
      await expect(stickerTabs).toHaveCount(2, { timeout: 20_000 })
      await expect(stickerTabs.nth(1)).toHaveAttribute('aria-selected', 'true')
      const emojiBox = page.getByRole('button', { name: 'Sticker 2', exact: true })
      const region = inner(await regionOf(editorPage, emojiBox), 0.15)
      const preview = await decodeImage(await editorPage.previewPng())
      expect(share(preview, region, yellow)).toBeGreaterThan(0.2)
      await expect(editorPage.resultOutOfDate).toHaveCount(0, { timeout: RENDER_TIMEOUT })
      const rendered = await renderedImage(editorPage)
      expect(share(rendered, region, yellow)).toBeGreaterThan(0.2)
    })

    await test.step('a typed emoji is refused when it is not one, and taken when it is', async () => {
      await addSticker.click()
      const field = page.getByLabel('Any emoji')
      await field.fill('lol')
      await page.getByRole('button', { name: 'Add emoji' }).click()
      await expect(page.getByRole('alert').filter({ hasText: "isn't an emoji" })).toBeVisible()
      await field.fill('🔥')
      await page.getByRole('button', { name: 'Add emoji' }).click()
      await expect(stickerTabs).toHaveCount(3, { timeout: 20_000 })
    })

    await test.step('Duplicate makes another of the selected sticker, selected', async () => {
      await stickerTabs.first().click()
      await page.getByRole('button', { name: 'Duplicate' }).click()
      await expect(stickerTabs).toHaveCount(4)
      // Stickers are named in the order they were added: the copy is the fourth.
      await expect(stickerTabs.nth(3)).toHaveAttribute('aria-selected', 'true')
      const copy = page.getByRole('button', { name: 'Sticker 4', exact: true })
      const preview = await decodeImage(await editorPage.previewPng())
      expect(share(preview, inner(await regionOf(editorPage, copy)), magenta)).toBeGreaterThan(0.9)
      // It is a copy of the picture, not of the place.
      expect(await centreOf(copy)).not.toEqual(await centreOf(firstSticker))
    })

    await test.step('a locked sticker shows a lock, has no handles, and stays put when dragged', async () => {
      await stickerTabs.first().click()
      // In front of the caption again, so a press on it lands on the sticker, not the caption.
      for (let step = 0; step < 5 && (await forward.isEnabled()); step++) await forward.click()
      await expect(forward).toBeDisabled()
      await page.getByRole('button', { name: 'Lock', exact: true }).click()
      await expect(page.getByRole('button', { name: 'Unlock', exact: true })).toBeVisible()
      await expect(firstSticker).toHaveAccessibleName('Sticker 1 (locked)')
      await expect(firstSticker.locator('.caption-box__lock')).toBeVisible()
      await expect(firstSticker.locator('[data-handle]')).toHaveCount(0)
      // Measured on the preview: the drag scrolls the page.
      const before = await regionOf(editorPage, firstSticker)
      const captionBefore = await regionOf(editorPage, topBox)
      await drag(page, firstSticker, { x: 60, y: 40 })
      await firstSticker.focus()
      await page.keyboard.press('ArrowRight')
      await page.keyboard.press('Shift+ArrowDown')
      const after = await regionOf(editorPage, firstSticker)
      // Within half the smallest nudge (1% of the width): the drag asked for about 11%, the
      // keys for 1% and 5%. Layout may still round a pixel or two differently.
      for (const key of ['x0', 'x1', 'y0', 'y1'] as const) {
        expect(Math.abs(after[key] - before[key])).toBeLessThan(ARROW_STEP / 2)
      }
      // The press was the sticker's: nothing under it moved either, and it stayed selected.
      expect(await regionOf(editorPage, topBox)).toEqual(captionBefore)
      await expect(stickerTabs.first()).toHaveAttribute('aria-selected', 'true')
      await attachScreenshot(page, testInfo, `stickers-locked-${viewport.name}`)
      // No overflow on the phone: the page is no wider than the screen.
      const width = await page.evaluate(() => document.documentElement.scrollWidth)
      expect(width).toBeLessThanOrEqual(viewport.width)
    })
  })
}

test('stickers, their order controls and the emoji picker pass axe in light and dark', async ({
  page,
  editorPage,
  sourcePicture,
}, testInfo) => {
  const stickerPath = await writeMagentaSticker(testInfo.outputPath('magenta.png'))
  await editorPage.chooseImage(sourcePicture.path)
  await editorPage.typeCaptions('TOP TEXT', 'BOTTOM TEXT')
  await page.getByRole('button', { name: 'Add sticker' }).click()
  await page.getByLabel('Sticker picture').setInputFiles(stickerPath)
  await expect(page.getByRole('tab', { name: 'Sticker 1' })).toHaveAttribute(
    'aria-selected',
    'true',
  )
  await page.getByRole('button', { name: 'Lock', exact: true }).click()
  await page.getByRole('button', { name: 'Add sticker' }).click()
  await expect(
    page.getByRole('button', { name: 'Add face with tears of joy sticker' }),
  ).toBeVisible()
  await expect(page.getByRole('button', { name: 'Forward', exact: true })).toBeDisabled()
  await expectAccessibleInEveryView(page, testInfo, 'stickers')
})
