import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { imageSize } from 'image-size'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, closedPort, testConfig } from '../../support/test-app.ts'

/** web/public, copied to the build's root as Vite does. */
const PUBLIC = join(import.meta.dirname, '../../../../web/public')

let webRoot: string
let app: FastifyInstance

beforeAll(async () => {
  webRoot = await mkdtemp(join(tmpdir(), 'meme-studio-web-'))
  await cp(PUBLIC, webRoot, { recursive: true })
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>meme-studio</title>')
  app = await buildApp(testConfig(await closedPort()), { webRoot })
})
afterAll(async () => {
  await app.close()
  await rm(webRoot, { recursive: true, force: true })
})

describe('the icon', () => {
  it('answers /favicon.ico (browsers ask for it unbidden) with an icon of three sizes', async () => {
    const response = await app.inject('/favicon.ico')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^image\//)
    expect(response.headers['cache-control']).toBe('no-cache')
    expect(response.rawPayload.equals(await readFile(join(PUBLIC, 'favicon.ico')))).toBe(true)
    // An ICO header (reserved 0, type 1) and its images, each a PNG of the size it names.
    const ico = response.rawPayload
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2), ico.readUInt16LE(4)]).toEqual([0, 1, 3])
    const sizes = [0, 1, 2].map((index) => {
      const entry = 6 + 16 * index
      const image = ico
        .subarray(ico.readUInt32LE(entry + 12))
        .subarray(0, ico.readUInt32LE(entry + 8))
      const { width, height, type } = imageSize(image)
      expect(type).toBe('png')
      expect([width, height]).toEqual([ico.readUInt8(entry), ico.readUInt8(entry + 1)])
      return width
    })
    expect(sizes).toEqual([16, 32, 48])
  })

  it('answers /favicon.svg as SVG', async () => {
    const response = await app.inject('/favicon.svg')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^image\/svg\+xml/)
    expect(response.body).toContain('<svg')
  })

  it('is linked from the SPA and from a share page', async () => {
    const index = await readFile(join(import.meta.dirname, '../../../../web/index.html'), 'utf8')
    expect(index).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml" />')
    expect(index).toContain('<link rel="icon" href="/favicon.ico"')
    const page = await app.inject('/m/AbC_-09xYzAbC_-09xYzAb')
    expect(page.body).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">')
    expect(page.body).toContain('<link rel="icon" href="/favicon.ico"')
  })
})
