import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, closedPort, testConfig } from './support/test-app.ts'

let webRoot: string
let app: FastifyInstance

beforeAll(async () => {
  webRoot = await mkdtemp(join(tmpdir(), 'meme-studio-web-'))
  await mkdir(join(webRoot, 'assets'))
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>meme-studio</title>')
  await writeFile(join(webRoot, 'assets', 'app-1234.js'), 'console.log(1)')
  app = await buildApp(testConfig(await closedPort()), { webRoot })
})
afterAll(async () => {
  await app.close()
  await rm(webRoot, { recursive: true, force: true })
})

describe('serving the web app', () => {
  it('serves index.html at / without long caching', async () => {
    const response = await app.inject('/')
    expect(response.statusCode).toBe(200)
    expect(response.body).toContain('<title>meme-studio</title>')
    expect(response.headers['cache-control']).toBe('no-cache')
  })

  it('caches hashed assets for good', async () => {
    const response = await app.inject('/assets/app-1234.js')
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toContain('immutable')
  })

  it('falls back to index.html for client-side routes', async () => {
    const response = await app.inject({
      url: '/some/client/route',
      headers: { accept: 'text/html' },
    })
    expect(response.statusCode).toBe(200)
    expect(response.body).toContain('<title>meme-studio</title>')
  })

  it('serves files added after start, as a rebuild does', async () => {
    await writeFile(join(webRoot, 'assets', 'app-5678.js'), 'console.log(2)')
    const response = await app.inject('/assets/app-5678.js')
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe('console.log(2)')
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
