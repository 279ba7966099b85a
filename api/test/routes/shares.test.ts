import { createHash } from 'node:crypto'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { imageSize } from 'image-size'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BEHIND_CLOUDFRONT, PUBLIC_ORIGIN } from '../support/behind-cloudfront.ts'
import { startS3Proxy } from '../support/s3-proxy.ts'
import { makeAnimatedGif } from '../support/pictures.ts'
import { uploadPicture, uploadThroughPolicy } from '../support/signed-upload.ts'
import {
  buildApp,
  closedPort,
  startTestS3,
  testConfig,
  testS3Client,
  useAppWithoutS3,
} from '../support/test-app.ts'

const BUCKET = 'meme-studio-uploads'
const ID = /^[A-Za-z0-9_-]{22}$/
const CAPTIONS = [
  { text: 'Bottom text', x: 0.5, y: 0.85 },
  { text: 'Top text', x: 0.5, y: 0.15 },
]

let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance
let storage: ReturnType<typeof testS3Client>

beforeAll(async () => {
  s3 = await startTestS3()
  app = await buildApp(testConfig(s3.endpoint, { PUBLIC_ORIGIN }))
  storage = testS3Client(testConfig(s3.endpoint))
})
afterAll(async () => {
  storage.destroy()
  await app.close()
  await s3.close()
})

function share(target: FastifyInstance, payload: unknown) {
  return target.inject({ method: 'POST', url: '/api/shares', payload: payload as object })
}

const upload = (format?: 'jpeg' | 'png' | 'webp', width?: number, height?: number) =>
  uploadPicture(app, format, width, height)

async function readObject(key: string) {
  const object = await storage.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))
  return { object, bytes: Buffer.from(await object.Body!.transformToByteArray()) }
}

async function renderKeys(): Promise<string[]> {
  const listed = await storage.send(
    new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'renders/' }),
  )
  return (listed.Contents ?? []).map((object) => object.Key ?? '').sort()
}

/** The `content` of a `<meta>`, unescaped as a browser or a link preview reads it. */
function meta(html: string, name: string): string | undefined {
  const found = new RegExp(`<meta (?:property|name)="${name}" content="([^"]*)">`).exec(html)
  return found?.[1]
    ?.replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&')
}

