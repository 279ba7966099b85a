import type { FastifyInstance } from 'fastify'
import { imageSize } from 'image-size'
import sharp from 'sharp'
import { STARTING_CAPTION_BOXES } from '@meme-studio/meme-core'
import {
  afterAll,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  vi,
  type MockInstance,
} from 'vitest'
import render from '../../src/functions/render.ts'
import { lambdaHandler } from '../../src/lambda-handler.ts'
import { restEvent } from '../support/api-gateway-events.ts'
import { makeAnimatedGif, makePicture } from '../support/pictures.ts'
import { decodePixels, maxDifference } from '../support/pixels.ts'
import { buildApp, putUpload, startTestS3, testConfig } from '../support/test-app.ts'
import type { AppConfig } from '../../src/config.ts'

let s3: Awaited<ReturnType<typeof startTestS3>>
let app: FastifyInstance
let config: AppConfig
let renders: MockInstance

const KEY = 'uploads/3c1d2e3f-1111-4222-8333-444455556666.png'
const MISSING_KEY = 'uploads/3c1d2e3f-1111-4222-8333-000000000000.png'

beforeAll(async () => {
  s3 = await startTestS3()
  config = testConfig(s3.endpoint)
  app = await buildApp(config)
  await putUpload(config, KEY, await makePicture('png', 320, 240), 'image/png')
  // A real spy on the decorator the route renders through: a render is a call.
  renders = vi.spyOn(app, 'makeMeme')
})
afterAll(async () => {
  await app.close()
  await s3.close()
})
beforeEach(() => {
  renders.mockClear()
})

const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers })

const custom = (lines: string, query = '') =>
  `/api/images/custom/${lines}?background=${KEY}${query ? `&${query}` : ''}`

/** The same meme through POST /api/meme: the editor's starting boxes, these texts. */
async function postRender(texts: string[], format: 'png' | 'jpeg' | 'webp' = 'png') {
  const captions = texts
    .map((text, index) => ({ ...STARTING_CAPTION_BOXES[index]!, text }))
    .filter((caption) => caption.text !== '')
  const response = await app.inject({
    method: 'POST',
    url: '/api/meme',
    headers: { accept: `image/${format}` },
    payload: { image: KEY, captions, format },
  })
  expect(response.statusCode).toBe(200)
  return response.rawPayload
}

function expectRefused(
  response: Awaited<ReturnType<typeof get>>,
  status: number,
  code: string,
  message: string | RegExp,
) {
  expect(response.statusCode).toBe(status)
  expect(response.json()).toMatchObject({ statusCode: status, code })
  expect(response.json().message).toMatch(message)
  // The app's 404 for another route is not this route's answer to set headers on.
  if (code !== 'NOT_FOUND') expect(response.headers['cache-control']).toBe('no-store')
  expect(response.headers.etag).toBeUndefined()
}

