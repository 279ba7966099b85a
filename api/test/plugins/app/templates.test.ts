import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import { CaptionListSchema } from '@meme-studio/meme-core/schema'
import type { FastifyInstance } from 'fastify'
import sharp from 'sharp'
import { Value } from 'typebox/value'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STARTER_TEMPLATES } from '../../../src/services/templates/starter-templates.ts'
import {
  buildApp,
  startTestS3,
  testConfig,
  testS3Client,
  useAppWithoutS3,
} from '../../support/test-app.ts'

const BUCKET = 'meme-studio-uploads'

let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance
let other: FastifyInstance
let storage: ReturnType<typeof testS3Client>

beforeAll(async () => {
  s3 = await startTestS3()
  app = await buildApp(testConfig(s3.endpoint))
  // A second process over the same bucket: its first uses race the first app's.
  other = await buildApp(testConfig(s3.endpoint))
  storage = testS3Client(testConfig(s3.endpoint))
})
afterAll(async () => {
  storage.destroy()
  await app.close()
  await other.close()
  await s3.close()
})

async function stored(key: string): Promise<Buffer> {
  const object = await storage.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
  return Buffer.from(await object.Body!.transformToByteArray())
}

async function templateKeys(): Promise<string[]> {
  const listed = await storage.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'templates/' }),
  )
  return (listed.Contents ?? []).map((object) => object.Key!).sort()
}

describe('the starters', () => {
  it('are four layouts and blank canvases in four shapes and six colours', () => {
    const blanks = STARTER_TEMPLATES.filter((t) => t.tags.includes('blank'))
    const layouts = STARTER_TEMPLATES.filter((t) => t.layout)
    expect(blanks).toHaveLength(24)
    expect(layouts.map((t) => t.id).sort()).toEqual([
      'layout-caption-above',
      'layout-grid',
      'layout-side-by-side',
      'layout-stacked',
    ])
    expect(STARTER_TEMPLATES).toHaveLength(blanks.length + layouts.length)
    // Every starter's boxes are what the editor and POST /api/meme take, once text is typed in.
    for (const starter of STARTER_TEMPLATES) {
      const filled = starter.boxes.map((box) => ({ ...box, text: 'x' }))
      expect(Value.Check(CaptionListSchema, filled)).toBe(true)
    }
  })

  it('blank canvases are 1024 px on the long side', () => {
    const blanks = STARTER_TEMPLATES.filter((t) => t.tags.includes('blank'))
    const shapes = new Set(blanks.map((t) => `${t.width}x${t.height}`))
    expect([...shapes].sort()).toEqual(['1024x1024', '1024x576', '1024x768', '576x1024'])
    for (const starter of blanks) {
      expect(starter.id).toMatch(/^blank-(square|4x3|16x9|9x16)-[a-z]+$/)
      expect(Math.max(starter.width, starter.height)).toBe(1024)
    }
  })
})

