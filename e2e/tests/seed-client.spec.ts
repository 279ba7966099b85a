import { readFile } from 'node:fs/promises'
import { expect, test } from '../fixtures.ts'
import { decodeImage, JPEG_MAGIC, meanAbsDiff, shareOfPixels } from '../support/pixels.ts'

interface SeedAnswers {
  signStatus: number
  uploadStatus: number
  memeStatus: number
  meme: { meme_data?: string; meme_type?: string }
  foreignStatus: number
  foreign: { code?: string; message?: string }
  noTypeStatus: number
  noType: { code?: string; message?: string }
}

// The tutorial's client runs in a browser page: it signs by file name alone, posts the file to
// S3 under the policy, then asks for one caption at a pixel position. So does this test, from
// the editor's page, with the browser's own fetch and FormData.
test("the seed's client: sign by file name, upload, one caption at a pixel position", async ({
  page,
  sourcePicture,
}) => {
  await page.goto('/')
  const source = await readFile(sourcePicture.path)
  const answers: SeedAnswers = await page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
    const sign = await fetch('/api/sign-s3-request?filename=holiday.JPG')
    const signed = (await sign.json()) as {
      url: string
      fields: Record<string, string>
      key: string
    }
    const form = new FormData()
    for (const [name, value] of Object.entries(signed.fields)) form.append(name, value)
    form.append('file', new Blob([bytes], { type: 'image/jpeg' }), 'holiday.JPG')
    const upload = await fetch(signed.url, { method: 'POST', body: form })
    const seedBody = (bucketAddress: string) =>
      JSON.stringify({
        image: signed.key,
        bucket_address: bucketAddress,
        posx: 400,
        posy: 150,
        scale: 1.5,
        caption: 'SEED CLIENT',
      })
    const post = (body: string) =>
      fetch('/api/meme', { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    const meme = await post(seedBody(signed.url))
    const foreign = await post(seedBody('https://attacker.example/'))
    const noType = await fetch('/api/sign-s3-request?filename=notes.exe')
    return {
      signStatus: sign.status,
      uploadStatus: upload.status,
      memeStatus: meme.status,
      meme: await meme.json(),
      foreignStatus: foreign.status,
      foreign: await foreign.json(),
      noTypeStatus: noType.status,
      noType: await noType.json(),
    }
  }, source.toString('base64'))

  expect(answers.signStatus).toBe(200)
  expect([200, 201, 204]).toContain(answers.uploadStatus)
  expect(answers.foreignStatus).toBe(400)
  expect(answers.foreign.code).toBe('VALIDATION')
  expect(answers.noTypeStatus).toBe(400)
  expect(answers.noType.code).toBe('UNSUPPORTED_MEDIA')

  expect(answers.memeStatus, JSON.stringify(answers.meme)).toBe(200)
  expect(answers.meme.meme_type).toBe('image/jpeg')
  const memeBytes = Buffer.from(answers.meme.meme_data!, 'base64')
  expect(memeBytes.subarray(0, 3).equals(JPEG_MAGIC)).toBe(true)
  const [original, meme] = await Promise.all([decodeImage(source), decodeImage(memeBytes)])
  expect({ width: meme.width, height: meme.height }).toEqual({ width: 800, height: 600 })
  // posx 400, posy 150 of 800x600: the caption's centre at (0.5, 0.25).
  const caption = { x0: 0.3, x1: 0.7, y0: 0.2, y1: 0.3 }
  expect(meanAbsDiff(original, meme, caption)).toBeGreaterThan(20)
  expect(
    shareOfPixels(meme, caption, (c) => c > 235),
    'white fill',
  ).toBeGreaterThan(0.05)
  expect(
    shareOfPixels(meme, caption, (c) => c < 30),
    'black outline',
  ).toBeGreaterThan(0.02)
  // Nothing drawn far from it: only a JPEG re-encode's difference.
  expect(meanAbsDiff(original, meme, { x0: 0, x1: 1, y0: 0.55, y1: 1 })).toBeLessThan(6)
})