describe('GET /api/images/custom/<lines>.<ext>?background=<key>', () => {
  it("renders the same bytes as POST /api/meme with the editor's boxes", async () => {
    const response = await get(custom('Top_text/Bottom_text.png'))
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('image/png')
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(response.headers.etag).toMatch(/^"[A-Za-z0-9_-]{32}"$/)
    expect(imageSize(response.rawPayload)).toMatchObject({ type: 'png', width: 320, height: 240 })
    const posted = await postRender(['Top text', 'Bottom text'])
    expect(response.rawPayload.equals(posted)).toBe(true)
    const [url, post] = await Promise.all([decodePixels(response.rawPayload), decodePixels(posted)])
    expect(maxDifference(url, post)).toBe(0)
  })

  it("decodes memegen's escapes end to end (its README's Special Characters example)", async () => {
    const response = await get(custom('~hspecial_characters~q/underscore__-dash--.png'))
    expect(response.statusCode).toBe(200)
    expect(
      response.rawPayload.equals(await postRender(['#special characters?', 'underscore_ dash-'])),
    ).toBe(true)
  })

  it('starts a new line at ~n, as \\n does through POST /api/meme', async () => {
    const response = await get(custom('TOP~nBOTTOM/Second~n~nbox.png'))
    expect(response.statusCode).toBe(200)
    const posted = await postRender(['TOP\nBOTTOM', 'Second\n\nbox'])
    const [url, post] = await Promise.all([decodePixels(response.rawPayload), decodePixels(posted)])
    expect(maxDifference(url, post)).toBe(0)
    // Not what the words on one line draw.
    const spaced = await decodePixels(await postRender(['TOP BOTTOM', 'Second box']))
    expect(maxDifference(url, spaced)).toBeGreaterThan(0)
  })

  it('leaves a box empty for `_`, and for a missing line', async () => {
    const blankTop = await get(custom('_/Bottom_only.png'))
    expect(blankTop.rawPayload.equals(await postRender(['', 'Bottom only']))).toBe(true)
    const one = await get(custom('Top_only.png'))
    expect(one.rawPayload.equals(await postRender(['Top only']))).toBe(true)
  })

  it('renders JPEG for .jpg and WebP for .webp', async () => {
    const jpeg = await get(custom('a/b.jpg'))
    expect(jpeg.headers['content-type']).toBe('image/jpeg')
    expect(jpeg.rawPayload.equals(await postRender(['a', 'b'], 'jpeg'))).toBe(true)
    const webp = await get(custom('a/b.webp'))
    expect(imageSize(webp.rawPayload).type).toBe('webp')
  })

  it('answers the same bytes and ETag every time; the ETag changes with what changes the bytes', async () => {
    const first = await get(custom('same/again.png'))
    const second = await get(custom('same/again.png'))
    expect(second.rawPayload.equals(first.rawPayload)).toBe(true)
    expect(second.headers.etag).toBe(first.headers.etag)
    const others = await Promise.all(
      [
        custom('same/other.png'),
        custom('same/again.jpg'),
        custom('same/again.png', 'font=serif'),
        custom('same/again.png', 'color=red'),
        custom('same/again.png', 'width=160'),
        custom('same/again.png', 'layout=top'),
      ].map((url) => get(url)),
    )
    const tags = new Set([first.headers.etag, ...others.map((r) => r.headers.etag)])
    expect(tags.size).toBe(7)
    // An unknown option is ignored, as memegen ignores it: the same image.
    const ignored = await get(custom('same/again.png', 'token=abc&watermark=none'))
    expect(ignored.headers.etag).toBe(first.headers.etag)
  })

  it('changes the ETag when the background upload is replaced', async () => {
    const key = 'uploads/3c1d2e3f-1111-4222-8333-777777777777.png'
    await putUpload(config, key, await makePicture('png', 320, 240), 'image/png')
    const url = `/api/images/custom/hello.png?background=${key}`
    const before = await get(url)
    await putUpload(config, key, await makePicture('png', 200, 200), 'image/png')
    const after = await get(url)
    expect(after.headers.etag).not.toBe(before.headers.etag)
    expect(imageSize(after.rawPayload)).toMatchObject({ width: 200, height: 200 })
  })
})

describe('over an animated upload', () => {
  it('answers .webp animated, and .png or a size of its own as the first frame, still', async () => {
    const key = 'uploads/3c1d2e3f-1111-4222-8333-888888888888.gif'
    const colours = [
      [200, 30, 30],
      [30, 30, 200],
    ] as const
    await putUpload(config, key, await makeAnimatedGif(320, 240, colours), 'image/gif')
    const url = (file: string, query = '') =>
      `/api/images/custom/${file}?background=${key}${query ? `&${query}` : ''}`

    const animated = await get(url('top/bottom.webp'))
    expect(animated.statusCode).toBe(200)
    expect(animated.headers['content-type']).toBe('image/webp')
    expect(await sharp(animated.rawPayload).metadata()).toMatchObject({
      pages: 2,
      delay: [100, 100],
    })

    for (const [file, query, type] of [
      ['top/bottom.png', '', 'png'],
      ['top/bottom.webp', 'width=160', 'webp'],
    ] as const) {
      const still = await get(url(file, query))
      expect(still.statusCode).toBe(200)
      const metadata = await sharp(still.rawPayload).metadata()
      expect(metadata.format).toBe(type)
      expect(metadata.pages ?? 1).toBe(1)
      const { data, info } = await sharp(still.rawPayload)
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true })
      const middle = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * 3
      const [r, , b] = data.subarray(middle, middle + 3)
      expect(r).toBeGreaterThan(180)
      expect(b).toBeLessThan(80)
    }
  })
})

