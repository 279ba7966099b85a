import { randomUUID } from 'node:crypto'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { JobRecord } from '../../src/schemas/records.ts'
import { jobRecordKey } from '../../src/services/jobs/job-store.ts'
import {
  BLUE,
  GREEN,
  makeQuadrants,
  makeSolid,
  RED,
  rgbOf,
  YELLOW,
} from '../support/edit-pictures.ts'
import { buildApp, putUpload, startTestS3, testConfig, testS3Client } from '../support/test-app.ts'

const API_KEY = 'edits-test-key-0123456789abcdef'
const ENV = { ADMIN_API_KEYS: API_KEY, USAGE_RATE: '10000', USAGE_BURST: '10000' }
const CAPTIONS = [{ text: 'Hi', x: 0.5, y: 0.5, width: 0.2, height: 0.2 }]
const MAGENTA = [255, 0, 255]

let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance
let storage: ReturnType<typeof testS3Client>
let quadrants: string
let sticker: string

beforeAll(async () => {
  s3 = await startTestS3()
  app = await buildApp(testConfig(s3.endpoint, ENV))
  storage = testS3Client(testConfig(s3.endpoint))
  quadrants = await upload(await makeQuadrants(200, 100))
  sticker = await upload(await makeSolid(20, 20, [255, 0, 255]))
})
afterAll(async () => {
  storage.destroy()
  await app.close()
  await s3.close()
})

async function upload(bytes: Buffer): Promise<string> {
  const key = `uploads/${randomUUID()}.png`
  await putUpload(testConfig(s3.endpoint), key, bytes, 'image/png')
  return key
}

async function readObject(key: string): Promise<Buffer> {
  const object = await storage.send(
    new GetObjectCommand({ Bucket: testConfig(s3.endpoint).uploadBucket, Key: key }),
  )
  return Buffer.from(await object.Body!.transformToByteArray())
}

function call(options: InjectOptions) {
  return app.inject({ ...options, headers: { 'x-api-key': API_KEY, ...options.headers } })
}

/** Turned a quarter (100×200), a magenta sticker 20 px wide about (50, 100). */
const EDITED = {
  captions: CAPTIONS,
  format: 'png',
  edits: { rotate: 90 },
  stickers: [{ image: '', x: 0.5, y: 0.5, width: 0.2, above: 1 }],
} as const

const edited = () => ({
  ...EDITED,
  image: quadrants,
  stickers: [{ ...EDITED.stickers[0], image: sticker }],
})

async function expectEdited(bytes: Buffer) {
  const meme = await rgbOf(bytes)
  expect([meme.width, meme.height]).toEqual([100, 200])
  expect([meme.at(3, 3), meme.at(96, 3), meme.at(96, 196), meme.at(3, 196)]).toEqual([
    [...BLUE],
    [...RED],
    [...GREEN],
    [...YELLOW],
  ])
  // Above the one caption, at the centre where the caption is.
  expect(meme.at(50, 100)).toEqual(MAGENTA)
}

describe('POST /api/shares with edits and stickers', () => {
  it('stores the edited meme with its sticker', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/shares', payload: edited() })
    expect(response.statusCode, response.body).toBe(201)
    const { id } = response.json()
    await expectEdited(await readObject(`renders/${id}.png`))
    const image = await app.inject({ method: 'GET', url: `/api/shares/${id}/image` })
    expect(image.statusCode).toBe(200)
    await expectEdited(image.rawPayload)
  })

  it('keeps no image link for a template meme with edits or stickers: the URL could not draw them', async () => {
    const template = (
      await app.inject({ method: 'GET', url: '/api/templates/blank-4x3-white' })
    ).json()
    const captions = (template.boxes as object[]).map((box) => ({ ...box, text: 'Same' }))
    const base = { template: 'blank-4x3-white', captions, format: 'png' }
    const imagePath = async (extra: object) => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/shares',
        payload: { ...base, ...extra },
      })
      expect(response.statusCode, response.body).toBe(201)
      const sidecar = await readObject(`renders/${response.json().id}.json`)
      return JSON.parse(sidecar.toString('utf8')).imagePath
    }
    expect(await imagePath({})).toEqual(expect.stringMatching(/^\/api\/images\/blank-4x3-white\//))
    expect(await imagePath({ edits: { rotate: 0 } })).toEqual(expect.any(String))
    expect(await imagePath({ edits: { flipHorizontal: true } })).toBeUndefined()
    expect(
      await imagePath({ stickers: [{ image: sticker, x: 0.5, y: 0.5, width: 0.1 }] }),
    ).toBeUndefined()
  })

  it('refuses a crop past the edge with 400 before rendering', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/shares',
      payload: { ...edited(), edits: { crop: { x: 0.5, y: 0, width: 0.6, height: 1 } } },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('x + width'),
    })
  })
})

describe('POST /api/jobs with edits and stickers', () => {
  it('records them with the job and renders them', async () => {
    const created = await call({ method: 'POST', url: '/api/jobs', payload: edited() })
    expect(created.statusCode, created.body).toBe(201)
    const { jobId } = created.json()
    await app.queues.idle()
    const job = (await call({ method: 'GET', url: `/api/jobs/${jobId}` })).json()
    expect(job).toMatchObject({ status: 'done', result: { meme_type: 'image/png' } })
    const record = (await app.records.get(jobRecordKey(jobId))) as JobRecord
    expect(record.request).toMatchObject({
      edits: { rotate: 90 },
      stickers: [{ image: sticker, x: 0.5, y: 0.5, width: 0.2, above: 1 }],
    })
    await expectEdited(await readObject(`renders/${jobId}.png`))
  })

  it('refuses a crop past the edge with 400 when the job is posted, not later', async () => {
    const response = await call({
      method: 'POST',
      url: '/api/jobs',
      payload: { ...edited(), edits: { crop: { x: 0, y: 0.9, width: 1, height: 0.2 } } },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('y + height is 1.1'),
    })
  })

  it('ends a job failed, naming the sticker, when its picture is missing', async () => {
    const payload = edited()
    const missing = `uploads/${randomUUID()}.png`
    const created = await call({
      method: 'POST',
      url: '/api/jobs',
      payload: {
        ...payload,
        stickers: [...payload.stickers, { ...payload.stickers[0], image: missing }],
      },
    })
    expect(created.statusCode).toBe(201)
    await app.queues.idle()
    const job = (await call({ method: 'GET', url: `/api/jobs/${created.json().jobId}` })).json()
    expect(job).toMatchObject({
      status: 'failed',
      error: { code: 'IMAGE_NOT_FOUND', message: expect.stringContaining("Sticker 2's picture") },
    })
  })
})
