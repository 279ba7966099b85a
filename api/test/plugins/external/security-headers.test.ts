import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sitePolicy } from '../../../src/pages/security-headers.ts'
import { sharePagePolicy } from '../../../src/pages/share-page.ts'
import { storageOrigins } from '../../../src/plugins/external/security-headers.ts'
import { buildApp, closedPort, testConfig } from '../../support/test-app.ts'

const KEY = 'security-headers-test-key'
let webRoot: string
let app: FastifyInstance
let s3Endpoint: string

beforeAll(async () => {
  webRoot = await mkdtemp(join(tmpdir(), 'meme-studio-web-'))
  await mkdir(join(webRoot, 'assets'))
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>meme-studio</title>')
  await writeFile(join(webRoot, 'app.html'), '<!doctype html><title>meme-studio</title>')
  await writeFile(join(webRoot, 'assets', 'app-1234.js'), 'console.log(1)')
  s3Endpoint = await closedPort()
  app = await buildApp(testConfig(s3Endpoint, { ADMIN_API_KEYS: KEY }), { webRoot })
})
afterAll(async () => {
  await app.close()
  await rm(webRoot, { recursive: true, force: true })
})

/** What CloudFront's two response headers policies add to every answer (infra/lib/site.ts). */
function expectEveryHeader(response: LightMyRequestResponse) {
  expect(response.headers['x-content-type-options']).toBe('nosniff')
  expect(response.headers['x-frame-options']).toBe('DENY')
  expect(response.headers['referrer-policy']).toBe('strict-origin-when-cross-origin')
  // Over http a browser ignores HSTS (RFC 6797 §8.1); CloudFront adds it on AWS.
  expect(response.headers['strict-transport-security']).toBeUndefined()
  // Helmet's other headers stay off, as CloudFront sends none of them.
  for (const header of [
    'cross-origin-opener-policy',
    'cross-origin-resource-policy',
    'origin-agent-cluster',
    'x-dns-prefetch-control',
    'x-download-options',
    'x-permitted-cross-domain-policies',
    'x-xss-protection',
  ]) {
    expect(response.headers[header], header).toBeUndefined()
  }
}

describe('security headers', () => {
  const spaPolicy = () => sitePolicy([new URL(s3Endpoint).origin])

  it.each([
    ['/', 200],
    ['/admin', 200],
    ['/admin/webhooks', 200],
    ['/assets/app-1234.js', 200],
    ['/assets/missing-5678.js', 404],
  ])('the SPA at %s: its CSP (no framing) and every other header', async (url, status) => {
    const accept = url.startsWith('/assets/') ? '*/*' : 'text/html'
    const response = await app.inject({ url, headers: { accept } })
    expect(response.statusCode).toBe(status)
    expectEveryHeader(response)
    expect(response.headers['content-security-policy']).toBe(spaPolicy())
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'")
  })

  it('lets the SPA reach the embedded S3 it uploads to, and nothing else', () => {
    expect(spaPolicy()).toContain(`connect-src 'self' blob: ${new URL(s3Endpoint).origin};`)
    expect(spaPolicy()).toContain("script-src 'self';")
  })

  it.each([
    ['a JSON answer', '/api/limits', undefined],
    ['an error', '/api/no-such-route', undefined],
    ["API Gateway's 403", '/api/admin/usage', undefined],
    ['an admitted admin answer', '/api/admin/session', KEY],
    ['the API docs', '/api/docs', undefined],
    ['the API docs page', '/api/docs/static/index.html', undefined],
  ])(
    '%s (%s): every header, and no SPA CSP, as CloudFront sends to the API',
    async (_case, url, key) => {
      const response = await app.inject({ url, headers: key ? { 'x-api-key': key } : {} })
      expect(response.statusCode).toBeLessThan(500)
      expectEveryHeader(response)
      expect(response.headers['content-security-policy'] ?? '').not.toBe(spaPolicy())
    },
  )

  it('the share page keeps its own CSP and gets Referrer-Policy', async () => {
    // No share with this id; S3 is not there either: the page a person sees says so.
    const response = await app.inject({ url: '/m/AAAAAAAAAAAAAAAAAAAAAA' })
    expect(response.headers['content-type']).toContain('text/html')
    expectEveryHeader(response)
    expect(response.headers['content-security-policy']).toBe(sharePagePolicy())
  })
})

describe('storageOrigins', () => {
  const config = (env: Record<string, string>) =>
    testConfig('http://127.0.0.1:9000', env) as ReturnType<typeof testConfig>

  it('is the endpoint for path-style S3, the bucket host under it otherwise', () => {
    expect(storageOrigins(config({}))).toEqual(['http://127.0.0.1:9000'])
    expect(
      storageOrigins(
        testConfig('http://s3.local:9000', { S3_FORCE_PATH_STYLE: 'false', S3_BUCKET: 'pics' }),
      ),
    ).toEqual(['http://pics.s3.local:9000'])
  })

  it("is the bucket's regional and global hosts on AWS, as CloudFront's policy lists them", () => {
    const aws = testConfig('http://127.0.0.1:9000', { S3_BUCKET: 'pics', S3_REGION: 'eu-west-1' })
    aws.s3 = { ...aws.s3, endpoint: undefined }
    expect(storageOrigins(aws)).toEqual([
      'https://pics.s3.eu-west-1.amazonaws.com',
      'https://pics.s3.amazonaws.com',
    ])
  })
})
