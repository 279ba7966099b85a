import { CAPTION_LIMITS, STARTING_CAPTION_BOXES, type MeasureText } from '@meme-studio/meme-core'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeXhr, fakeApi, heldReply, json } from '@/api/__tests__/fake-network.ts'
import type { CaptionBox } from '@/editor/box-geometry.ts'
import { boxOf, placeAddedBox, TEXT_DOES_NOT_FIT, useEditorStore } from '../editor.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const pngFile = (name = 'cat.png', size = 4096) => {
  const bytes = new Uint8Array(size)
  bytes.set(PNG_BYTES)
  return new File([bytes], name, { type: 'image/png' })
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

/** Every character half an em wide: enough to make fitting real without a canvas. */
const mono: MeasureText = (text, font) => text.length * 0.5 * Number.parseFloat(font)

beforeEach(() => {
  setActivePinia(createPinia())
  FakeXhr.install()
  // happy-dom decodes no pixels: the pictures here are 800 x 600.
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(800)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(600)
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
    // No format chosen: none is sent, and the server answers in the picture's own.
    expect(JSON.parse(renderRequest!.body!)).toEqual({
      image: SIGNED.key,
      captions: [
        { text: 'One does not simply', x: 0.5, y: 0.12, width: 0.9, height: 0.2, rotation: 0 },
      ],
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

describe('caption boxes', () => {
  it('starts with a top and a bottom box, the top one selected', () => {
    const editor = useEditorStore()
    expect(editor.captions.map(({ id: _id, ...caption }) => caption)).toEqual([
      { text: '', x: 0.5, y: 0.12, width: 0.9, height: 0.2, rotation: 0 },
      { text: '', x: 0.5, y: 0.88, width: 0.9, height: 0.2, rotation: 0 },
    ])
    expect(editor.selectedId).toBe(editor.captions[0]!.id)
  })

  it("starts its boxes where meme-core's STARTING_CAPTION_BOXES says, the one source of them", () => {
    const editor = useEditorStore()
    expect(editor.captions.map(({ id: _id, text: _text, ...box }) => box)).toEqual(
      STARTING_CAPTION_BOXES,
    )
    expect(STARTING_CAPTION_BOXES.map(({ y }) => y)).toEqual([0.12, 0.88])
  })

  it('adds boxes where they are free, each selected, up to the limit, then refuses', () => {
    const editor = useEditorStore()
    const first = editor.addCaption()
    // Between the starting top (0.02–0.22) and bottom (0.78–0.98) boxes.
    expect(first).toMatchObject({ text: '', x: 0.5, y: 0.5, width: 0.8, height: 0.2 })
    expect(editor.selectedId).toBe(first!.id)

    while (editor.captions.length < CAPTION_LIMITS.maxCaptions) {
      expect(editor.addCaption()).toBeDefined()
    }
    // Ten boxes: each wholly on the picture, no two centred on the same spot.
    for (const caption of editor.captions) {
      const box = boxOf(caption)
      expect(box.x - box.width / 2).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width / 2).toBeLessThanOrEqual(1)
      expect(box.y - box.height / 2).toBeGreaterThanOrEqual(0)
      expect(box.y + box.height / 2).toBeLessThanOrEqual(1)
    }
    const centres = editor.captions.map((caption) => `${caption.x},${caption.y}`)
    expect(new Set(centres).size).toBe(10)
    expect(editor.captions).toHaveLength(10)
    expect(editor.canAddCaption).toBe(false)
    expect(editor.addCaption()).toBeUndefined()
    expect(editor.captions).toHaveLength(10)
    expect(new Set(editor.captions.map((caption) => caption.id)).size).toBe(10)
  })

  it('places an added box clear of the others when there is room', () => {
    const overlaps = (a: CaptionBox, b: CaptionBox) =>
      Math.abs(a.x - b.x) < (a.width + b.width) / 2 - 1e-9 &&
      Math.abs(a.y - b.y) < (a.height + b.height) / 2 - 1e-9
    const top = { x: 0.5, y: 0.15, width: 0.9, height: 0.3, rotation: 0 }
    const middle = { x: 0.5, y: 0.5, width: 0.9, height: 0.2, rotation: 0 }
    const free = placeAddedBox([top, middle])
    expect(free).toMatchObject({ x: 0.5, y: 0.7, width: 0.8, height: 0.2, rotation: 0 })
    expect(overlaps(free, top) || overlaps(free, middle)).toBe(false)

    // A box turned upright covers 0.25–0.75 of the height: the new one goes below it.
    const upright = { x: 0.5, y: 0.5, width: 0.5, height: 0.1, rotation: 90 }
    expect(placeAddedBox([upright, top])).toMatchObject({ x: 0.5, y: 0.85 })

    // The picture's shape counts: on a picture four times taller than wide, an upright box
    // 0.3 widths long spans only 0.075 of the height.
    const short = { ...upright, width: 0.3 }
    expect(placeAddedBox([short], 0.25)).toMatchObject({ x: 0.5, y: 0.35 })
    expect(Math.abs(placeAddedBox([short], 1).y - 0.5)).toBeGreaterThanOrEqual(0.25)
  })

  it('when no place is free, places an added box over as little as it can, never stacked', () => {
    const full = [0.1, 0.3, 0.5, 0.7, 0.9].map((y) => ({
      x: 0.5,
      y,
      width: 1,
      height: 0.2,
      rotation: 0,
    }))
    const placed = placeAddedBox(full)
    expect(full.some((box) => box.x === placed.x && box.y === placed.y)).toBe(false)
    expect(placed.y - placed.height / 2).toBeGreaterThanOrEqual(0)
    expect(placed.y + placed.height / 2).toBeLessThanOrEqual(1)
  })

  it('removes a box and selects its neighbour', () => {
    const editor = useEditorStore()
    const [top, bottom] = editor.captions
    editor.removeCaption(top!.id)
    expect(editor.captions.map((caption) => caption.id)).toEqual([bottom!.id])
    expect(editor.selectedId).toBe(bottom!.id)
    editor.removeCaption(bottom!.id)
    expect(editor.captions).toEqual([])
    expect(editor.selectedId).toBeNull()
    expect(editor.generateBlocker).toBe('Choose a picture and write a caption to begin.')
    expect(editor.addCaption()).toBeDefined()
  })

  it('nudges a box and keeps its centre on the picture', () => {
    const editor = useEditorStore()
    const top = editor.captions[0]!
    editor.nudgeCaption(top.id, 0.01, -0.05)
    expect(top).toMatchObject({ x: 0.51, y: 0.07 })
    editor.nudgeCaption(top.id, 0, -0.5)
    expect(top.y).toBe(0)
    editor.nudgeCaption(top.id, 2, 0)
    expect(top.x).toBe(1)
  })

  it('updates the style, within the API limits, ignoring what it would refuse', () => {
    const editor = useEditorStore()
    const top = editor.captions[0]!
    editor.updateCaption(top.id, {
      font: 'serif',
      color: '#ffee00',
      strokeColor: '#123456',
      strokeWidth: 0,
      align: 'left',
      uppercase: false,
      shadow: true,
      scale: 1.5,
    })
    expect(top).toMatchObject({
      font: 'serif',
      color: '#ffee00',
      strokeColor: '#123456',
      strokeWidth: 0,
      align: 'left',
      uppercase: false,
      shadow: true,
      scale: 1.5,
    })

    editor.updateCaption(top.id, {
      color: 'red',
      scale: 10,
      strokeWidth: 1,
      width: 0.001,
      height: 3,
      rotation: -500,
    })
    expect(top).toMatchObject({
      color: '#ffee00',
      scale: CAPTION_LIMITS.maxScale,
      strokeWidth: CAPTION_LIMITS.maxStrokeWidth,
      width: CAPTION_LIMITS.minWidth,
      height: 1,
      rotation: -180,
    })
  })

  it('keeps line breaks, reads \\r\\n and \\r as \\n, and makes other control characters spaces', () => {
    const editor = useEditorStore()
    const top = editor.captions[0]!
    expect(editor.setCaptionText(top.id, 'one\ntwo\tthree')).toBe(true)
    expect(top.text).toBe('one\ntwo three')
    expect(editor.setCaptionText(top.id, 'a\r\nb\rc\n\nd\u0000e\u0085f')).toBe(true)
    expect(top.text).toBe('a\nb\nc\n\nd e f')
  })

  it('lays the lines out in the preview as the server does: one per line break', () => {
    const editor = useEditorStore()
    editor.measureText = mono
    const top = editor.captions[0]!
    editor.setCaptionText(top.id, 'first line\nsecond line')
    const layout = editor.layouts.get(top.id)
    expect(layout?.lines.map((line) => line.text)).toEqual(['FIRST LINE', 'SECOND LINE'])
  })
})

describe('text that does not fit its box', () => {
  /** A box 5 % wide and 3 % tall on the 1200 x 900 stand-in: a few letters at the least. */
  function tinyBox() {
    const editor = useEditorStore()
    editor.measureText = mono
    const top = editor.captions[0]!
    editor.updateCaption(top.id, { width: 0.05, height: 0.03 })
    return { editor, top }
  }

  it('refuses typing that would overflow, keeping the text and saying why', () => {
    const { editor, top } = tinyBox()
    expect(editor.setCaptionText(top.id, 'ok')).toBe(true)
    expect(editor.refusedId).toBeNull()

    expect(editor.setCaptionText(top.id, 'ok this is far too long for so small a box')).toBe(false)
    expect(top.text).toBe('ok')
    expect(editor.refusedId).toBe(top.id)
    expect(editor.overflowingIds).toEqual([])
    expect(TEXT_DOES_NOT_FIT).toBe(
      'Too much text for this box — make it bigger or the text shorter.',
    )

    // A change that fits clears the refusal.
    expect(editor.setCaptionText(top.id, 'o')).toBe(true)
    expect(editor.refusedId).toBeNull()
  })

  it('marks a box made too small for its text, and blocks Generate until it fits again', async () => {
    fakeApi({ '/api/limits': json(200, LIMITS) })
    const editor = useEditorStore()
    editor.measureText = mono
    await editor.choosePicture(pngFile())
    const [top, bottom] = editor.captions
    editor.setCaptionText(bottom!.id, 'a caption long enough to need some room in its box')
    expect(editor.canGenerate).toBe(true)

    editor.updateCaption(bottom!.id, { width: 0.05, height: 0.03 })
    expect(editor.overflowingIds).toEqual([bottom!.id])
    expect(editor.canGenerate).toBe(false)
    expect(editor.generateBlocker).toBe(
      'Text 2 has too much text for its box — make the box bigger or the text shorter.',
    )
    // Deleting is always allowed, even while it still overflows.
    expect(editor.setCaptionText(bottom!.id, 'a caption long enough')).toBe(true)
    // Typing more is not.
    expect(editor.setCaptionText(bottom!.id, 'a caption long enough!')).toBe(false)

    editor.updateCaption(bottom!.id, { width: 0.9, height: 0.2 })
    expect(editor.overflowingIds).toEqual([])
    expect(editor.canGenerate).toBe(true)
    expect(top!.text).toBe('')
  })
})

describe('the request behind the result', () => {
  it('is what was sent: the key, the captions without ids, the chosen format', async () => {
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': json(200, { meme_data: RENDERED_BASE64, meme_type: 'image/webp' }),
    })
    const editor = await editorWithPicture()
    const [, bottom] = editor.captions
    editor.setCaptionText(bottom!.id, 'Bottom')
    editor.updateCaption(bottom!.id, { rotation: 15, font: 'hand', color: '#00ff00' })
    editor.setFormat('webp')
    expect(editor.lastRequest).toBeNull()

    const generating = editor.generate()
    ;(await nextUpload(1)).respond(204)
    await generating

    const expected = {
      image: SIGNED.key,
      captions: [
        { text: 'One does not simply', x: 0.5, y: 0.12, width: 0.9, height: 0.2, rotation: 0 },
        {
          text: 'Bottom',
          x: 0.5,
          y: 0.88,
          width: 0.9,
          height: 0.2,
          rotation: 15,
          font: 'hand',
          color: '#00ff00',
        },
      ],
      format: 'webp',
    }
    expect(JSON.parse(api.requestsTo('/api/meme')[0]!.body!)).toEqual(expected)
    expect(editor.lastRequest).toEqual(expected)
    expect(JSON.stringify(editor.lastRequest)).not.toContain('"id"')

    // Editing afterwards does not change what the result was made from.
    editor.setCaptionText(bottom!.id, 'Changed')
    expect(editor.lastRequest?.captions[1]?.text).toBe('Bottom')

    // A new picture drops the result, and with it the request.
    await editor.choosePicture(pngFile('other.png'))
    expect(editor.meme).toBeNull()
    expect(editor.lastRequest).toBeNull()
  })
})
