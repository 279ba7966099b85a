import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeXhr, fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { templateFixture } from '@/api/__tests__/template-fixtures.ts'
import { parseTags, useEditorStore } from '../editor.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const PICTURE = new Uint8Array([...PNG_BYTES, ...new Array<number>(64).fill(7)])
const SIGNED = {
  url: 'http://s3.test/bucket',
  fields: { key: 'uploads/0b7f.png', 'Content-Type': 'image/png' },
  key: 'uploads/0b7f.png',
  expiresAt: '2030-01-01T00:05:00.000Z',
  maxBytes: LIMITS.maxUploadBytes,
}
const RENDERED = { meme_data: btoa(String.fromCharCode(...PNG_BYTES)), meme_type: 'image/png' }
const YELLOW = templateFixture('blank-4x3-yellow', { name: 'Blank 4:3, yellow', version: 3 })
const pictureReply = { status: 200, body: PICTURE, contentType: 'image/png' }

beforeEach(() => {
  setActivePinia(createPinia())
  FakeXhr.install()
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(1024)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(768)
})

describe('choosing a template', () => {
  it('makes its picture the picture and its boxes the boxes, ready to type', async () => {
    fakeApi({
      '/api/limits': json(200, LIMITS),
      '/bucket/templates/blank-4x3-yellow.png': pictureReply,
    })
    const editor = useEditorStore()

    expect(await editor.chooseTemplate(YELLOW)).toBe(true)

    expect(editor.pictureError).toBeNull()
    expect(editor.picture?.type).toBe('image/png')
    expect(editor.picture?.file.name).toBe('blank-4x3-yellow.png')
    expect(new Uint8Array(await editor.picture!.file.arrayBuffer())).toEqual(PICTURE)
    expect(editor.captions.map(({ id: _id, ...box }) => box)).toEqual(YELLOW.boxes)
    expect(editor.selectedId).toBe(editor.captions[0]!.id)
    expect(editor.template).toMatchObject({ id: YELLOW.id, version: 3, boxes: YELLOW.boxes })
  })

  it('keeps text typed before, in order', async () => {
    fakeApi({
      '/api/limits': json(200, LIMITS),
      '/bucket/templates/blank-4x3-yellow.png': pictureReply,
    })
    const editor = useEditorStore()
    editor.setCaptionText(editor.captions[1]!.id, 'typed first')
    await editor.chooseTemplate(YELLOW)
    expect(editor.captions.map(({ text }) => text)).toEqual(['typed first', ''])
  })

  it('asks for fresh picture URLs once when storage refuses an old one', async () => {
    const fresh = templateFixture('blank-4x3-yellow', {
      imageUrl: 'http://s3.test/bucket/templates/fresh.png?X-Amz-Signature=new',
    })
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/bucket/templates/blank-4x3-yellow.png': { status: 403, body: '<Error/>' },
      '/api/templates/blank-4x3-yellow': json(200, fresh),
      '/bucket/templates/fresh.png': pictureReply,
    })
    const editor = useEditorStore()
    expect(await editor.chooseTemplate(YELLOW)).toBe(true)
    expect(api.requestsTo('/api/templates/blank-4x3-yellow')).toHaveLength(1)
    expect(editor.picture).not.toBeNull()
  })

  it('says in a sentence why it could not open the template', async () => {
    fakeApi({
      '/api/limits': json(200, LIMITS),
      '/bucket/templates/blank-4x3-yellow.png': { status: 403, body: '<Error/>' },
      '/api/templates/blank-4x3-yellow': json(404, {
        statusCode: 404,
        error: 'Not Found',
        message: 'No template blank-4x3-yellow',
        code: 'TEMPLATE_NOT_FOUND',
      }),
    })
    const editor = useEditorStore()
    expect(await editor.chooseTemplate(YELLOW)).toBe(false)
    expect(editor.picture).toBeNull()
    expect(editor.template).toBeNull()
    expect(editor.pictureError).toBe(
      "That template isn't there any more; it may have been deleted. Choose another one.",
    )
  })

  it('refuses a picture that is not one, as it refuses a file', async () => {
    fakeApi({
      '/api/limits': json(200, LIMITS),
      '/bucket/templates/blank-4x3-yellow.png': {
        status: 200,
        body: '<html>',
        contentType: 'text/html',
      },
    })
    const editor = useEditorStore()
    expect(await editor.chooseTemplate(YELLOW)).toBe(false)
    expect(editor.pictureError).toMatch(/JPEG, PNG, WebP or GIF/)
  })
})

