import { randomUUID } from 'node:crypto'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import type { Template } from '@meme-studio/meme-core/schema'
import type { FastifyInstance } from 'fastify'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { storageUnavailable } from '../../src/services/storage/s3-errors.ts'
import { STARTER_TEMPLATES } from '../../src/services/templates/starter-templates.ts'
import {
  makeAnimatedGif,
  makeJpegClaiming,
  makeJpegWithPrivateMetadata,
  makePicture,
  makePngHeader,
  makeSolidPng,
  PRIVATE_METADATA,
  withExifOrientation,
} from '../support/pictures.ts'
import { decodePixels, maxDifference } from '../support/pixels.ts'
import {
  buildApp,
  putUpload,
  startTestS3,
  testConfig,
  testS3Client,
  useAppWithoutS3,
} from '../support/test-app.ts'

let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance

beforeAll(async () => {
  s3 = await startTestS3()
  app = await buildApp(testConfig(s3.endpoint))
})
afterAll(async () => {
  await app.close()
  await s3.close()
})

interface Listed {
  id: string
  name: string
  kind: string
  tags: string[]
  width: number
  height: number
  imageUrl: string
  thumbnailUrl: string
  layout?: { kind: string; panels: number }
}

async function list(query: string) {
  const response = await app.inject({ method: 'GET', url: `/api/templates${query}` })
  return { response, body: response.json() as { templates: Listed[]; nextCursor: string | null } }
}

async function fetched(url: string): Promise<Buffer> {
  const response = await fetch(url)
  expect(response.status).toBe(200)
  return Buffer.from(await response.arrayBuffer())
}

describe('GET /api/templates', () => {
  it('lists the starters, in a default page of 24', async () => {
    const { response, body } = await list('')
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('private, max-age=60')
    expect(body.templates.map((t) => t.id)).toEqual(
      STARTER_TEMPLATES.slice(0, 24).map((starter) => starter.id),
    )
    expect(body.nextCursor === null).toBe(STARTER_TEMPLATES.length <= 24)
    // The layouts lead: a first page shows every kind of start, not only plain canvases.
    expect(body.templates.slice(0, 4).map((t) => t.layout?.kind)).toEqual([
      'side-by-side',
      'stacked',
      'grid',
      'caption-above',
    ])
    expect(body.templates[4]).toMatchObject({
      id: 'blank-square-white',
      kind: 'starter',
      version: 1,
      width: 1024,
      height: 1024,
    })
  })

  it('pages with an opaque cursor, every template once', async () => {
    const seen: string[] = []
    let cursor: string | null = ''
    const sizes: number[] = []
    while (cursor !== null) {
      const { response, body } = await list(`?limit=10${cursor ? `&cursor=${cursor}` : ''}`)
      expect(response.statusCode).toBe(200)
      sizes.push(body.templates.length)
      seen.push(...body.templates.map((t) => t.id))
      cursor = body.nextCursor
    }
    const total = STARTER_TEMPLATES.length
    expect(sizes).toEqual([
      ...Array<number>(Math.floor(total / 10)).fill(10),
      ...(total % 10 ? [total % 10] : []),
    ])
    expect(new Set(seen).size).toBe(total)
  })

  it('searches names by substring in any case, and tags in any case', async () => {
    const wide = await list('?q=16%3A9')
    expect(wide.body.templates.map((t) => t.id)).toEqual([
      'blank-16x9-white',
      'blank-16x9-black',
      'blank-16x9-yellow',
      'blank-16x9-red',
      'blank-16x9-blue',
      'blank-16x9-green',
    ])
    const black = await list('?q=BLACK')
    expect(black.body.templates.map((t) => t.id)).toEqual([
      'blank-square-black',
      'blank-4x3-black',
      'blank-16x9-black',
      'blank-9x16-black',
    ])
    const tagged = await list('?tag=Black&q=9')
    expect(tagged.body.templates.map((t) => t.id)).toEqual(['blank-16x9-black', 'blank-9x16-black'])
    expect((await list('?tag=nothing')).body).toEqual({ templates: [], nextCursor: null })
  })

  it('links a PNG picture and a WebP thumbnail of 320 px on the long side', async () => {
    const { body } = await list('?tag=16x9&q=red')
    const [red] = body.templates
    const picture = await sharp(await fetched(red!.imageUrl)).metadata()
    expect(picture).toMatchObject({ format: 'png', width: 1024, height: 576 })
    const thumbnail = await sharp(await fetched(red!.thumbnailUrl)).metadata()
    expect(thumbnail).toMatchObject({ format: 'webp', width: 320, height: 180 })
  })

  it("never builds a link from the request's Host", async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/templates?limit=1',
      headers: { host: 'evil.example' },
    })
    expect(response.body).not.toContain('evil.example')
    expect(response.json().templates[0].imageUrl.startsWith(s3.endpoint)).toBe(true)
  })

  it.each([
    ['a cursor it never gave', '?cursor=xyz'],
    ['a cursor of __proto__', '?cursor=__proto__'],
    ['a negative offset', `?cursor=${Buffer.from('o-1').toString('base64url')}`],
    ['an offset with a leading zero', `?cursor=${Buffer.from('o01').toString('base64url')}`],
    ['a path as cursor', '?cursor=..%2F..%2Fetc'],
    ['an oversized cursor', `?cursor=${'a'.repeat(201)}`],
    ['limit 0', '?limit=0'],
    ['limit 101', '?limit=101'],
    ['a limit that is no number', '?limit=ten'],
    ['an oversized search', `?q=${'a'.repeat(101)}`],
    ['an oversized tag', `?tag=${'a'.repeat(31)}`],
    ['an empty tag', '?tag='],
    ['an unknown parameter', '?sort=name'],
  ])('refuses %s with 400', async (_, query) => {
    const { response } = await list(query)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION' })
  })

  it('answers an empty page past the end', async () => {
    const { body } = await list(`?cursor=${Buffer.from('o500').toString('base64url')}`)
    expect(body).toEqual({ templates: [], nextCursor: null })
  })
})

