import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedS3, type EmbeddedS3 } from '../src/embedded-s3.ts'

let dataDir: string
let s3: EmbeddedS3
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-s3-'))
  s3 = await startEmbeddedS3({
    host: '127.0.0.1',
    dataDir,
    buckets: ['uploads-bucket'],
    corsOrigins: ['http://127.0.0.1:3000'],
  })
})
afterAll(async () => {
  await s3.close()
  await rm(dataDir, { recursive: true, force: true })
})

const preflight = (origin: string) =>
  fetch(`${s3.endpoint}/uploads-bucket`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST' },
  })

describe('the embedded S3', () => {
  it('listens on loopback and creates the buckets', async () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const listing = await fetch(`${s3.endpoint}/uploads-bucket`)
    expect(listing.status).toBe(200)
    expect(await listing.text()).toContain('<Name>uploads-bucket</Name>')
  })

  it("lets the app's origin POST uploads from the browser", async () => {
    const response = await preflight('http://127.0.0.1:3000')
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-methods')).toContain('POST')
  })

  it('refuses other origins', async () => {
    const response = await preflight('https://evil.example')
    expect(response.status).toBe(403)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})