describe('conditional requests and HEAD render nothing', () => {
  it('answers If-None-Match with 304, no body, no render', async () => {
    const url = custom('cached/once.png')
    const first = await get(url)
    expect(renders).toHaveBeenCalledTimes(1)
    for (const ifNoneMatch of [
      first.headers.etag!,
      `W/${first.headers.etag}`,
      `"x", ${first.headers.etag}`,
      '*',
    ]) {
      const again = await get(url, { 'if-none-match': ifNoneMatch })
      expect(again.statusCode).toBe(304)
      expect(again.rawPayload.length).toBe(0)
      expect(again.headers.etag).toBe(first.headers.etag)
      expect(again.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    }
    expect(renders).toHaveBeenCalledTimes(1)
    const stale = await get(url, { 'if-none-match': '"not-this-one"' })
    expect(stale.statusCode).toBe(200)
    expect(renders).toHaveBeenCalledTimes(2)
  })

  it('answers HEAD with the headers of GET and renders nothing', async () => {
    const url = custom('head/only.png')
    const head = await app.inject({ method: 'HEAD', url })
    expect(head.statusCode).toBe(200)
    expect(head.rawPayload.length).toBe(0)
    expect(head.headers['content-type']).toBe('image/png')
    expect(head.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(renders).not.toHaveBeenCalled()
    const got = await get(url)
    expect(head.headers.etag).toBe(got.headers.etag)
    expect(renders).toHaveBeenCalledTimes(1)
  })

  it('answers HEAD and 304 without a Content-Length: the length is not known before a render', async () => {
    const url = custom('head/length.png')
    const head = await app.inject({ method: 'HEAD', url })
    expect(head.statusCode).toBe(200)
    expect(head.headers['content-length']).toBeUndefined()
    const got = await get(url)
    expect(Number(got.headers['content-length'])).toBe(got.rawPayload.length)
    const notModified = await get(url, { 'if-none-match': got.headers.etag as string })
    expect(notModified.statusCode).toBe(304)
    expect(notModified.headers['content-length']).toBeUndefined()
    // Over a socket too, where Node writes the head itself (app.close() stops the listener).
    const address = await app.listen({ host: '127.0.0.1', port: 0 })
    const overHttp = await fetch(`${address}${url}`, { method: 'HEAD' })
    expect(overHttp.status).toBe(200)
    expect(overHttp.headers.get('etag')).toBe(got.headers.etag)
    expect(overHttp.headers.get('content-length')).toBeNull()
  })

  it('reads the background upload once per request: one HEAD, and no GET once it is decoded', async () => {
    await get(custom('warm/cache.png'))
    const sends = vi.spyOn(app.s3, 'send')
    try {
      const response = await get(custom('new/text.png'))
      expect(response.statusCode).toBe(200)
      const commands = sends.mock.calls.map(([command]) => command.constructor.name)
      expect(commands).toEqual(['HeadObjectCommand'])
    } finally {
      sends.mockRestore()
    }
  })

  it("asks S3 nothing for a template's picture once it is decoded: template pictures never change", async () => {
    await get('/api/images/blank-square-blue/warm/cache.png?v=1')
    const sends = vi.spyOn(app.s3, 'send')
    try {
      const response = await get('/api/images/blank-square-blue/new/text.png?v=1')
      expect(response.statusCode).toBe(200)
      expect(response.headers['content-type']).toBe('image/png')
      expect(sends.mock.calls.map(([command]) => command.constructor.name)).toEqual([])
    } finally {
      sends.mockRestore()
    }
  })

  it('answers a HEAD for a bad URL as GET would', async () => {
    const head = await app.inject({ method: 'HEAD', url: custom('a~zb.png') })
    expect(head.statusCode).toBe(400)
    expect(head.headers['cache-control']).toBe('no-store')
  })
})

describe('options', () => {
  it('scales to width or height keeping the aspect, and pads to both', async () => {
    const byWidth = await get(custom('w.png', 'width=160'))
    expect(imageSize(byWidth.rawPayload)).toMatchObject({ width: 160, height: 120 })
    const byHeight = await get(custom('h.png', 'height=60'))
    expect(imageSize(byHeight.rawPayload)).toMatchObject({ width: 80, height: 60 })
    const both = await get(custom('b.jpg', 'width=100&height=100'))
    expect(imageSize(both.rawPayload)).toMatchObject({ type: 'jpg', width: 100, height: 100 })
    const up = await get(custom('u.png', `width=${config.maxEdge}`))
    expect(imageSize(up.rawPayload).width).toBe(config.maxEdge)
  })

  it('scales as it encodes: a scaled JPEG is one lossy encode of the drawn meme', async () => {
    const scaledJpeg = await get(custom('once/only.jpg', 'width=200&height=200'))
    expect(scaledJpeg.statusCode).toBe(200)
    // The same meme drawn losslessly, then scaled and encoded once as the renderer encodes
    // JPEG (quality 85, white where there is no picture): the bytes the URL must give. A
    // render encoded as JPEG first and then scaled would be a second lossy generation.
    const lossless = await postRender(['once', 'only'], 'png')
    const once = await sharp(lossless)
      .resize(200, 200, { fit: 'contain', background: '#ffffff' })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85, optimiseCoding: false })
      .toBuffer()
    expect(scaledJpeg.rawPayload.equals(once)).toBe(true)
    // PNG is lossless either way: the scaled image is the drawn one, scaled.
    const scaledPng = await get(custom('once/only.png', 'width=160'))
    const reference = await sharp(lossless).resize(160).png().toBuffer()
    expect(
      maxDifference(await decodePixels(scaledPng.rawPayload), await decodePixels(reference)),
    ).toBe(0)
  })

  it.each([
    ['width=0', /width must be a whole number of pixels from 1 to \d+, not "0"/],
    ['width=-1', /not "-1"/],
    ['width=99999', /not "99999"/],
    ['height=abc', /height must be a whole number.*not "abc"/],
    ['width=1.5', /not "1.5"/],
    ['width=1&width=2', /width is given 2 times|must be string/],
    ['font=comic', /font must be one of anton, sans, serif, hand, not "comic"/],
    ['color=notacolour', /color takes <text>\[,<outline>\].*not "notacolour"/],
    ['color=red,blue,green', /not "red,blue,green"/],
    ['color=DEADBEEF', /not "DEADBEEF"/],
    ['layout=bottom', /layout must be top or default, not "bottom"/],
    ['v=1', /custom has no versions/],
  ])('refuses %s, saying what it takes', async (query, message) => {
    const response = await get(custom('x.png', query))
    expect(response.statusCode).toBe(400)
    expect(['BAD_IMAGE_URL', 'VALIDATION']).toContain(response.json().code)
    expect(response.json().message).toMatch(message)
    expect(response.headers['cache-control']).toBe('no-store')
    expect(renders).not.toHaveBeenCalled()
  })

  it('takes the caption fonts and CSS colours (names, hex, text,outline)', async () => {
    const plain = await get(custom('Colour.png'))
    for (const query of ['font=serif', 'color=red', 'color=ff0000', 'color=%23f00,white']) {
      const response = await get(custom('Colour.png', query))
      expect(response.statusCode, query).toBe(200)
      expect(response.rawPayload.equals(plain.rawPayload), query).toBe(false)
    }
    const [named, hex] = await Promise.all([
      get(custom('Colour.png', 'color=Red')),
      get(custom('Colour.png', 'color=%23FF0000')),
    ])
    expect(named.rawPayload.equals(hex.rawPayload)).toBe(true)
  })

  it('stacks lines from the top with layout=top, and refuses more lines than boxes without it', async () => {
    const stacked = await get(custom('one/two/three.png', 'layout=top'))
    expect(stacked.statusCode).toBe(200)
    expectRefused(
      await get(custom('one/two/three.png')),
      400,
      'BAD_IMAGE_URL',
      'The URL has 3 lines, but template custom has 2 text boxes',
    )
  })
})