describe('GET /api/templates/:id', () => {
  it('gives one starter with its boxes, text empty', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/templates/blank-9x16-green' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toMatchObject({
      id: 'blank-9x16-green',
      kind: 'starter',
      name: 'Blank 9:16, green',
      tags: ['blank', '9x16', 'green'],
      width: 576,
      height: 1024,
      version: 1,
      boxes: [
        { text: '', x: 0.5, y: 0.12, color: '#ffffff' },
        { text: '', x: 0.5, y: 0.88, color: '#ffffff' },
      ],
    })
  })

  it.each([
    ['an unknown id', 'nope'],
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['a path', '..%2F..%2Fuploads%2Fx.png'],
    ['a starter with a suffix', 'blank-square-white.png'],
  ])('answers 404 TEMPLATE_NOT_FOUND for %s', async (_, id) => {
    const response = await app.inject({ method: 'GET', url: `/api/templates/${id}` })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ statusCode: 404, code: 'TEMPLATE_NOT_FOUND' })
  })

  // Fastify refuses a path parameter over 100 characters before any route sees it.
  it('refuses an oversized id with 414', async () => {
    const response = await app.inject({ method: 'GET', url: `/api/templates/${'a'.repeat(101)}` })
    expect(response.statusCode).toBe(414)
  })
})

