import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeXhr, fakeApi, heldReply, json } from '@/api/__tests__/fake-network.ts'
import { useEditorStore } from '../editor.ts'

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const pngFile = (name = 'cat.png', size = 4096) => {
  const bytes = new Uint8Array(size)
  bytes.set(PNG_BYTES)
  return new File([bytes], name, { type: 'image/png' })
}

const LIMITS = {
  maxUploadBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  imageTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
}
const SIGNED = {
  url: 'http://s3.test/meme-studio-uploads',
  fields: {
    key: 'uploads/0b7f.png',
    'Content-Type': 'image/png',
    Policy: 'eyJleHBpcmF0aW9uIjoi',
    'X-Amz-Signature': 'abc123',
  },
  key: 'uploads/0b7f.png',
  expiresAt: '2030-01-01T00:05:00.000Z',
  maxBytes: LIMITS.maxUploadBytes,
}
const RENDERED_BYTES = new Uint8Array([...PNG_BYTES, 1, 2, 3])
const RENDERED_BASE64 = btoa(String.fromCharCode(...RENDERED_BYTES))
const RENDERED = { meme_data: RENDERED_BASE64, meme_type: 'image/png' }

const tooLargeXml =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>'

async function editorWithPicture() {
  const editor = useEditorStore()
  await editor.choosePicture(pngFile())
  expect(editor.pictureError).toBeNull()
  const [top, bottom] = editor.captions
  editor.setCaptionText(top!.id, '  One does not simply  ')
  editor.setCaptionText(bottom!.id, '')
  return editor
}

async function nextUpload(count: number): Promise<FakeXhr> {
  await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(count))
  return FakeXhr.sent[count - 1]!
}

beforeEach(() => {
  setActivePinia(createPinia())
  FakeXhr.install()
})

describe('generating a meme', () => {
  it('signs, uploads with progress, renders and shows the result', async () => {
    const render = heldReply(json(200, RENDERED))
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': render.reply,
    })
    const editor = await editorWithPicture()
    expect(editor.canGenerate).toBe(true)

    const generating = editor.generate()
    const upload = await nextUpload(1)

    const [sign] = api.requestsTo('/api/sign-s3-request')
    expect(sign?.url.searchParams.get('filename')).toBe('cat.png')
    expect(sign?.url.searchParams.get('contentType')).toBe('image/png')

    expect(editor.phase).toBe('uploading')
    expect(editor.canGenerate).toBe(false)
    upload.progress(42, 100)
    expect(editor.uploadPercent).toBe(42)

    // The policy's fields in their order, then the file, last, under the name "file".
    expect(upload.method).toBe('POST')
    expect(upload.url).toBe(SIGNED.url)
    const entries = [...upload.body!.entries()]
    expect(entries.map(([name]) => name)).toEqual([...Object.keys(SIGNED.fields), 'file'])
    expect(entries.at(-1)?.[1]).toBeInstanceOf(File)
    expect(api.requestsTo('/api/meme')).toHaveLength(0)

    upload.respond(204)
    await vi.waitFor(() => expect(editor.phase).toBe('rendering'))
    expect(editor.meme).toBeNull()
    render.release()
    await generating

    const [renderRequest] = api.requestsTo('/api/meme')
    expect(renderRequest?.method).toBe('POST')
    expect(JSON.parse(renderRequest!.body!)).toEqual({
      image: SIGNED.key,
      captions: [{ text: 'One does not simply', x: 0.5, y: 0.15 }],
    })
    expect(editor.phase).toBe('idle')
    expect(editor.generateError).toBeNull()
    expect(editor.meme?.url).toMatch(/^blob:/)
    expect(editor.meme?.type).toBe('image/png')
    expect(editor.meme?.filename).toBe('meme.png')
    expect(new Uint8Array(await editor.meme!.blob.arrayBuffer())).toEqual(RENDERED_BYTES)
  })

  it('explains a refused upload and lets the person try again', async () => {
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': json(200, RENDERED),
    })
    const editor = await editorWithPicture()

    const firstTry = editor.generate()
    ;(await nextUpload(1)).respond(400, tooLargeXml)
    await firstTry

    expect(editor.generateError).toBe(
      'That picture is larger than the upload limit of 10 MB. Choose a smaller one.',
    )
    expect(editor.meme).toBeNull()
    expect(editor.phase).toBe('idle')
    expect(api.requestsTo('/api/meme')).toHaveLength(0)
    expect(editor.canGenerate).toBe(true)

    const retry = editor.generate()
    expect(editor.generateError).toBeNull()
    ;(await nextUpload(2)).respond(204)
    await retry
    expect(editor.meme?.type).toBe('image/png')
  })

  it('says the storage could not be reached when the upload fails on the network', async () => {
    fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
    })
    const editor = await editorWithPicture()
    const generating = editor.generate()
    ;(await nextUpload(1)).failNetwork()
    await generating
    expect(editor.generateError).toBe(
      "We couldn't reach the storage service. Check your connection and try again.",
    )
  })

  it('keeps the uploaded picture when only the render failed', async () => {
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': [
        json(503, {
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'queue',
          code: 'BUSY',
        }),
        json(200, RENDERED),
      ],
    })
    const editor = await editorWithPicture()
    const firstTry = editor.generate()
    ;(await nextUpload(1)).respond(204)
    await firstTry
    expect(editor.generateError).toBe(
      'meme-studio is busy right now. Please try again in a moment.',
    )

    await editor.generate()
    expect(FakeXhr.sent).toHaveLength(1)
    expect(api.requestsTo('/api/sign-s3-request')).toHaveLength(1)
    expect(editor.meme).not.toBeNull()
  })

  it('uploads again when the server lost the picture', async () => {
    fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': [
        json(404, {
          statusCode: 404,
          error: 'Not Found',
          message: 'gone',
          code: 'IMAGE_NOT_FOUND',
        }),
        json(200, RENDERED),
      ],
    })
    const editor = await editorWithPicture()
    const firstTry = editor.generate()
    ;(await nextUpload(1)).respond(204)
    await firstTry
    expect(editor.generateError).toContain("couldn't be found any more")

    const retry = editor.generate()
    ;(await nextUpload(2)).respond(204)
    await retry
    expect(editor.meme).not.toBeNull()
  })

  it('turns a proxy page in place of the API into a sentence', async () => {
    fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': {
        status: 502,
        body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
        contentType: 'text/html',
      },
    })
    const editor = await editorWithPicture()
    await editor.generate()
    expect(editor.generateError).toBe(
      "The meme-studio server isn't available right now. Please try again in a moment.",
    )
    expect(FakeXhr.sent).toHaveLength(0)
  })

  it('says so when the API cannot be reached at all', async () => {
    fakeApi({ '/api/limits': json(200, LIMITS), '/api/sign-s3-request': 'network-error' })
    const editor = await editorWithPicture()
    await editor.generate()
    expect(editor.generateError).toBe(
      "We couldn't reach meme-studio. Check your connection and try again.",
    )
  })
})