describe('refusals', () => {
  const longPath = `custom/${'a/'.repeat(1100)}a.png?background=${KEY}`
  it.each([
    ['an unknown escape', custom('a~zb.png'), 400, 'BAD_IMAGE_URL', /unknown escape ~z/],
    ['a NUL', custom('a%00b.png'), 400, 'BAD_IMAGE_URL', /control character/],
    // A URL's `..` steps are resolved before routing (as CloudFront and API Gateway do): it
    // names another route, never a file.
    [
      '.. as a path step',
      '/api/images/../x.png',
      404,
      'NOT_FOUND',
      'Route GET /api/x.png not found',
    ],
    ['%2e%2e as a path step', '/api/images/%2e%2e/x.png', 404, 'NOT_FOUND', /not found/],
    [
      '.. as the template, escaped',
      '/api/images/%2E%2E%2Fetc/x.png',
      400,
      'BAD_IMAGE_URL',
      /template id "\.\.\/etc" is not one/,
    ],
    ['.. in a line is text', custom('..%2F..%2Fetc~spasswd.png'), 200, '', /./],
    [
      'a path over 2000 characters',
      `/api/images/${longPath}`,
      400,
      'BAD_IMAGE_URL',
      /at most 2000/,
    ],
    ['11 lines', custom(`${'a/'.repeat(10)}a.png`), 400, 'BAD_IMAGE_URL', /11 lines; at most 10/],
    [
      'a 501-character line',
      custom(`${'a'.repeat(501)}.png`),
      400,
      'BAD_IMAGE_URL',
      /501 characters/,
    ],
    [
      '.gif',
      custom('a.gif'),
      400,
      'BAD_IMAGE_URL',
      /must end in .png, .jpg, .jpeg, .webp, not .gif/,
    ],
    ['no extension', custom('a'), 400, 'BAD_IMAGE_URL', /must end in/],
    ['no background', '/api/images/custom/a.png', 400, 'BAD_IMAGE_URL', /add \?background=/],
    [
      'a background outside uploads/',
      '/api/images/custom/a.png?background=templates/x.png',
      400,
      'BAD_IMAGE_URL',
      /background must be an upload's key/,
    ],
    [
      'a background path',
      '/api/images/custom/a.png?background=uploads/../secret.png',
      400,
      'BAD_IMAGE_URL',
      /background must be/,
    ],
    [
      'a background that is gone',
      `/api/images/custom/a.png?background=${MISSING_KEY}`,
      404,
      'IMAGE_NOT_FOUND',
      /./,
    ],
    [
      'an unknown template',
      '/api/images/no-such-template/a/b.png',
      404,
      'TEMPLATE_NOT_FOUND',
      'No template has the id no-such-template',
    ],
  ])('%s', async (_name, url, status, code, message) => {
    const response = await get(url)
    if (status === 200) {
      expect(response.statusCode).toBe(200)
      expect(response.rawPayload.equals(await postRender(['../../etc/passwd']))).toBe(true)
      return
    }
    expectRefused(response, status, code, message)
    expect(renders).not.toHaveBeenCalled()
  })

  it('refuses a malformed percent-escape', async () => {
    const response = await get(custom('100%.png'))
    expect(response.statusCode).toBe(400)
    expect(['BAD_IMAGE_URL', 'BAD_URL']).toContain(response.json().code)
    expect(response.json().message).toMatch(/malformed %-escape|malformed percent-escape/)
  })
})

