import type { FastifyInstance } from 'fastify'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, startTestS3, testConfig, useAppWithoutS3 } from '../support/test-app.ts'

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
  it('lists the 24 starters in one default page of 24', async () => {
    const { response, body } = await list('')
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('private, max-age=60')
    expect(body.templates).toHaveLength(24)
    expect(body.nextCursor).toBeNull()
    expect(body.templates[0]).toMatchObject({
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
    expect(sizes).toEqual([10, 10, 4])
    expect(new Set(seen).size).toBe(24)
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