describe('POST /api/shares', () => {
  it('stores the render and its sidecar, and answers the link and a working image URL', async () => {
    const image = await upload('jpeg', 640, 480)
    const before = Date.now()
    const response = await share(app, { image, captions: CAPTIONS })

    expect(response.statusCode).toBe(201)
    expect(response.headers['cache-control']).toBe('no-store')
    const body = response.json()
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'id', 'imageUrl', 'url'])
    expect(body.id).toMatch(ID)
    expect(body.url).toBe(`/m/${body.id}`)
    expect(response.headers.location).toBe(body.url)
    const expiresIn = Date.parse(body.expiresAt) - before
    expect(expiresIn).toBeGreaterThan(59 * 60_000)
    expect(expiresIn).toBeLessThanOrEqual(61 * 60_000)
    expect(body.imageUrl.startsWith(`${s3.endpoint}/${BUCKET}/renders/${body.id}.jpg?`)).toBe(true)

    const stored = await readObject(`renders/${body.id}.jpg`)
    expect(stored.object.ContentType).toBe('image/jpeg')
    expect(stored.object.CacheControl).toBe('public, max-age=31536000, immutable')
    expect(imageSize(stored.bytes)).toMatchObject({ type: 'jpg', width: 640, height: 480 })

    const sidecar = await readObject(`renders/${body.id}.json`)
    expect(sidecar.object.ContentType).toBe('application/json')
    const record = JSON.parse(sidecar.bytes.toString('utf8'))
    expect(record).toEqual({
      version: 1,
      key: `renders/${body.id}.jpg`,
      contentType: 'image/jpeg',
      width: 640,
      height: 480,
      title: 'Top text / Bottom text',
      createdAt: expect.any(String),
    })
    expect(Date.parse(record.createdAt)).toBeGreaterThanOrEqual(before - 1000)

    const fetched = await fetch(body.imageUrl)
    expect(fetched.status).toBe(200)
    expect(fetched.headers.get('content-type')).toBe('image/jpeg')
    expect(Buffer.from(await fetched.arrayBuffer()).equals(stored.bytes)).toBe(true)
  })

  it.each([
    ['png', 'png', 'image/png'],
    ['webp', 'webp', 'image/webp'],
    ['jpeg', 'jpg', 'image/jpeg'],
  ] as const)('stores format %s as renders/<id>.%s', async (format, extension, type) => {
    const image = await upload('png')
    const response = await share(app, { image, captions: CAPTIONS, format })
    expect(response.statusCode).toBe(201)
    const { id } = response.json()
    const stored = await storage.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: `renders/${id}.${extension}` }),
    )
    expect(stored.ContentType).toBe(type)
    const record = JSON.parse((await readObject(`renders/${id}.json`)).bytes.toString('utf8'))
    expect(record).toMatchObject({ key: `renders/${id}.${extension}`, contentType: type })
  })

  it('stores an animated GIF as renders/<id>.gif, all its frames', async () => {
    const gif = await makeAnimatedGif(320, 240, [
      [200, 30, 30],
      [30, 30, 200],
    ])
    const { key } = await uploadThroughPolicy(app, gif, 'dance.gif', 'image/gif')
    const response = await share(app, { image: key, captions: CAPTIONS })
    expect(response.statusCode).toBe(201)
    const { id, imageUrl } = response.json()
    const stored = await readObject(`renders/${id}.gif`)
    expect(stored.object.ContentType).toBe('image/gif')
    expect(await sharp(stored.bytes).metadata()).toMatchObject({
      format: 'gif',
      pages: 2,
      width: 320,
      height: 240,
    })
    const record = JSON.parse((await readObject(`renders/${id}.json`)).bytes.toString('utf8'))
    expect(record).toMatchObject({ contentType: 'image/gif', width: 320, height: 240 })
    expect((await fetch(imageUrl)).headers.get('content-type')).toBe('image/gif')
    const page = await app.inject(`/m/${id}`)
    expect(page.statusCode).toBe(200)
  })

  it('asks S3 to encrypt both objects at rest', async () => {
    const proxy = await startS3Proxy(s3.endpoint)
    const proxied = await buildApp(testConfig(proxy.endpoint))
    const image = await upload()
    const response = await share(proxied, { image, captions: CAPTIONS })
    await proxied.close()
    await proxy.close()

    expect(response.statusCode).toBe(201)
    const { id } = response.json()
    const puts = proxy.requests.filter((r) => r.method === 'PUT')
    // The image first: the sidecar is what makes a share visible.
    expect(puts.map((r) => r.path)).toEqual([
      `/${BUCKET}/renders/${id}.jpg`,
      `/${BUCKET}/renders/${id}.json`,
    ])
    for (const put of puts) expect(put.headers['x-amz-server-side-encryption']).toBe('AES256')
  })

  it('answers 404 IMAGE_NOT_FOUND for an upload that is not there, and writes nothing', async () => {
    const before = await renderKeys()
    const response = await share(app, {
      image: 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png',
      captions: CAPTIONS,
    })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ statusCode: 404, code: 'IMAGE_NOT_FOUND' })
    expect(await renderKeys()).toEqual(before)
  })

  describe('when S3 fails to store', () => {
    it.each([
      ['the image', (method: string) => method === 'PUT'],
      ['the sidecar', (method: string, path: string) => method === 'PUT' && path.endsWith('.json')],
    ])(
      'answers 503 STORAGE_UNAVAILABLE when writing %s fails, and no share exists',
      async (_what, fails) => {
        const proxy = await startS3Proxy(s3.endpoint, (method, path) =>
          fails(method, path) ? { fail: true } : 'pass',
        )
        const failing = await buildApp(testConfig(proxy.endpoint))
        const image = await upload()
        const before = await renderKeys()
        const response = await share(failing, { image, captions: CAPTIONS })
        await failing.close()
        await proxy.close()

        expect(response.statusCode).toBe(503)
        expect(response.json()).toEqual({
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'The storage service is not reachable',
          code: 'STORAGE_UNAVAILABLE',
        })
        expect(proxy.requests.some((r) => r.method === 'PUT')).toBe(true)
        expect(await renderKeys()).toEqual(before)
      },
    )
  })

  describe('refuses bad requests before calling S3', () => {
    const guarded = useAppWithoutS3()

    const KEY = 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png'
    it.each([
      ['a URL', { image: 'https://evil.example/cat.png', captions: CAPTIONS }],
      ['a render key', { image: 'renders/AbC_-09xYzAbC_-09xYzAb.png', captions: CAPTIONS }],
      ['no captions', { image: KEY }],
      ['an unknown property', { image: KEY, captions: CAPTIONS, bucket: 'other' }],
      ['an unknown format', { image: KEY, captions: CAPTIONS, format: 'gif' }],
    ])('%s: 400 VALIDATION', async (_case, payload) => {
      const response = await share(guarded.app, payload)
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ statusCode: 400, code: 'VALIDATION' })
      expect(guarded.requests).toEqual([])
    })

    it('refuses a body over 64 KiB with 413 BODY_TOO_LARGE', async () => {
      const response = await guarded.app.inject({
        method: 'POST',
        url: '/api/shares',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ image: KEY, captions: CAPTIONS, pad: 'x'.repeat(70_000) }),
      })
      expect(response.statusCode).toBe(413)
      expect(response.json()).toMatchObject({ code: 'BODY_TOO_LARGE' })
      expect(guarded.requests).toEqual([])
    })
  })
})

