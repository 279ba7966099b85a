import { GetObjectCommand } from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makePicture } from '../support/pictures.ts'
import { uploadThroughPolicy } from '../support/signed-upload.ts'
import { buildApp, startTestS3, testConfig, testS3Client } from '../support/test-app.ts'

let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance
const config = () => testConfig(s3.endpoint, { MAX_UPLOAD_BYTES: '500000' })

beforeAll(async () => {
  s3 = await startTestS3()
  app = await buildApp(config())
})
afterAll(async () => {
  await app.close()
  await s3.close()
})

const sign = (query: Record<string, string>) =>
  app.inject({ method: 'GET', url: '/api/sign-s3-request', query })

describe('GET /api/sign-s3-request', () => {
  it('answers a policy for a server-chosen key', async () => {
    const ok = await sign({ filename: 'My Cat.PNG', contentType: 'image/png' })
    expect(ok.statusCode).toBe(200)
    expect(ok.headers['cache-control']).toBe('no-store')
    const body = ok.json()
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'fields', 'key', 'maxBytes', 'url'])
    expect(body.key).toMatch(/^uploads\/[0-9a-f-]{36}\.png$/)
    expect(body.fields.key).toBe(body.key)
    expect(body.url).toBe(`${s3.endpoint}/meme-studio-uploads`)
    expect(body.maxBytes).toBe(500000)
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(290_000)
  })

  it('lets the browser upload with the fields as given, storing the exact type', async () => {
    const picture = await makePicture('png')
    const upload = await uploadThroughPolicy(app, picture, 'cat.png', 'image/png')
    expect(upload.status).toBe(204)
    const client = testS3Client(config())
    const stored = await client.send(
      new GetObjectCommand({ Bucket: 'meme-studio-uploads', Key: upload.key }),
    )
    expect(stored.ContentType).toBe('image/png')
    expect(Buffer.from(await stored.Body!.transformToByteArray()).equals(picture)).toBe(true)
    client.destroy()
  })

  it.each([
    [{ filename: 'notes.txt', contentType: 'image/png' }, 'BAD_FILENAME'],
    [{ filename: 'cat', contentType: 'image/png' }, 'BAD_FILENAME'],
    [{ filename: 'a/b.png', contentType: 'image/png' }, 'BAD_FILENAME'],
    [{ filename: '..\\b.png', contentType: 'image/png' }, 'BAD_FILENAME'],
    [{ filename: 'cat\u0000.png', contentType: 'image/png' }, 'BAD_FILENAME'],
    [{ filename: `${'x'.repeat(300)}.png`, contentType: 'image/png' }, 'BAD_FILENAME'],
    [{ filename: 'cat.jpg', contentType: 'image/png' }, 'BAD_FILENAME'],
    [{ filename: 'cat.svg', contentType: 'image/svg+xml' }, 'UNSUPPORTED_MEDIA'],
    [{ filename: 'page.png', contentType: 'text/html' }, 'UNSUPPORTED_MEDIA'],
  ])('refuses %j with %s and no policy', async (query, code) => {
    const response = await sign(query)
    expect(response.statusCode).toBe(400)
    const body = response.json()
    expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request', code })
    expect(body.message).toEqual(expect.any(String))
    expect(body).not.toHaveProperty('fields')
    expect(body).not.toHaveProperty('url')
  })

  it.each([
    [{ contentType: 'image/png' }, "querystring must have required property 'filename'"],
    [
      { filename: 'cat.png', contentType: `image/${'x'.repeat(300)}` },
      'querystring/contentType must NOT have more than 255 characters',
    ],
    [
      { filename: 'cat.png', contentType: 'image/png', bucket: 'other' },
      'unknown property "bucket"',
    ],
  ])('refuses a malformed query %j with VALIDATION', async (query, message) => {
    const response = await sign(query)
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'VALIDATION' })
    expect(response.json().message).toContain(message)
  })
})

describe('GET /api/sign-s3-request without credentials', () => {
  it('answers 503 STORAGE_UNAVAILABLE when the credentials cannot be loaded', async () => {
    const failing = testConfig(s3.endpoint)
    // As on Lambda when the role's credentials cannot be fetched.
    failing.s3.credentials = async () => {
      throw new Error('Could not load credentials from any providers')
    }
    const broken = await buildApp(failing)
    try {
      const response = await broken.inject({
        url: '/api/sign-s3-request',
        query: { filename: 'cat.png', contentType: 'image/png' },
      })
      expect(response.statusCode).toBe(503)
      expect(response.json()).toEqual({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The storage service is not reachable',
        code: 'STORAGE_UNAVAILABLE',
      })
    } finally {
      await broken.close()
    }
  })
})