describe('generating from a template', () => {
  it('names the template instead of uploading, and knows the image URL', async () => {
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/bucket/templates/blank-4x3-yellow.png': pictureReply,
      '/api/meme': json(200, RENDERED),
    })
    const editor = useEditorStore()
    await editor.chooseTemplate(YELLOW)
    editor.setCaptionText(editor.captions[0]!.id, ' Top text ')

    await editor.generate()

    expect(FakeXhr.sent).toHaveLength(0)
    expect(api.requestsTo('/api/sign-s3-request')).toHaveLength(0)
    const sent = JSON.parse(api.requestsTo('/api/meme')[0]!.body!)
    expect(sent).toEqual({
      template: YELLOW.id,
      captions: [{ ...YELLOW.boxes[0], text: 'Top text' }],
    })
    expect(editor.lastRequest).toEqual(sent)
    // Both boxes are lines of the URL, the empty one as `_`, at the template's version.
    expect(editor.renderedImagePath).toBe('/api/images/blank-4x3-yellow/Top_text/_.png?v=3')
  })

  it('has no image URL once a box has moved', async () => {
    fakeApi({
      '/api/limits': json(200, LIMITS),
      '/bucket/templates/blank-4x3-yellow.png': pictureReply,
      '/api/meme': json(200, RENDERED),
    })
    const editor = useEditorStore()
    await editor.chooseTemplate(YELLOW)
    editor.setCaptionText(editor.captions[0]!.id, 'Top text')
    editor.updateCaption(editor.captions[0]!.id, { y: 0.3 })
    await editor.generate()
    expect(editor.meme).not.toBeNull()
    expect(editor.renderedImagePath).toBeUndefined()
  })

  it('uploads a picture of your own again after a template: the template is forgotten', async () => {
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/bucket/templates/blank-4x3-yellow.png': pictureReply,
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': json(200, RENDERED),
    })
    const editor = useEditorStore()
    await editor.chooseTemplate(YELLOW)
    await editor.choosePicture(new File([PICTURE], 'mine.png', { type: 'image/png' }))
    expect(editor.template).toBeNull()
    editor.setCaptionText(editor.captions[0]!.id, 'Mine')

    const generating = editor.generate()
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    FakeXhr.sent[0]!.respond(204)
    await generating

    expect(JSON.parse(api.requestsTo('/api/meme')[0]!.body!).image).toBe(SIGNED.key)
    expect(editor.renderedImagePath).toBeUndefined()
  })
})

describe('saving as a template', () => {
  it('uploads the fetched picture, sends the boxes with their text cleared, and keeps the new template', async () => {
    const saved = templateFixture('tpl-1', { kind: 'saved', name: 'Office cat', version: 1 })
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/bucket/templates/blank-4x3-yellow.png': pictureReply,
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/templates': json(201, { template: saved, editToken: 'tok-1' }),
    })
    const editor = useEditorStore()
    await editor.chooseTemplate(YELLOW)
    editor.setCaptionText(editor.captions[0]!.id, 'not saved')

    const saving = editor.saveAsTemplate({
      name: '  Office cat ',
      tags: 'Cats, office,, cats',
      source: ' ',
    })
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    expect((FakeXhr.sent[0]!.body!.get('file') as File).name).toBe('blank-4x3-yellow.png')
    FakeXhr.sent[0]!.respond(204)
    const created = await saving

    expect(created.editToken).toBe('tok-1')
    expect(JSON.parse(api.requestsTo('/api/templates')[0]!.body!)).toEqual({
      image: SIGNED.key,
      name: 'Office cat',
      tags: ['cats', 'office'],
      boxes: YELLOW.boxes,
    })
    expect(editor.template?.id).toBe('tpl-1')
    expect(editor.phase).toBe('idle')
  })

  it('splits tags on commas, lower-cased, once each', () => {
    expect(parseTags(' Cats ,office,,CATS, ')).toEqual(['cats', 'office'])
    expect(parseTags('')).toEqual([])
  })
})