describe('GET /m/:id', () => {
  it('links to itself at PUBLIC_ORIGIN, not at the Host it was asked on', async () => {
    const image = await upload('png', 400, 300)
    const { id } = (await share(app, { image, captions: CAPTIONS, format: 'png' })).json()

    const page = await app.inject({
      method: 'GET',
      url: `/m/${id}`,
      headers: { ...BEHIND_CLOUDFRONT, accept: 'text/html' },
    })
    expect(page.statusCode).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['cache-control']).toBe('private, max-age=60')
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    const policy = String(page.headers['content-security-policy'])
    expect(policy).toContain("default-src 'none'")
    // The image is the app's own: no storage origin on the page.
    expect(policy).toContain("img-src 'self';")

    const html = page.body
    // A share from an upload has no lasting image URL: the upload expires.
    expect(html).not.toContain('<label for="image-link">')
    expect(html).toContain('<title>Top text / Bottom text — meme-studio</title>')
    expect(meta(html, 'og:title')).toBe('Top text / Bottom text')
    expect(meta(html, 'og:type')).toBe('website')
    expect(meta(html, 'og:url')).toBe(`${PUBLIC_ORIGIN}/m/${id}`)
    expect(html).not.toContain(BEHIND_CLOUDFRONT.host)
    expect(meta(html, 'og:image:type')).toBe('image/png')
    expect(meta(html, 'og:image:width')).toBe('400')
    expect(meta(html, 'og:image:height')).toBe('300')
    expect(meta(html, 'twitter:card')).toBe('summary_large_image')
    expect(html).toContain('<a class="button" href="/">Make your own meme</a>')

    // Link previews fetch the image long after the page: its URL lasts, at the public origin.
    const imagePath = `/api/shares/${id}/image`
    expect(meta(html, 'og:image')).toBe(`${PUBLIC_ORIGIN}${imagePath}`)
    expect(meta(html, 'twitter:image')).toBe(`${PUBLIC_ORIGIN}${imagePath}`)
    const alt = 'Meme: “Top text” / “Bottom text”'
    expect(meta(html, 'og:image:alt')).toBe(alt)
    expect(meta(html, 'twitter:image:alt')).toBe(alt)
    const description = `${alt}, made with meme-studio: download it or make your own.`
    expect(meta(html, 'description')).toBe(description)
    expect(meta(html, 'og:description')).toBe(description)
    const stored = await readObject(`renders/${id}.png`)
    const shown = await app.inject({ method: 'GET', url: imagePath, headers: BEHIND_CLOUDFRONT })
    expect(shown.statusCode).toBe(200)
    expect(shown.rawPayload.equals(stored.bytes)).toBe(true)

    const img = /<img src="([^"]+)" alt="([^"]*)" width="400" height="300">/.exec(html)
    expect(img?.[1]).toBe(imagePath)
    expect(img?.[2]).toBe('Meme: “Top text” / “Bottom text”')

    // The page's link, to copy: in a field that works without scripts; the buttons are the
    // script's, hidden until it runs.
    expect(html).toContain(
      `<input id="page-link" type="url" readonly value="${PUBLIC_ORIGIN}/m/${id}">`,
    )
    expect(html).toContain(
      '<button class="button" type="button" id="copy-link" hidden>Copy link</button>',
    )
    expect(html).toContain('<button class="button" type="button" id="share" hidden>Share…</button>')
    expect(html).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">')
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!)
    expect(scripts).toHaveLength(1)
    expect(scripts[0]).toContain('navigator.share')
    const hash = createHash('sha256').update(scripts[0]!).digest('base64')
    expect(policy).toContain(`script-src 'sha256-${hash}';`)

    const download = /<a class="button primary" href="([^"]+)" download>Download<\/a>/.exec(html)
    expect(download).not.toBeNull()
    const saved = await fetch(download![1]!.replaceAll('&amp;', '&'))
    expect(saved.status).toBe(200)
    expect(saved.headers.get('content-disposition')).toBe('attachment; filename="meme.png"')
    expect(Buffer.from(await saved.arrayBuffer()).equals(stored.bytes)).toBe(true)
  })

  it('escapes hostile captions everywhere they appear', async () => {
    const image = await upload()
    const hostile = [
      { text: '<script>alert("pwned")</script>', x: 0.5, y: 0.1 },
      { text: `" onerror="alert(1)' & <img src=x>`, x: 0.5, y: 0.9 },
    ]
    const { id } = (await share(app, { image, captions: hostile })).json()
    const page = await app.inject({ method: 'GET', url: `/m/${id}` })
    const html = page.body

    expect(page.statusCode).toBe(200)
    // The page's own script, and no other.
    expect(html.match(/<script/gi)).toHaveLength(1)
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('<img src=x>')
    expect(html).not.toContain('" onerror=')
    const title = `<script>alert("pwned")</script> / " onerror="alert(1)' & <img src=x>`
    expect(meta(html, 'og:title')).toBe(title)
    expect(html).toContain(
      '<title>&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt; / &quot; onerror=&quot;alert(1)&#39; &amp; &lt;img src=x&gt; — meme-studio</title>',
    )
    const alt = `Meme: “<script>alert("pwned")</script>” / “" onerror="alert(1)' & <img src=x>”`
    expect(meta(html, 'og:image:alt')).toBe(alt)
    expect(meta(html, 'twitter:image:alt')).toBe(alt)
    expect(html).toContain(
      'alt="Meme: “&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;” / “&quot; onerror=&quot;alert(1)&#39; &amp; &lt;img src=x&gt;”"',
    )
    // Exactly the tags the template writes: the captions added none.
    expect(html.match(/<img /g)).toHaveLength(1)
    expect(html.match(/<a /g)).toHaveLength(2)
  })

  it('answers an unknown id with a 404 page', async () => {
    const page = await app.inject({ method: 'GET', url: '/m/AbC_-09xYzAbC_-09xYzAb' })
    expect(page.statusCode).toBe(404)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.body).toContain('This meme does not exist or has expired')
    expect(page.body).toContain('href="/"')
  })

  it('answers 503 with a page, not JSON, when storage is down', async () => {
    const offline = await buildApp(testConfig(await closedPort()))
    const page = await offline.inject({ method: 'GET', url: '/m/AbC_-09xYzAbC_-09xYzAb' })
    await offline.close()
    expect(page.statusCode).toBe(503)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['cache-control']).toBe('no-store')
    expect(page.body).toContain('This meme cannot be shown right now')
  })
})

