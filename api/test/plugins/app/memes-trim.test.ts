import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { trims } from '../../support/counted-trims.ts'
import { makePicture } from '../../support/pictures.ts'
import { uploadThroughPolicy } from '../../support/signed-upload.ts'
import { buildApp, startTestS3, testConfig } from '../../support/test-app.ts'

// glibc's trim, counted instead of called: what the plugin does with it is under test here.
vi.mock('../../../src/services/meme/native-memory.ts', async (importOriginal) =>
  (await import('../../support/counted-trims.ts')).countingTrims(importOriginal),
)

let s3: Awaited<ReturnType<typeof startTestS3>>
beforeAll(async () => {
  s3 = await startTestS3()
})
afterAll(async () => {
  await s3.close()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('memory kept from renders is given back once they stop', () => {
  it.each([
    ['a second after a burst on a server (here 40 ms)', 40, 1],
    ['never when not asked for, as on Lambda', undefined, 0],
  ])('%s', async (_case, trimAfterIdleMs, expected) => {
    const app = await buildApp(testConfig(s3.endpoint), { trimAfterIdleMs })
    const source = await makePicture('jpeg', 640, 480)
    const { key } = await uploadThroughPolicy(app, source, 'photo.jpg', 'image/jpeg')
    trims.count = 0
    const render = () =>
      app.inject({
        method: 'POST',
        url: '/api/meme',
        payload: { image: key, captions: [{ text: 'Memory', x: 0.5, y: 0.5 }] },
      })
    const statuses = (await Promise.all([render(), render(), render()])).map((r) => r.statusCode)
    expect(statuses).toEqual([200, 200, 200])
    await sleep(300)
    // Once for the burst, not once a render.
    expect(trims.count).toBe(expected)
    await app.close()
  })
})
