import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, closedPort, testConfig } from './support/test-app.ts'

let webRoot: string
let app: FastifyInstance
const BUNDLE = Buffer.from(`export const words = ${JSON.stringify('meme '.repeat(4000))}\n`)
const INDEX = '<!doctype html><title>meme-studio</title><link rel="modulepreload" href="/e.js">'
/** The page of every other client-side route: the same, without the editor's chunks. */
const APP = '<!doctype html><title>meme-studio</title>'

beforeAll(async () => {
  webRoot = await mkdtemp(join(tmpdir(), 'meme-studio-web-'))
  await mkdir(join(webRoot, 'assets'))
  await writeFile(join(webRoot, 'index.html'), INDEX)
  await writeFile(join(webRoot, 'app.html'), APP)
  await writeFile(join(webRoot, 'assets', 'app-1234.js'), 'console.log(1)')
  // A built bundle with the compressed copies the web build writes beside it.
  await writeFile(join(webRoot, 'assets', 'big-1234.js'), BUNDLE)
  await writeFile(join(webRoot, 'assets', 'big-1234.js.br'), brotliCompressSync(BUNDLE))
  await writeFile(join(webRoot, 'assets', 'big-1234.js.gz'), gzipSync(BUNDLE))
  await writeFile(join(webRoot, 'index.html.br'), brotliCompressSync(INDEX))
  await writeFile(join(webRoot, 'app.html.br'), brotliCompressSync(APP))
  app = await buildApp(testConfig(await closedPort()), { webRoot })
})
afterAll(async () => {
  await app.close()
  await rm(webRoot, { recursive: true, force: true })
})

describe('serving the web app', () => {
  it('serves index.html, the editor’s page, at / without long caching', async () => {
    const response = await app.inject('/')
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe(INDEX)
    expect(response.headers['cache-control']).toBe('no-cache')
  })

  it('caches hashed assets for good', async () => {
    const response = await app.inject('/assets/app-1234.js')
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toContain('immutable')
  })

  it('falls back to app.html, without the editor’s chunks, for other client-side routes', async () => {
    for (const url of ['/admin', '/admin/webhooks', '/some/client/route']) {
      const response = await app.inject({ url, headers: { accept: 'text/html' } })
      expect(response.statusCode, url).toBe(200)
      expect(response.body, url).toBe(APP)
      expect(response.headers['cache-control'], url).toBe('no-cache')
    }
  })

  it('serves files added after start, as a rebuild does', async () => {
    await writeFile(join(webRoot, 'assets', 'app-5678.js'), 'console.log(2)')
    const response = await app.inject('/assets/app-5678.js')
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe('console.log(2)')
  })

  it('sends the Brotli copy to a browser that takes it, the gzip one otherwise, else the file', async () => {
    const br = await app.inject({
      url: '/assets/big-1234.js',
      headers: { 'accept-encoding': 'gzip, deflate, br, zstd' },
    })
    expect(br.statusCode).toBe(200)
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers['content-type']).toMatch(/javascript/)
    expect(br.headers.vary).toMatch(/accept-encoding/i)
    expect(br.headers['cache-control']).toContain('immutable')
    expect(br.rawPayload.length).toBeLessThan(BUNDLE.length / 10)
    expect(brotliDecompressSync(br.rawPayload).equals(BUNDLE)).toBe(true)

    const gzip = await app.inject({
      url: '/assets/big-1234.js',
      headers: { 'accept-encoding': 'gzip, deflate' },
    })
    expect(gzip.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gzip.rawPayload).equals(BUNDLE)).toBe(true)

    for (const acceptEncoding of [undefined, 'identity', 'br;q=0, gzip;q=0']) {
      const plain = await app.inject({
        url: '/assets/big-1234.js',
        headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {},
      })
      expect(plain.headers['content-encoding'], String(acceptEncoding)).toBeUndefined()
      expect(plain.rawPayload.equals(BUNDLE)).toBe(true)
    }
  })

  it('sends both pages compressed too, at / and as the client-side routes’ page', async () => {
    for (const [url, page] of [
      ['/', INDEX],
      ['/some/client/route', APP],
    ] as const) {
      const response = await app.inject({
        url,
        headers: { accept: 'text/html', 'accept-encoding': 'br' },
      })
      expect(response.statusCode, url).toBe(200)
      expect(response.headers['content-encoding'], url).toBe('br')
      expect(response.headers['cache-control'], url).toBe('no-cache')
      expect(response.headers.vary, url).toMatch(/accept-encoding/i)
      expect(brotliDecompressSync(response.rawPayload).toString(), url).toBe(page)
    }
  })

  it('keeps API misses as JSON 404s', async () => {
    const response = await app.inject({ url: '/api/missing', headers: { accept: 'text/html' } })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ code: 'NOT_FOUND' })
  })

  it('does not serve files outside the web root', async () => {
    const response = await app.inject('/../package.json')
    expect(response.statusCode).toBe(404)
    expect(response.body).not.toContain('@meme-studio/api')
  })
})

/** A GET sent as the bytes say, over a socket: `inject` would normalise the path first. */
async function rawGet(path: string, headers: Record<string, string> = {}) {
  if (!app.server.listening) await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return new Promise<{ status?: number; body: string }>((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, headers }, (response) => {
      let body = ''
      response.on('data', (chunk: Buffer) => (body += chunk.toString()))
      response.on('end', () => resolve({ status: response.statusCode, body }))
    })
    request.on('error', reject)
    request.end()
  })
}

describe('the one error body', () => {
  const NOT_FOUND = { statusCode: 404, error: 'Not Found', code: 'NOT_FOUND' }

  it('answers a malformed %-escape with 400 BAD_URL', async () => {
    const response = await app.inject('/api/shares/%E0%A4%A')
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'The URL has a malformed %-escape',
      code: 'BAD_URL',
    })
  })

  it('answers a path that climbs out of the web root with 404 NOT_FOUND, not 403', async () => {
    const answer = await rawGet('/m/../..')
    expect(answer.status).toBe(404)
    expect(JSON.parse(answer.body)).toMatchObject(NOT_FOUND)
  })

  it('keeps unknown paths under /api/admin and /api/jobs behind the key when serving the SPA', async () => {
    for (const url of ['/api/admin/no-such-tool', '/api/jobs/x/y']) {
      const response = await app.inject({ url, headers: { accept: 'text/html' } })
      expect(response.statusCode, url).toBe(403)
      expect(response.body, url).toBe('{"message":"Forbidden"}')
    }
  })

  it('answers headers larger than Node takes with 431 HEADERS_TOO_LARGE', async () => {
    const answer = await rawGet('/api/health', { 'x-big': 'a'.repeat(20_000) })
    expect(answer.status).toBe(431)
    expect(JSON.parse(answer.body)).toEqual({
      statusCode: 431,
      error: 'Request Header Fields Too Large',
      message: 'The request headers are larger than the server takes',
      code: 'HEADERS_TOO_LARGE',
    })
  })
})