describe('GET /api/shares/:id', () => {
  it('describes a share for the app, with a working image URL', async () => {
    const image = await upload('webp', 200, 100)
    const created = (
      await share(app, { image, captions: [{ text: 'Hi', x: 0.5, y: 0.5 }], format: 'webp' })
    ).json()
    const response = await app.inject({ method: 'GET', url: `/api/shares/${created.id}` })
    expect(response.statusCode).toBe(200)
    expect(response.headers['cache-control']).toBe('private, max-age=60')
    const body = response.json()
    expect(body).toEqual({
      id: created.id,
      title: 'Hi',
      width: 200,
      height: 100,
      contentType: 'image/webp',
      imageUrl: expect.stringMatching(`^${s3.endpoint}/${BUCKET}/renders/${created.id}\\.webp\\?`),
      expiresAt: expect.any(String),
    })
    expect((await fetch(body.imageUrl)).status).toBe(200)
  })

  it('answers 404 SHARE_NOT_FOUND for an unknown id', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/shares/AbC_-09xYzAbC_-09xYzAb' })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ statusCode: 404, code: 'SHARE_NOT_FOUND' })
  })
})

describe('GET /api/shares/:id/image', () => {
  const IMMUTABLE = 'public, max-age=31536000, immutable'

  it("answers the stored bytes with their type, the object's ETag and a year of caching", async () => {
    const image = await upload('jpeg', 320, 240)
    const { id } = (await share(app, { image, captions: CAPTIONS, format: 'webp' })).json()
    const stored = await readObject(`renders/${id}.webp`)

    const response = await app.inject({ method: 'GET', url: `/api/shares/${id}/image` })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('image/webp')
    expect(response.headers['cache-control']).toBe(IMMUTABLE)
    expect(response.headers.etag).toBe(stored.object.ETag)
    expect(response.headers.etag).toMatch(/^"[^"]+"$/)
    expect(Number(response.headers['content-length'])).toBe(stored.bytes.length)
    expect(response.rawPayload.equals(stored.bytes)).toBe(true)
    expect(imageSize(response.rawPayload)).toMatchObject({ width: 320, height: 240 })
  })

  it('answers 304 to If-None-Match naming it, HEAD without a body, and a changed tag in full', async () => {
    const image = await upload('png', 200, 200)
    const { id } = (await share(app, { image, captions: CAPTIONS, format: 'png' })).json()
    const url = `/api/shares/${id}/image`
    const first = await app.inject({ method: 'GET', url })
    const etag = String(first.headers.etag)

    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await app.inject({
        method: 'GET',
        url,
        headers: { 'if-none-match': ifNoneMatch },
      })
      expect(again.statusCode).toBe(304)
      expect(again.rawPayload).toHaveLength(0)
      expect(again.headers.etag).toBe(etag)
      expect(again.headers['cache-control']).toBe(IMMUTABLE)
    }

    const changed = await app.inject({
      method: 'GET',
      url,
      headers: { 'if-none-match': '"other"' },
    })
    expect(changed.statusCode).toBe(200)
    expect(changed.rawPayload.equals(first.rawPayload)).toBe(true)

    const head = await app.inject({ method: 'HEAD', url })
    expect(head.statusCode).toBe(200)
    expect(head.rawPayload).toHaveLength(0)
    expect(head.headers['content-type']).toBe('image/png')
    expect(head.headers.etag).toBe(etag)
    expect(Number(head.headers['content-length'])).toBe(first.rawPayload.length)
    expect(head.headers['cache-control']).toBe(IMMUTABLE)

    const headMatched = await app.inject({
      method: 'HEAD',
      url,
      headers: { 'if-none-match': etag },
    })
    expect(headMatched.statusCode).toBe(304)
  })

  it('answers 404 SHARE_NOT_FOUND, never cached, for an unknown id', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/api/shares/AbC_-09xYzAbC_-09xYzAb/image',
    })
    expect(response.statusCode).toBe(404)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.json()).toMatchObject({ statusCode: 404, code: 'SHARE_NOT_FOUND' })
  })

  it('answers 404 when the sidecar is there but the image has gone', async () => {
    const image = await upload('png', 100, 100)
    const { id } = (await share(app, { image, captions: CAPTIONS, format: 'png' })).json()
    await storage.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `renders/${id}.png` }))
    for (const method of ['GET', 'HEAD'] as const) {
      const response = await app.inject({ method, url: `/api/shares/${id}/image` })
      expect(response.statusCode).toBe(404)
      expect(response.headers['cache-control']).toBe('no-store')
    }
  })

  it('refuses to hold an object larger than a Lambda answer, which no render is', async () => {
    const image = await upload('png', 100, 100)
    const { id } = (await share(app, { image, captions: CAPTIONS, format: 'png' })).json()
    const key = `renders/${id}.png`
    const before = await readObject(key)
    await storage.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: Buffer.alloc(5 * 1024 * 1024, 1) }),
    )
    for (const method of ['GET', 'HEAD'] as const) {
      const response = await app.inject({ method, url: `/api/shares/${id}/image` })
      expect(response.statusCode).toBe(500)
      expect(response.headers['cache-control']).toBe('no-store')
      expect(response.rawPayload.length).toBeLessThan(1024)
    }
    // The same image again: answered as before.
    await storage.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: before.bytes,
        ContentType: 'image/png',
      }),
    )
    const restored = await app.inject({ method: 'GET', url: `/api/shares/${id}/image` })
    expect(restored.statusCode).toBe(200)
    expect(restored.rawPayload.equals(before.bytes)).toBe(true)
  })

  it('answers 503 STORAGE_UNAVAILABLE, never cached, when storage is down', async () => {
    const offline = await buildApp(testConfig(await closedPort()))
    const response = await offline.inject({
      method: 'GET',
      url: '/api/shares/AbC_-09xYzAbC_-09xYzAb/image',
    })
    await offline.close()
    expect(response.statusCode).toBe(503)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(response.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
  })
})

