import { writeFile } from 'node:fs/promises'
import { createCanvas } from '@napi-rs/canvas'
import { expect, test } from '../fixtures.ts'
import { GalleryPage } from '../pages/gallery-page.ts'
import { decodeImage, meanColour, type Region } from '../support/pixels.ts'
import { attachScreenshot } from '../support/screenshots.ts'

// "Two side by side" (README "Layouts"): 1600x800, two square cells with a white gutter, one
// bottom box per panel. Each picture fills its cell, so a cell's middle is its picture's colour.
const SIDE_BY_SIDE = { width: 1600, height: 800 }
const LEFT_MIDDLE: Region = { x0: 0.15, x1: 0.35, y0: 0.3, y1: 0.6 }
const RIGHT_MIDDLE: Region = { x0: 0.65, x1: 0.85, y0: 0.3, y1: 0.6 }
const RED = [200, 40, 40] as const
const BLUE = [40, 70, 200] as const
// The composed picture is a JPEG and the meme is encoded again: a few levels either way.
const JPEG_TOLERANCE = 12

async function solidPicture(path: string, rgb: readonly number[]): Promise<string> {
  const canvas = createCanvas(640, 480)
  const ctx = canvas.getContext('2d')
  ctx.fillStyle = `rgb(${rgb.join(',')})`
  ctx.fillRect(0, 0, 640, 480)
  await writeFile(path, await canvas.encode('jpeg', 95))
  return path
}

function expectColour(actual: number[], expected: readonly number[]): void {
  actual.forEach((channel, index) =>
    expect(Math.abs(channel - expected[index]!)).toBeLessThan(JPEG_TOLERANCE),
  )
}

test('a layout: pick it, a picture per panel, caption, generate one image', async ({
  page,
  editorPage,
}, testInfo) => {
  const gallery = new GalleryPage(page)
  const red = await solidPicture(testInfo.outputPath('red.jpg'), RED)
  const blue = await solidPicture(testInfo.outputPath('blue.jpg'), BLUE)

  await gallery.search('side by side')
  await gallery.tile('Two side by side').click()
  const panels = page.getByRole('region', { name: 'Two side by side' })
  await expect(panels).toBeVisible({ timeout: 15_000 })
  await panels.getByLabel('Picture 1').setInputFiles(red)
  await panels.getByLabel('Picture 2').setInputFiles(blue)
  await attachScreenshot(page, testInfo, 'layout-panels-chosen')

  const composed = page.waitForResponse(
    (response) => new URL(response.url()).pathname === '/api/layouts',
  )
  await panels.getByRole('button', { name: 'Use these pictures' }).click()
  expect((await composed).status()).toBe(201)

  await expect(editorPage.boxTabs).toHaveCount(2)
  await editorPage.typeCaptions('ME', 'ALSO ME')
  const render = page.waitForRequest((request) => new URL(request.url()).pathname === '/api/meme')
  await editorPage.generateButton.click()
  expect((await render).postDataJSON().image).toMatch(/^uploads\/[0-9a-f-]{36}\.jpg$/)
  await expect(editorPage.resultImage).toBeVisible({ timeout: 30_000 })
  await expect.poll(() => editorPage.resultNaturalSize()).toEqual(SIDE_BY_SIDE)

  const result = await decodeImage((await editorPage.resultImageBytes()).bytes)
  expectColour(meanColour(result, LEFT_MIDDLE), RED)
  expectColour(meanColour(result, RIGHT_MIDDLE), BLUE)
  await attachScreenshot(page, testInfo, 'layout-generated')
})