describe('app.templates.forRender', () => {
  it('answers null for unknown and hostile ids and writes nothing', async () => {
    for (const id of ['nope', '__proto__', 'constructor', '', '../uploads/x', 'blank-square']) {
      expect(await app.templates.forRender(id)).toBeNull()
    }
    expect(await templateKeys()).toEqual([])
  })

  it("gives a starter's boxes with empty text and draws its picture once", async () => {
    const template = await app.templates.forRender('blank-16x9-black')
    expect(template).toEqual({
      id: 'blank-16x9-black',
      version: 1,
      pictureKey: 'templates/starters/blank-16x9-black.png',
      boxes: [
        expect.objectContaining({ text: '', y: 0.12, color: '#ffffff', strokeColor: '#000000' }),
        expect.objectContaining({ text: '', y: 0.88, color: '#ffffff', strokeColor: '#000000' }),
      ],
    })
    const picture = sharp(await stored(template!.pictureKey))
    expect(await picture.metadata()).toMatchObject({ format: 'png', width: 1024, height: 576 })
    const { channels } = await picture.stats()
    expect(channels.map(({ min, max }) => [min, max])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ])
    // A light canvas gets black text without an outline.
    const white = await app.templates.forRender('blank-square-white')
    expect(white!.boxes[0]).toMatchObject({ color: '#000000', strokeWidth: 0 })
  })

  it("hands out copies: a caller's change does not reach the next render", async () => {
    const first = await app.templates.forRender('blank-4x3-red')
    first!.boxes[0]!.text = 'changed'
    const second = await app.templates.forRender('blank-4x3-red')
    expect(second!.boxes[0]!.text).toBe('')
  })

  it('survives concurrent first uses, in one process and across two', async () => {
    const id = 'blank-9x16-blue'
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => app.templates.forRender(id)),
      ...Array.from({ length: 4 }, () => other.templates.forRender(id)),
    ])
    expect(new Set(answers.map((a) => a?.pictureKey))).toEqual(
      new Set(['templates/starters/blank-9x16-blue.png']),
    )
    const { width, height } = await sharp(
      await stored('templates/starters/blank-9x16-blue.png'),
    ).metadata()
    expect([width, height]).toEqual([576, 1024])
  })

  it('gives a picture key that makeMeme renders', async () => {
    const template = await app.templates.forRender('blank-square-yellow')
    const captions = template!.boxes.map((box, i) => ({ ...box, text: `line ${i + 1}` }))
    const meme = await app.makeMeme({ image: template!.pictureKey, captions, format: 'png' })
    const { width, height, format } = await sharp(meme.bytes).metadata()
    expect({ width, height, format }).toEqual({ width: 1024, height: 1024, format: 'png' })
  })
})

describe('app.templates.prepareStarters', () => {
  it("stores every starter's picture and thumbnail, and draws nothing a second time", async () => {
    const fresh = await startTestS3()
    const config = testConfig(fresh.endpoint)
    const prepared = await buildApp(config)
    const bucket = testS3Client(config)
    const listed = async () =>
      (
        await bucket.send(
          new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'templates/starters/' }),
        )
      ).Contents ?? []
    try {
      expect(await listed()).toEqual([])
      const firstWrites: string[] = []
      const stopWatching = fresh.changes.subscribe((_bucket, key) => firstWrites.push(key))
      await prepared.templates.prepareStarters()
      stopWatching()
      expect(firstWrites).toHaveLength(STARTER_TEMPLATES.length * 2)
      const first = await listed()
      expect(first.map((object) => object.Key).sort()).toEqual(
        STARTER_TEMPLATES.flatMap((starter) => [
          `templates/starters/${starter.id}-thumb.webp`,
          `templates/starters/${starter.id}.png`,
        ]).sort(),
      )
      const thumbnail = await bucket.send(
        new GetObjectCommand({ Bucket: BUCKET, Key: 'templates/starters/layout-grid-thumb.webp' }),
      )
      const { format, width } = await sharp(
        Buffer.from(await thumbnail.Body!.transformToByteArray()),
      ).metadata()
      expect({ format, width }).toEqual({ format: 'webp', width: 320 })

      // Another process over the same bucket finds them all and writes none again.
      const written: string[] = []
      const unsubscribe = fresh.changes.subscribe((_bucket, key) => written.push(key))
      const second = await buildApp(config)
      try {
        await second.templates.prepareStarters()
        expect(written).toEqual([])
        expect(await listed()).toHaveLength(first.length)
      } finally {
        unsubscribe()
        await second.close()
      }
    } finally {
      bucket.destroy()
      await prepared.close()
      await fresh.close()
    }
  })
})

describe('with the store down', () => {
  const down = useAppWithoutS3()
  it('rejects with 503 STORAGE_UNAVAILABLE and retries on the next use', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(down.app.templates.forRender('blank-square-white')).rejects.toMatchObject({
        statusCode: 503,
        code: 'STORAGE_UNAVAILABLE',
      })
    }
    expect(down.requests.length).toBeGreaterThanOrEqual(2)
  })
})