describe('malformed share ids never reach S3', () => {
  const guarded = useAppWithoutS3()

  it.each([
    ['a traversal', '..%2Fx'],
    ['a deeper traversal', '..%2F..%2Fuploads%2Fsecret'],
    ['one character too many', 'a'.repeat(23)],
    ['far too long', 'a'.repeat(100)],
    ['a dot', `${'a'.repeat(21)}.`],
    ['a NUL', `${'a'.repeat(21)}%00`],
    ['a sidecar name', `${'a'.repeat(22)}.json`],
  ])('%s: 404 page and 404 SHARE_NOT_FOUND', async (_case, id) => {
    const page = await guarded.app.inject({ method: 'GET', url: `/m/${id}` })
    expect(page.statusCode).toBe(404)
    expect(page.body).toContain('This meme does not exist or has expired')
    const api = await guarded.app.inject({ method: 'GET', url: `/api/shares/${id}` })
    expect(api.statusCode).toBe(404)
    expect(api.json()).toMatchObject({ code: 'SHARE_NOT_FOUND' })
    for (const method of ['GET', 'HEAD'] as const) {
      const image = await guarded.app.inject({ method, url: `/api/shares/${id}/image` })
      expect(image.statusCode).toBe(404)
      expect(image.headers['cache-control']).toBe('no-store')
    }
    const image = await guarded.app.inject({ method: 'GET', url: `/api/shares/${id}/image` })
    expect(image.json()).toMatchObject({ code: 'SHARE_NOT_FOUND' })
    expect(guarded.requests).toEqual([])
  })

  it('leaves ids over 100 characters to Fastify, which answers 414', async () => {
    const page = await guarded.app.inject({ method: 'GET', url: `/m/${'a'.repeat(2000)}` })
    expect(page.statusCode).toBe(414)
    const image = await guarded.app.inject({
      method: 'GET',
      url: `/api/shares/${'a'.repeat(2000)}/image`,
    })
    expect(image.statusCode).toBe(414)
    expect(guarded.requests).toEqual([])
  })
})

