import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type * as MemeRender from '../../../src/services/meme/meme-render.ts'
import { makePicture } from '../../support/pictures.ts'
import { uploadThroughPolicy } from '../../support/signed-upload.ts'
import { buildApp, startTestS3, testConfig } from '../../support/test-app.ts'

/** Renders decoding, drawing or encoding right now, and the most at once. */
const working = vi.hoisted(() => ({ now: 0, most: 0 }))

// The render functions the memes plugin calls once a render has its turn, counted as they run.
vi.mock('../../../src/services/meme/meme-render.ts', async (importOriginal) => {
  const original = await importOriginal<typeof MemeRender>()
  const counted =
    <A extends unknown[], R>(work: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      working.now += 1
      working.most = Math.max(working.most, working.now)
      try {
        return await work(...args)
      } finally {
        working.now -= 1
      }
    }
  return {
    ...original,
    renderMeme: counted(original.renderMeme),
    drawMeme: counted(original.drawMeme),
    renderEditedMeme: counted(original.renderEditedMeme),
  }
})

let s3: Awaited<ReturnType<typeof startTestS3>>
beforeAll(async () => {
  s3 = await startTestS3()
})
afterAll(async () => {
  await s3.close()
})
beforeEach(() => {
  working.most = 0
})

const captions = (i: number) => [{ text: `Render number ${i}`, x: 0.5, y: 0.5 }]

async function burst(app: FastifyInstance, keys: readonly string[], edits?: object) {
  const responses = await Promise.all(
    keys.map((key, i) =>
      app.inject({
        method: 'POST',
        url: '/api/meme',
        payload: { image: key, captions: captions(i), ...(edits ? { edits } : {}) },
      }),
    ),
  )
  return responses.map((response) => response.statusCode)
}

async function uploads(app: FastifyInstance, count: number) {
  const keys: string[] = []
  for (let i = 0; i < count; i++) {
    const source = await makePicture('jpeg', 640, 480)
    keys.push((await uploadThroughPolicy(app, source, `photo-${i}.jpg`, 'image/jpeg')).key)
  }
  return keys
}

describe('renders take turns on the cores (RENDER_CONCURRENCY)', () => {
  it.each([
    { concurrency: 1, pictures: 'new' },
    { concurrency: 1, pictures: 'cached' },
    { concurrency: 1, pictures: 'edited' },
    { concurrency: 2, pictures: 'new' },
  ] as const)(
    'decode, draw and encode $concurrency at a time ($pictures pictures), and serve every render of a burst',
    async ({ concurrency, pictures }) => {
      // Room in flight for the whole burst: every render is admitted, and waits for a turn.
      const app = await buildApp(
        testConfig(s3.endpoint, {
          RENDER_CONCURRENCY: String(concurrency),
          RENDER_QUEUE_LENGTH: String(4 - concurrency),
        }),
      )
      const keys = await uploads(app, pictures === 'cached' ? 1 : 4)
      if (pictures === 'cached') expect(await burst(app, keys)).toEqual([200])
      working.most = 0
      const statuses = await burst(
        app,
        pictures === 'cached' ? Array(4).fill(keys[0]) : keys,
        pictures === 'edited' ? { rotate: 90 } : undefined,
      )
      await app.close()
      expect(statuses).toEqual([200, 200, 200, 200])
      expect(working.most).toBe(concurrency)
    },
  )
})