describe('GET /api/images/<template>/<lines>.<ext>', () => {
  it("redirects a URL without the template's version to the one naming it, then renders it", async () => {
    const response = await get('/api/images/blank-4x3-white/Top/Bottom.png?width=512')
    expect(response.statusCode).toBe(302)
    expect(response.headers.location).toBe(
      '/api/images/blank-4x3-white/Top/Bottom.png?width=512&v=1',
    )
    expect(response.headers['cache-control']).toBe('public, max-age=60')
    const stale = await get('/api/images/blank-4x3-white/Top/Bottom.png?v=99')
    expect(stale.statusCode).toBe(302)
    expect(stale.headers.location).toBe('/api/images/blank-4x3-white/Top/Bottom.png?v=1')
    expect(renders).not.toHaveBeenCalled()
    const image = await get(response.headers.location as string)
    expect(image.statusCode).toBe(200)
    expect(image.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(imageSize(image.rawPayload)).toMatchObject({ type: 'png', width: 512, height: 384 })
    const again = await get(response.headers.location as string, {
      'if-none-match': image.headers.etag as string,
    })
    expect(again.statusCode).toBe(304)
    expect(renders).toHaveBeenCalledTimes(1)
  })
})

describe('through the render function behind API Gateway (REST API, Lambda proxy)', () => {
  type Answer = {
    statusCode: number
    headers: Record<string, string>
    body: string
    isBase64Encoded?: boolean
  }
  let handler: (event: unknown, context: unknown) => Promise<Answer>
  beforeAll(async () => {
    // The function reads its config from the environment at cold start, as on AWS.
    for (const [name, value] of Object.entries({
      S3_ENDPOINT: s3.endpoint,
      DYNAMODB_ENDPOINT: config.dynamodb.endpoint!,
      RECORDS_TABLE: config.recordsTable,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      LOG_LEVEL: 'error',
    })) {
      vi.stubEnv(name, value)
    }
    handler = (await lambdaHandler(render)) as unknown as typeof handler
  })
  afterAll(() => {
    vi.unstubAllEnvs()
  })

  // A REST API hands the path over as the client sent it, percent-escapes and all (live
  // captures: https://github.com/hotsock/voker/blob/a1c00bf491e026f81917cc2edfdaca03eabc7518/vokerhttp/testdata/ingress-paths.json);
  // only HTTP APIs decode it.
  const LINE = '100%25_a%2Fb~sc'

  it('renders a line holding %2F, %25 and ~s as app.inject does', async () => {
    const url = `/api/images/custom/${LINE}.png`
    const answer = await handler(restEvent('GET', url, { query: { background: KEY } }), {})
    expect(answer.statusCode).toBe(200)
    expect(answer.isBase64Encoded).toBe(true)
    expect(answer.headers['content-type']).toBe('image/png')
    const bytes = Buffer.from(answer.body, 'base64')
    const injected = await get(custom(`${LINE}.png`))
    expect(answer.headers.etag).toBe(injected.headers.etag)
    expect(bytes.equals(injected.rawPayload)).toBe(true)
    expect(bytes.equals(await postRender(['100% a/b/c']))).toBe(true)
  })

  it("answers HEAD with the GET's ETag and no Content-Length, rendering nothing", async () => {
    const url = `/api/images/custom/${LINE}.png`
    const head = await handler(restEvent('HEAD', url, { query: { background: KEY } }), {})
    expect(head.statusCode).toBe(200)
    expect(head.body).toBe('')
    expect(head.headers['content-length']).toBeUndefined()
    expect(head.headers.etag).toBe((await get(custom(`${LINE}.png`))).headers.etag)
  })
})