describe('shares made from a template: "Copy image link"', () => {
  const TEMPLATE = 'blank-4x3-white'
  let boxes: { text: string; x: number; y: number }[]
  let version: number
  beforeAll(async () => {
    const template = (await app.inject({ method: 'GET', url: `/api/templates/${TEMPLATE}` })).json()
    boxes = template.boxes
    version = template.version
  })
  const typed = (...texts: string[]) => boxes.map((box, index) => ({ ...box, text: texts[index]! }))

  /** The image link field's value, unescaped as a browser reads it. */
  const linkField = (html: string) =>
    /<input id="image-link" type="url" readonly value="([^"]*)">/
      .exec(html)?.[1]
      ?.replaceAll('&#39;', "'")
      .replaceAll('&quot;', '"')
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&')

  it('keeps the URL that draws the same meme, answers it at PUBLIC_ORIGIN and offers it on the page', async () => {
    const created = await share(app, {
      template: TEMPLATE,
      captions: typed('Top text', 'Why not both?'),
      format: 'png',
    })
    expect(created.statusCode).toBe(201)
    const { id } = created.json()
    const path = `/api/images/${TEMPLATE}/Top_text/Why_not_both~q.png?v=${version}`

    const sidecar = JSON.parse((await readObject(`renders/${id}.json`)).bytes.toString('utf8'))
    expect(sidecar.imagePath).toBe(path)

    const described = await app.inject({
      method: 'GET',
      url: `/api/shares/${id}`,
      headers: BEHIND_CLOUDFRONT,
    })
    expect(described.json().imageLink).toBe(`${PUBLIC_ORIGIN}${path}`)

    // The link draws the very image the share stored.
    const byUrl = await app.inject({ method: 'GET', url: path })
    expect(byUrl.statusCode).toBe(200)
    expect(byUrl.rawPayload.equals((await readObject(`renders/${id}.png`)).bytes)).toBe(true)

    const page = await app.inject({ method: 'GET', url: `/m/${id}`, headers: BEHIND_CLOUDFRONT })
    expect(page.statusCode).toBe(200)
    const html = page.body
    expect(html).toContain('<label for="image-link">Image link</label>')
    expect(linkField(html)).toBe(`${PUBLIC_ORIGIN}${path}`)
    expect(html).not.toContain(BEHIND_CLOUDFRONT.host)
    expect(html).toContain(
      '<button class="button" type="button" id="copy-image-link" hidden>Copy image link</button>',
    )
    // The page's one script is the one its policy allows, by hash.
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!)
    expect(scripts).toHaveLength(1)
    const hash = createHash('sha256').update(scripts[0]!).digest('base64')
    const policy = String(page.headers['content-security-policy'])
    expect(policy).toContain(`script-src 'sha256-${hash}';`)
    expect(policy).toContain("default-src 'none'")
  })

  it('writes a hostile caption into the link escaped, and adds no markup', async () => {
    const hostile = `"><script>alert(1)</script>`
    const { id } = (await share(app, { template: TEMPLATE, captions: typed(hostile, 'x') })).json()
    const page = await app.inject({ method: 'GET', url: `/m/${id}` })
    const html = page.body
    expect(html.match(/<script/g)).toHaveLength(1)
    expect(html.match(/<input /g)).toHaveLength(2)
    expect(meta(html, 'og:image:alt')).toBe(`Meme: “${hostile}” / “x”`)
    expect(meta(html, 'description')).toMatch(
      /^Meme: “"><script>alert\(1\)<\/script>” \/ “x”, made/,
    )
    expect(html).toContain('alt="Meme: “&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;” / “x”"')
    const link = linkField(html)!
    expect(link.startsWith(`${PUBLIC_ORIGIN}/api/images/${TEMPLATE}/`)).toBe(true)
    const byUrl = await app.inject({ method: 'GET', url: link.slice(PUBLIC_ORIGIN.length) })
    expect(byUrl.statusCode).toBe(200)
    expect(byUrl.rawPayload.equals((await readObject(`renders/${id}.png`)).bytes)).toBe(true)
  })

  it.each([
    ['a moved box', () => [{ ...typed('a', 'b')[0]!, x: 0.4 }, typed('a', 'b')[1]!]],
    ['a box left out', () => typed('a', 'b').slice(0, 1)],
    ['a restyled box', () => [typed('a', 'b')[0]!, { ...typed('a', 'b')[1]!, color: '#ff0000' }]],
  ])('has no link for %s: a URL carries only text', async (_name, captions) => {
    const { id } = (await share(app, { template: TEMPLATE, captions: captions() })).json()
    const sidecar = JSON.parse((await readObject(`renders/${id}.json`)).bytes.toString('utf8'))
    expect(sidecar).not.toHaveProperty('imagePath')
    const described = await app.inject({ method: 'GET', url: `/api/shares/${id}` })
    expect(described.json()).not.toHaveProperty('imageLink')
    const page = await app.inject({ method: 'GET', url: `/m/${id}` })
    expect(page.body).not.toContain('<label for="image-link">')
    expect(page.body).not.toContain('id="copy-image-link"')
  })
})