describe('with the store down', () => {
  const down = useAppWithoutS3()
  it('answers 503 STORAGE_UNAVAILABLE', async () => {
    const response = await down.app.inject({ method: 'GET', url: '/api/templates/blank-4x3-blue' })
    expect(response.statusCode).toBe(503)
    expect(response.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
  })
})

// ---- Saved templates --------------------------------------------------------------------

const ADMIN_KEY = 'templates-admin-key-0123456789abcdef'
const TOOLS_KEY = 'templates-tools-key-0123456789abcdef'
/** Small, so a test picture is scaled down; large enough for every caption in these tests. */
const MAX_EDGE = 512

describe('saved templates', () => {
  let config: ReturnType<typeof testConfig>
  let saved: FastifyInstance
  let storage: S3Client

  beforeAll(async () => {
    config = testConfig(s3.endpoint, {
      ADMIN_API_KEYS: `${ADMIN_KEY}:admin,${TOOLS_KEY}:tools`,
      MAX_EDGE: String(MAX_EDGE),
    })
    saved = await buildApp(config)
    storage = testS3Client(config)
  })
  afterAll(async () => {
    storage.destroy()
    await saved.close()
  })

  /** An upload as the browser leaves it: the key the API would have issued. */
  async function upload(bytes: Buffer, extension = 'jpg', contentType = 'image/jpeg') {
    const key = `uploads/${randomUUID()}.${extension}`
    await putUpload(config, key, bytes, contentType)
    return key
  }

  const BOXES = [
    { text: '', x: 0.5, y: 0.15, width: 0.9, height: 0.2, font: 'anton', color: '#ffffff' },
    { text: '', x: 0.5, y: 0.85, width: 0.9, height: 0.2, font: 'anton', color: '#ffffff' },
  ]

  function create(payload: unknown) {
    return saved.inject({ method: 'POST', url: '/api/templates', payload: payload as object })
  }

  async function created(body: Record<string, unknown> = {}) {
    const image = await upload(await makePicture('jpeg', 640, 480))
    const response = await create({ image, name: 'Drake hotline', boxes: BOXES, ...body })
    expect(response.statusCode).toBe(201)
    return response.json() as { template: Template; editToken: string }
  }

  function edit(id: string, payload: unknown, headers: Record<string, string> = {}) {
    return saved.inject({
      method: 'PUT',
      url: `/api/templates/${id}`,
      payload: payload as object,
      headers,
    })
  }

  function remove(id: string, query: string, headers: Record<string, string> = {}) {
    return saved.inject({ method: 'DELETE', url: `/api/templates/${id}${query}`, headers })
  }

  async function objectKeys(prefix: string): Promise<string[]> {
    const listed = await storage.send(
      new ListObjectsV2Command({ Bucket: config.uploadBucket, Prefix: prefix }),
    )
    return (listed.Contents ?? []).map((object) => object.Key!).sort()
  }

  async function readObject(key: string) {
    const object = await storage.send(
      new GetObjectCommand({ Bucket: config.uploadBucket, Key: key }),
    )
    return {
      contentType: object.ContentType,
      bytes: Buffer.from(await object.Body!.transformToByteArray()),
    }
  }

  /** Saved templates' objects (not the starters'). */
  async function savedObjects(): Promise<string[]> {
    return (await objectKeys('templates/')).filter((key) => !key.startsWith('templates/starters/'))
  }

  it('saves, finds, renders, edits and deletes a template, its pictures with it', async () => {
    const image = await upload(await makePicture('jpeg', 640, 480))
    const response = await create({
      image,
      name: '  Drake hotline!  ',
      tags: ['Reaction', ' choice ', 'reaction'],
      boxes: BOXES,
      source: 'Drake, Hotline Bling (2015)',
    })
    expect(response.statusCode).toBe(201)
    expect(response.headers['cache-control']).toBe('no-store')
    const { template, editToken } = response.json() as { template: Template; editToken: string }
    expect(template.id).toMatch(/^drake-hotline-[a-z2-7]{6}$/)
    expect(response.headers.location).toBe(`/api/templates/${template.id}`)
    expect(editToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(template).toMatchObject({
      kind: 'saved',
      name: 'Drake hotline!',
      tags: ['reaction', 'choice'],
      boxes: BOXES,
      source: 'Drake, Hotline Bling (2015)',
      width: MAX_EDGE,
      height: 384,
      version: 1,
    })
    expect(template.createdAt).toBe(template.updatedAt)

    // The picture, scaled to MAX_EDGE, and its thumbnail, under the template's folder.
    expect(await objectKeys(`templates/${template.id}/`)).toEqual([
      `templates/${template.id}/1.jpg`,
      `templates/${template.id}/1.thumb.webp`,
    ])
    const picture = await readObject(`templates/${template.id}/1.jpg`)
    expect(picture.contentType).toBe('image/jpeg')
    expect(await sharp(picture.bytes).metadata()).toMatchObject({ width: 512, height: 384 })
    expect(await sharp(await fetched(template.thumbnailUrl)).metadata()).toMatchObject({
      format: 'webp',
      width: 320,
      height: 240,
    })
    expect(await fetched(template.imageUrl)).toEqual(picture.bytes)

    // Found as one, by name and by tag, before the starters; the token is never shown again.
    const one = await saved.inject({ method: 'GET', url: `/api/templates/${template.id}` })
    expect(one.statusCode).toBe(200)
    expect(one.json()).toMatchObject({ id: template.id, kind: 'saved', version: 1 })
    expect(one.body).not.toContain(editToken)
    const byName = await saved.inject({ method: 'GET', url: '/api/templates?q=HOTLINE' })
    expect(byName.json().templates.map((t: Listed) => t.id)).toEqual([template.id])
    const byTag = await saved.inject({ method: 'GET', url: '/api/templates?tag=Choice' })
    expect(byTag.json().templates.map((t: Listed) => t.id)).toEqual([template.id])
    const all = await saved.inject({ method: 'GET', url: '/api/templates?limit=2' })
    expect(all.json().templates.map((t: Listed) => t.kind)).toEqual(['saved', 'starter'])

    // Rendered by URL at its version.
    const url = `/api/images/${template.id}/Top/Bottom.png`
    const unversioned = await saved.inject({ method: 'GET', url })
    expect(unversioned.statusCode).toBe(302)
    expect(unversioned.headers.location).toBe(`${url}?v=1`)
    const rendered = await saved.inject({ method: 'GET', url: `${url}?v=1` })
    expect(rendered.statusCode).toBe(200)
    expect(rendered.headers['content-type']).toBe('image/png')

    // Edited with its token: version 2, and the URL without v now goes there.
    const token = { 'x-edit-token': editToken }
    const edited = await edit(template.id, { version: 1, name: 'Drake says no', tags: [] }, token)
    expect(edited.statusCode).toBe(200)
    expect(edited.json()).toMatchObject({
      id: template.id,
      name: 'Drake says no',
      tags: [],
      boxes: BOXES,
      source: 'Drake, Hotline Bling (2015)',
      version: 2,
      createdAt: template.createdAt,
    })
    expect(edited.json().updatedAt > template.updatedAt).toBe(true)
    expect((await saved.inject({ method: 'GET', url })).headers.location).toBe(`${url}?v=2`)

    // A wrong token, none at all, or a key of another scope may not; a stale version is a 409.
    const refusals: Record<string, string>[] = [
      // The first character changed: the last carries only 4 of the token's bits.
      { 'x-edit-token': `${editToken.startsWith('A') ? 'B' : 'A'}${editToken.slice(1)}` },
      {},
      { 'x-api-key': TOOLS_KEY },
      { 'x-api-key': 'not-a-key' },
    ]
    for (const headers of refusals) {
      const refused = await edit(template.id, { version: 2, name: 'Mine now' }, headers)
      expect(refused.statusCode).toBe(403)
      expect(refused.json()).toMatchObject({ code: 'TEMPLATE_EDIT_FORBIDDEN' })
      expect(refused.json().message).toContain('x-edit-token')
      const notDeleted = await remove(template.id, '?version=2', headers)
      expect(notDeleted.statusCode).toBe(403)
    }
    const stale = await edit(template.id, { version: 1, name: 'Old' }, token)
    expect(stale.statusCode).toBe(409)
    expect(stale.json()).toMatchObject({ code: 'CONFLICT' })
    expect(stale.json().message).toContain('version 2, not 1')
    const staleDelete = await remove(template.id, '?version=1', token)
    expect(staleDelete.statusCode).toBe(409)
    expect(staleDelete.json().message).toContain('version 2, not 1')

    // Deleted: gone from the API, the URLs and the bucket.
    const deleted = await remove(template.id, '?version=2', token)
    expect(deleted.statusCode).toBe(204)
    expect(deleted.body).toBe('')
    const gone = await saved.inject({ method: 'GET', url: `/api/templates/${template.id}` })
    expect(gone.statusCode).toBe(404)
    expect(gone.json()).toMatchObject({ code: 'TEMPLATE_NOT_FOUND' })
    expect((await saved.inject({ method: 'GET', url: `${url}?v=2` })).statusCode).toBe(404)
    expect(await objectKeys(`templates/${template.id}/`)).toEqual([])
    expect((await remove(template.id, '?version=2', token)).statusCode).toBe(404)
    expect((await edit(template.id, { version: 2 }, token)).statusCode).toBe(404)
  })

  it('lists saved templates newest first, then the starters, the cursor spanning both', async () => {
    const older = await created({ name: 'Paging older', tags: ['paging'] })
    const newer = await created({ name: 'Paging newer', tags: ['paging'] })
    const tagged = await saved.inject({ method: 'GET', url: '/api/templates?tag=paging' })
    expect(tagged.json().templates.map((t: Listed) => t.id)).toEqual([
      newer.template.id,
      older.template.id,
    ])
    const seen: string[] = []
    let cursor: string | null = ''
    while (cursor !== null) {
      const page: Awaited<ReturnType<typeof saved.inject>> = await saved.inject({
        method: 'GET',
        url: `/api/templates?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      })
      seen.push(...page.json().templates.map((t: Listed) => t.id))
      cursor = page.json().nextCursor
    }
    const starters = STARTER_TEMPLATES.map((starter) => starter.id)
    expect(seen.slice(-starters.length)).toEqual(starters)
    const savedIds = seen.slice(0, -starters.length)
    expect(savedIds.indexOf(newer.template.id)).toBeLessThan(savedIds.indexOf(older.template.id))
    expect(new Set(seen).size).toBe(seen.length)
  })

  it('lets one of two edits of the same version through, and the other is a 409', async () => {
    const { template, editToken } = await created()
    const headers = { 'x-edit-token': editToken }
    const answers = await Promise.all([
      edit(template.id, { version: 1, name: 'First' }, headers),
      edit(template.id, { version: 1, name: 'Second' }, headers),
    ])
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409])
    const winner = answers.find((a) => a.statusCode === 200)!.json() as Template
    const now = await saved.inject({ method: 'GET', url: `/api/templates/${template.id}` })
    expect(now.json()).toMatchObject({ version: 2, name: winner.name })
  })

  it('lets an admin key edit and delete any saved template', async () => {
    const { template } = await created()
    const admin = { 'x-api-key': ADMIN_KEY }
    const edited = await edit(template.id, { version: 1, source: 'the team' }, admin)
    expect(edited.statusCode).toBe(200)
    expect(edited.json()).toMatchObject({ version: 2, source: 'the team' })
    // An empty source removes it.
    const cleared = await edit(template.id, { version: 2, source: '' }, admin)
    expect(cleared.json().source).toBeUndefined()
    expect((await remove(template.id, '?version=3', admin)).statusCode).toBe(204)
    expect(await objectKeys(`templates/${template.id}/`)).toEqual([])
  })

  it('keeps starters read-only, whoever asks', async () => {
    const askers: Record<string, string>[] = [{}, { 'x-api-key': ADMIN_KEY }]
    for (const headers of askers) {
      const put = await edit('blank-square-white', { version: 1, name: 'Mine' }, headers)
      expect(put.statusCode).toBe(403)
      expect(put.json()).toMatchObject({ code: 'TEMPLATE_READ_ONLY' })
      const deleted = await remove('blank-square-white', '?version=1', headers)
      expect(deleted.statusCode).toBe(403)
      expect(deleted.json()).toMatchObject({ code: 'TEMPLATE_READ_ONLY' })
    }
  })

  it('renders by template id through POST /api/meme as the URL does, to the byte', async () => {
    const { template } = await created({ name: 'Same pixels' })
    const fromUrl = await saved.inject({
      method: 'GET',
      url: `/api/images/${template.id}/Hello/World.png?v=1`,
    })
    expect(fromUrl.statusCode).toBe(200)
    const captions = template.boxes.map((box, i) => ({ ...box, text: ['Hello', 'World'][i]! }))
    const fromPost = await saved.inject({
      method: 'POST',
      url: '/api/meme',
      payload: { template: template.id, captions, format: 'png' },
    })
    expect(fromPost.statusCode).toBe(200)
    const posted = Buffer.from(fromPost.json().meme_data, 'base64')
    const [a, b] = await Promise.all([decodePixels(fromUrl.rawPayload), decodePixels(posted)])
    expect([b.width, b.height]).toEqual([a.width, a.height])
    expect(maxDifference(a, b)).toBe(0)
    expect(posted.equals(fromUrl.rawPayload)).toBe(true)
    // The captions are there: not the bare picture.
    const bare = await decodePixels((await readObject(`templates/${template.id}/1.jpg`)).bytes)
    expect(maxDifference(a, bare)).toBeGreaterThan(100)
  })

  it('renders a job by template id, and refuses a job with both or neither source', async () => {
    const { template } = await created({ name: 'For a job' })
    const admin = { 'x-api-key': ADMIN_KEY }
    const captions = template.boxes.map((box, i) => ({ ...box, text: ['Queued', 'Done'][i]! }))
    const started = await saved.inject({
      method: 'POST',
      url: '/api/jobs',
      headers: admin,
      payload: { template: template.id, captions },
    })
    expect(started.statusCode).toBe(201)
    await saved.queues.idle()
    const job = await saved.inject({
      method: 'GET',
      url: started.headers.location!,
      headers: admin,
    })
    expect(job.json()).toMatchObject({ status: 'done', result: { meme_type: 'image/jpeg' } })
    for (const source of [{ template: template.id, image: `uploads/${randomUUID()}.png` }, {}]) {
      const refused = await saved.inject({
        method: 'POST',
        url: '/api/jobs',
        headers: admin,
        payload: { ...source, captions },
      })
      expect(refused.statusCode).toBe(400)
      expect(refused.json()).toMatchObject({ code: 'VALIDATION' })
      expect(refused.json().message).toContain('template (a template id)')
    }
  })

  describe('what it keeps of the picture', () => {
    it('applies EXIF orientation and keeps no metadata', async () => {
      const rotated = withExifOrientation(await makePicture('jpeg', 320, 240), 6)
      const { template } = await created({ image: await upload(rotated) })
      expect([template.width, template.height]).toEqual([240, 320])
      const picture = await readObject(`templates/${template.id}/1.jpg`)
      const metadata = await sharp(picture.bytes).metadata()
      expect(metadata).toMatchObject({ width: 240, height: 320 })
      expect(metadata.orientation).toBeUndefined()
      expect(metadata.exif).toBeUndefined()
      expect(metadata.xmp).toBeUndefined()
      expect(metadata.icc).toBeUndefined()
    })

    it('drops EXIF, GPS and XMP of a JPEG', async () => {
      const { template } = await created({
        image: await upload(await makeJpegWithPrivateMetadata()),
      })
      const { bytes } = await readObject(`templates/${template.id}/1.jpg`)
      expect(bytes.includes(Buffer.from(PRIVATE_METADATA.artist))).toBe(false)
      expect((await sharp(bytes).metadata()).exif).toBeUndefined()
    })

    it('keeps PNG and WebP, and turns a GIF into a PNG', async () => {
      const cases = [
        [await makePicture('png', 200, 100), 'png', 'image/png', 'png'],
        [await makePicture('webp', 200, 100), 'webp', 'image/webp', 'webp'],
        [
          await makeAnimatedGif(200, 100, [
            [255, 0, 0],
            [0, 0, 255],
          ]),
          'gif',
          'image/gif',
          'png',
        ],
      ] as const
      for (const [bytes, extension, contentType, kept] of cases) {
        const { template } = await created({ image: await upload(bytes, extension, contentType) })
        const picture = await readObject(`templates/${template.id}/1.${kept}`)
        expect(picture.contentType).toBe(`image/${kept}`)
        expect((await sharp(picture.bytes).metadata()).format).toBe(kept)
      }
    })
  })

  describe('refuses what a render refuses, and writes nothing', () => {
    it.each([
      ['a picture over MAX_PIXELS', () => makePngHeader(8000, 8000), 422, 'IMAGE_TOO_LARGE'],
      ['a picture too small', () => makeSolidPng(20, 20), 422, 'IMAGE_TOO_SMALL'],
      ['a picture too elongated', () => makeSolidPng(1000, 50), 422, 'IMAGE_ASPECT_RATIO'],
      [
        'a truncated JPEG',
        () => makeJpegClaiming(400, 300, { width: 4000, height: 3000 }),
        422,
        'IMAGE_TRUNCATED',
      ],
      [
        'text stored as a picture',
        async () => Buffer.from('not a picture'),
        415,
        'UNSUPPORTED_MEDIA',
      ],
    ])('%s', async (_, draw, status, code) => {
      const before = await savedObjects()
      const image = await upload(await draw(), 'png', 'image/png')
      const response = await create({ image, name: 'Refused', boxes: BOXES })
      expect(response.statusCode).toBe(status)
      expect(response.json()).toMatchObject({ code })
      expect(await savedObjects()).toEqual(before)
    })

    it('answers 404 IMAGE_NOT_FOUND for an upload that does not exist, as /api/meme does', async () => {
      const image = `uploads/${randomUUID()}.png`
      const response = await create({ image, name: 'Nothing there', boxes: BOXES })
      expect(response.statusCode).toBe(404)
      expect(response.json()).toMatchObject({ code: 'IMAGE_NOT_FOUND' })
      const meme = await saved.inject({
        method: 'POST',
        url: '/api/meme',
        payload: { image, captions: [{ text: 'hi', x: 0.5, y: 0.5 }] },
      })
      expect(meme.json()).toMatchObject({ statusCode: 404, code: 'IMAGE_NOT_FOUND' })
    })
  })

  describe('removes the pictures it wrote when the save fails', () => {
    it('when the record cannot be written (503)', async () => {
      const image = await upload(await makePicture('jpeg', 640, 480))
      const before = await savedObjects()
      const put = vi
        .spyOn(saved.records, 'create')
        .mockRejectedValueOnce(storageUnavailable(new Error('table gone')))
      const response = await create({ image, name: 'Never saved', boxes: BOXES })
      expect(put).toHaveBeenCalledTimes(1)
      put.mockRestore()
      expect(response.statusCode).toBe(503)
      expect(response.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
      expect(await savedObjects()).toEqual(before)
      const listed = await saved.inject({ method: 'GET', url: '/api/templates?q=never+saved' })
      expect(listed.json().templates).toEqual([])
    })

    it('but not when the record was written after all and only the answer was lost', async () => {
      const image = await upload(await makePicture('jpeg', 640, 480))
      const before = await savedObjects()
      const write = saved.records.create.bind(saved.records)
      const put = vi.spyOn(saved.records, 'create').mockImplementationOnce(async (...args) => {
        await write(...args)
        throw storageUnavailable(new Error('timed out after the write'))
      })
      const response = await create({ image, name: 'Landed late', boxes: BOXES })
      put.mockRestore()
      expect(response.statusCode).toBe(201)
      const { template, editToken } = response.json()
      expect(await savedObjects()).toHaveLength(before.length + 2)
      const rendered = await saved.inject({
        method: 'GET',
        url: `/api/images/${template.id}/still/here.png?v=1`,
      })
      expect(rendered.statusCode).toBe(200)
      const removed = await saved.inject({
        method: 'DELETE',
        url: `/api/templates/${template.id}?version=1`,
        headers: { 'x-edit-token': editToken },
      })
      expect(removed.statusCode).toBe(204)
    })

    it('when the thumbnail cannot be written (503)', async () => {
      const image = await upload(await makePicture('jpeg', 640, 480))
      const before = await savedObjects()
      const send = saved.s3.send.bind(saved.s3)
      const spy = vi.spyOn(saved.s3, 'send').mockImplementation(((command: unknown) => {
        const key = (command as { input?: { Key?: string } }).input?.Key ?? ''
        if (command instanceof PutObjectCommand && key.endsWith('.thumb.webp')) {
          return Promise.reject(new Error('connection reset'))
        }
        return send(command as never)
      }) as typeof saved.s3.send)
      const response = await create({ image, name: 'Half written', boxes: BOXES })
      const deletes = spy.mock.calls.filter(([command]) => command instanceof DeleteObjectCommand)
      spy.mockRestore()
      expect(response.statusCode).toBe(503)
      // The picture, written, and the thumbnail, in case it was written after all.
      expect(deletes).toHaveLength(2)
      expect(await savedObjects()).toEqual(before)
    })
  })

  it('keeps a hostile name as text: JSON only, and a slug of its letters', async () => {
    const { template } = await created({ name: '<script>alert(1)</script>' })
    expect(template.id).toMatch(/^script-alert-1-script-[a-z2-7]{6}$/)
    const one = await saved.inject({ method: 'GET', url: `/api/templates/${template.id}` })
    expect(one.headers['content-type']).toMatch(/^application\/json/)
    expect(one.json().name).toBe('<script>alert(1)</script>')
  })

  it('names a template of no letters "template-…"', async () => {
    const { template } = await created({ name: '!!! ☃ !!!' })
    expect(template.id).toMatch(/^template-[a-z2-7]{6}$/)
  })

  describe('refuses malformed, oversized and missing input with 400 VALIDATION', () => {
    const IMAGE = `uploads/${randomUUID()}.jpg`
    const valid = { image: IMAGE, name: 'Fine', boxes: BOXES }
    it.each([
      ['no body', undefined],
      ['no name', { image: IMAGE, boxes: BOXES }],
      ['no image', { name: 'Fine', boxes: BOXES }],
      ['no boxes', { image: IMAGE, name: 'Fine' }],
      ['a key of another prefix', { ...valid, image: 'templates/blank-square-white/1.png' }],
      ['a path in the key', { ...valid, image: `${IMAGE}/../../x.png` }],
      ['a URL for a key', { ...valid, image: 'https://evil.example/cat.png' }],
      ['an unknown property', { ...valid, editToken: 'mine' }],
      ['an empty name', { ...valid, name: '' }],
      ['a name of spaces', { ...valid, name: '   ' }],
      ['a name of 101 characters', { ...valid, name: 'a'.repeat(101) }],
      ['a name with a control character', { ...valid, name: 'Drake\u0007' }],
      ['a name with a newline', { ...valid, name: 'Drake\nhotline' }],
      ['11 tags', { ...valid, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }],
      ['a tag of 31 characters', { ...valid, tags: ['a'.repeat(31)] }],
      ['a tag with a control character', { ...valid, tags: ['re\u001baction'] }],
      ['tags as a string', { ...valid, tags: 'reaction' }],
      ['a source of 201 characters', { ...valid, source: 'a'.repeat(201) }],
      ['zero boxes', { ...valid, boxes: [] }],
      ['11 boxes', { ...valid, boxes: Array(11).fill(BOXES[0]) }],
      ['a box outside the picture', { ...valid, boxes: [{ ...BOXES[0], x: 1.5 }] }],
      ['a box with an unknown property', { ...valid, boxes: [{ ...BOXES[0], blink: true }] }],
      ['a box with a control character', { ...valid, boxes: [{ ...BOXES[0], text: 'a\u0000' }] }],
    ])('POST: %s', async (_, payload) => {
      const before = await savedObjects()
      const response = await saved.inject({
        method: 'POST',
        url: '/api/templates',
        ...(payload === undefined
          ? { headers: { 'content-type': 'application/json' } }
          : { payload }),
      })
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION' })
      expect(await savedObjects()).toEqual(before)
    })

    it('says what is wrong with a name in words', async () => {
      const response = await create({ ...valid, name: 'Drake\u0007' })
      expect(response.json().message).toBe(
        'body/name must be a name that is not all spaces, without control characters (kept trimmed)',
      )
    })

    it.each([
      ['no version', { name: 'x' }],
      ['version 0', { version: 0 }],
      ['version as text', { version: '1' }],
      ['an unknown property', { version: 1, image: IMAGE }],
      ['a name of 101 characters', { version: 1, name: 'a'.repeat(101) }],
      ['11 tags', { version: 1, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) }],
      ['zero boxes', { version: 1, boxes: [] }],
    ])('PUT: %s', async (_, payload) => {
      const { template, editToken } = await created()
      const response = await edit(template.id, payload, { 'x-edit-token': editToken })
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ code: 'VALIDATION' })
    })

    it.each([
      ['no version', ''],
      ['version 0', '?version=0'],
      ['a version that is no number', '?version=two'],
      ['an unknown parameter', '?version=1&force=true'],
    ])('DELETE: %s', async (_, query) => {
      const response = await remove('blank-square-white', query, { 'x-api-key': ADMIN_KEY })
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ code: 'VALIDATION' })
    })
  })

  it.each([
    ['an unknown id', 'drake-hotline-aaaaaa'],
    ['custom', 'custom'],
    ['__proto__', '__proto__'],
    ['a path', '..%2Ftemplates%2Fstarters'],
    ['a path in an id', 'drake-aaaaaa%2F..%2F..%2Fuploads'],
    ['an upper-case id', 'DRAKE-AAAAAA'],
  ])('answers 404 TEMPLATE_NOT_FOUND to GET, PUT and DELETE of %s', async (_, id) => {
    const admin = { 'x-api-key': ADMIN_KEY }
    for (const response of [
      await saved.inject({ method: 'GET', url: `/api/templates/${id}` }),
      await edit(id, { version: 1, name: 'x' }, admin),
      await remove(id, '?version=1', admin),
    ]) {
      expect(response.statusCode).toBe(404)
      expect(response.json()).toMatchObject({ code: 'TEMPLATE_NOT_FOUND' })
    }
  })
})
