import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, startTestS3, testConfig } from '../../support/test-app.ts'

let s3: Awaited<ReturnType<typeof startTestS3>>
let webRoot: string
/** The local server: the API with the SPA. */
let local: FastifyInstance
/** The API alone, as on Lambda behind CloudFront. */
let apiOnly: FastifyInstance

beforeAll(async () => {
  s3 = await startTestS3()
  webRoot = await mkdtemp(join(tmpdir(), 'meme-studio-web-'))
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>meme-studio</title>')
  local = await buildApp(testConfig(s3.endpoint), { webRoot })
  apiOnly = await buildApp(testConfig(s3.endpoint))
})
afterAll(async () => {
  await local.close()
  await apiOnly.close()
  await s3.close()
  await rm(webRoot, { recursive: true, force: true })
})

const TEMPLATES = '/api/templates?limit=12'
const MEME = { template: 'blank-4x3-white', captions: [{ text: 'Squeeze', x: 0.5, y: 0.15 }] }

describe('the local server compresses JSON and HTML', () => {
  it('sends the template gallery as Brotli when the browser takes it, the same JSON inside', async () => {
    const plain = await local.inject({ url: TEMPLATES })
    expect(plain.statusCode).toBe(200)
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.rawPayload.length).toBeGreaterThan(1024)

    const br = await local.inject({ url: TEMPLATES, headers: { 'accept-encoding': 'gzip, br' } })
    expect(br.statusCode).toBe(200)
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers.vary).toMatch(/accept-encoding/i)
    expect(br.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2)
    // The presigned thumbnail URLs differ per request (their date), the templates do not.
    const ids = (body: Buffer) =>
      (JSON.parse(body.toString()) as { templates: { id: string }[] }).templates.map((t) => t.id)
    expect(ids(brotliDecompressSync(br.rawPayload))).toEqual(ids(plain.rawPayload))
  })

  it('sends gzip to a browser that takes only gzip', async () => {
    const gz = await local.inject({ url: TEMPLATES, headers: { 'accept-encoding': 'gzip' } })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(JSON.parse(gunzipSync(gz.rawPayload).toString())).toHaveProperty('templates')
  })

  it('compresses a share page', async () => {
    const created = await local.inject({ method: 'POST', url: '/api/shares', payload: MEME })
    expect(created.statusCode, created.body).toBe(201)
    const { url, id } = created.json<{ url: string; id: string }>()
    const page = await local.inject({ url, headers: { 'accept-encoding': 'br' } })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(page.rawPayload).toString()).toContain('Squeeze')

    // Its image is sent as it is: a PNG gains nothing.
    const image = await local.inject({
      url: `/api/shares/${id}/image`,
      headers: { 'accept-encoding': 'br, gzip' },
    })
    expect(image.statusCode).toBe(200)
    expect(image.headers['content-type']).toBe('image/png')
    expect(image.headers['content-encoding']).toBeUndefined()
  })

  it('leaves POST /api/meme as it is, JSON or image', async () => {
    for (const accept of ['application/json', 'image/png']) {
      const response = await local.inject({
        method: 'POST',
        url: '/api/meme',
        headers: { accept, 'accept-encoding': 'br, gzip' },
        payload: MEME,
      })
      expect(response.statusCode, response.body).toBe(200)
      expect(response.headers['content-type']).toContain(accept)
      expect(response.headers['content-encoding']).toBeUndefined()
      expect(response.rawPayload.length).toBeGreaterThan(1024)
    }
  })
})

describe('the API alone (Lambda, where CloudFront compresses)', () => {
  it('sends JSON uncompressed whatever the browser takes', async () => {
    const response = await apiOnly.inject({
      url: TEMPLATES,
      headers: { 'accept-encoding': 'br, gzip' },
    })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-encoding']).toBeUndefined()
  })
})
