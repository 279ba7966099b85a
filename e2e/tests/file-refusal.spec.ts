import type { Request } from '@playwright/test'
import { expect, test } from '../fixtures.ts'

const NOT_AN_IMAGE = Buffer.from('Shopping list\n- bread\n- milk\n- a better meme\n')
// The default MAX_UPLOAD_BYTES (10 MiB) the app is started with, plus one byte.
const OVER_THE_LIMIT = 10 * 1024 * 1024 + 1

test.describe('files the editor refuses before any upload', () => {
  let requests: Request[]

  test.beforeEach(async ({ page, editorPage }) => {
    requests = []
    page.on('request', (request) => requests.push(request))
    // With captions typed, only the refused picture keeps Generate disabled.
    await editorPage.typeCaptions('TOP', 'BOTTOM')
  })

  test.afterEach(async ({ page, baseURL }) => {
    // Refusing happens in the page; give a wrongly started upload a moment to show up.
    await page.waitForTimeout(1_000)
    const appOrigin = new URL(baseURL ?? '').origin
    const offending = requests
      // The gallery's thumbnails come from the bucket too; they are pictures shown, not sent.
      .filter((request) => request.resourceType() !== 'image')
      .map((request) => request.url())
      .filter((url) => url.startsWith('http'))
      .filter(
        (url) =>
          new URL(url).origin !== appOrigin ||
          url.includes('/api/sign-s3-request') ||
          url.includes('/api/meme'),
      )
    expect(offending, 'no signing request, upload to S3 or render was made').toEqual([])
  })

  test('a text file is refused with a message', async ({ editorPage }) => {
    await editorPage.chooseImage({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: NOT_AN_IMAGE,
    })
    await expect(editorPage.alert).toBeVisible()
    await expect(editorPage.alert).toContainText(/picture|image|JPEG|PNG/i)
    await expect(editorPage.generateButton).toBeDisabled()
  })

  test('a text file named .png and typed image/png is refused by its bytes', async ({
    editorPage,
  }) => {
    await editorPage.chooseImage({ name: 'cat.png', mimeType: 'image/png', buffer: NOT_AN_IMAGE })
    await expect(editorPage.alert).toBeVisible()
    await expect(editorPage.alert).toContainText(/picture|image|JPEG|PNG/i)
    await expect(editorPage.generateButton).toBeDisabled()
  })

  test('a picture over the size limit is refused with a message', async ({
    editorPage,
    sourcePicture,
  }) => {
    // A real JPEG (decoders stop at its end marker) padded to one byte over the limit.
    const padding = Buffer.alloc(OVER_THE_LIMIT - sourcePicture.bytes.length)
    const buffer = Buffer.concat([sourcePicture.bytes, padding])
    await editorPage.chooseImage({ name: 'huge.jpg', mimeType: 'image/jpeg', buffer })
    await expect(editorPage.alert).toBeVisible()
    await expect(editorPage.alert).toContainText(/MB|large|big|size/i)
    await expect(editorPage.generateButton).toBeDisabled()
  })
})