describe('choosing a picture', () => {
  it('refuses a text file named like a picture without calling the upload API', async () => {
    const api = fakeApi({ '/api/limits': json(200, LIMITS) })
    const editor = useEditorStore()
    await editor.choosePicture(new File(['just words'], 'cat.png', { type: 'image/png' }))

    expect(editor.pictureError).toBe(
      "That file isn't a picture we can use. Choose a JPEG, PNG, WebP or GIF.",
    )
    expect(editor.picture).toBeNull()
    expect(api.requests.map((request) => request.url.pathname)).toEqual(['/api/limits'])
  })

  it('applies the limits the server announces', async () => {
    fakeApi({ '/api/limits': json(200, { ...LIMITS, maxUploadBytes: 1024 }) })
    const editor = useEditorStore()
    await editor.choosePicture(pngFile('big.png', 2048))
    expect(editor.pictureError).toBe('That picture is 2 KB; the limit is 1 KB.')
  })

  it('falls back to the default limits when the server cannot say', async () => {
    fakeApi({ '/api/limits': { status: 500, body: 'oops' } })
    const editor = useEditorStore()
    await editor.choosePicture(pngFile('big.png', 11 * 1024 * 1024))
    expect(editor.pictureError).toBe('That picture is 11 MB; the limit is 10 MB.')

    await editor.choosePicture(pngFile('small.png'))
    expect(editor.pictureError).toBeNull()
    expect(editor.picture?.file.name).toBe('small.png')
  })

  it('cannot generate before a picture and a caption are there', async () => {
    fakeApi({ '/api/limits': json(200, LIMITS) })
    const editor = useEditorStore()
    expect(editor.canGenerate).toBe(false)
    editor.setCaptionText(editor.captions[0]!.id, 'Hello')
    expect(editor.canGenerate).toBe(false)
    expect(editor.generateBlocker).toBe('Choose a picture to go with your caption.')
    await editor.choosePicture(pngFile())
    expect(editor.canGenerate).toBe(true)
    editor.setCaptionText(editor.captions[0]!.id, '   ')
    expect(editor.canGenerate).toBe(false)
  })
})
