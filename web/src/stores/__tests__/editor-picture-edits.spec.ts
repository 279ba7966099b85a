import type { MeasureText } from '@meme-studio/meme-core'
import type { MemeRequest } from '@meme-studio/meme-core/schema'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeXhr, fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'
import { cropToRatio } from '@/editor/picture-edits.ts'
import { useCropStore } from '../crop.ts'
import { REFRESH_AFTER_MS, useEditorStore } from '../editor.ts'

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const pngFile = (name = 'cat.png') => {
  const bytes = new Uint8Array(4096)
  bytes.set(PNG_BYTES)
  return new File([bytes], name, { type: 'image/png' })
}
const SIGNED = {
  url: 'http://s3.test/meme-studio-uploads',
  fields: { key: 'uploads/0b7f.png', 'Content-Type': 'image/png' },
  key: 'uploads/0b7f.png',
  expiresAt: '2030-01-01T00:05:00.000Z',
  maxBytes: LIMITS.maxUploadBytes,
}
const rendered = json(200, {
  meme_data: btoa(String.fromCharCode(...PNG_BYTES)),
  meme_type: 'image/png',
})
const mono: MeasureText = (text, font) => text.length * 0.5 * Number.parseFloat(font)

type Api = ReturnType<typeof fakeApi>
const bodyOf = (api: Api, index: number) =>
  JSON.parse(api.requestsTo('/api/meme')[index]!.body!) as MemeRequest

let api: Api

/** An 800 x 600 picture with "Hello" in the top box. */
async function pictureChosen() {
  const editor = useEditorStore()
  editor.measureText = mono
  await editor.choosePicture(pngFile())
  editor.setCaptionText(editor.captions[0]!.id, 'Hello')
  return editor
}

async function generated() {
  const editor = await pictureChosen()
  const generating = editor.generate()
  await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
  FakeXhr.sent[0]!.respond(204)
  await generating
  expect(editor.meme).not.toBeNull()
  return editor
}

beforeEach(() => {
  setActivePinia(createPinia())
  FakeXhr.install()
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(800)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(600)
  api = fakeApi({
    '/api/limits': json(200, LIMITS),
    '/api/sign-s3-request': json(200, SIGNED),
    '/api/meme': rendered,
  })
})
afterEach(() => vi.useRealTimers())

describe('picture edits in the editor', () => {
  it('turn the picture a quarter at a time, the preview size with it', async () => {
    const editor = await pictureChosen()
    expect(editor.renderSize).toEqual({ width: 800, height: 600 })
    editor.rotateRight()
    expect(editor.edits).toEqual({ rotate: 90 })
    expect(editor.renderSize).toEqual({ width: 600, height: 800 })
    editor.rotateLeft()
    editor.rotateLeft()
    expect(editor.edits).toEqual({ rotate: 270 })
  })

  it('keep a turn after a mirror as what was seen: the other mirror after the turn', async () => {
    const editor = await pictureChosen()
    editor.flipHorizontal()
    editor.rotateRight()
    expect(editor.edits).toEqual({ rotate: 90, flipVertical: true })
    editor.flipVertical()
    expect(editor.edits).toEqual({ rotate: 90 })
  })

  it('crop to a fixed shape in pixels of the turned picture, then add bands of the cropped height', async () => {
    const editor = await pictureChosen()
    editor.rotateRight()
    const crop = useCropStore()
    crop.start()
    expect(crop.active).toBe(true)
    expect(crop.rotatedSize).toEqual({ width: 600, height: 800 })
    crop.setRatio('16:9')
    crop.apply()
    expect(crop.active).toBe(false)
    expect(editor.renderSize).toEqual({ width: 600, height: 338 })
    editor.setBands({ top: 0.5, bottom: 0.25, color: '#000000' })
    expect(editor.renderSize).toEqual({ width: 600, height: 338 + 169 + 85 })
    editor.resetEdits()
    expect(editor.edits).toEqual({})
    expect(editor.renderSize).toEqual({ width: 800, height: 600 })
  })

  it('cancelling a crop leaves the picture as it was', async () => {
    const editor = await pictureChosen()
    const crop = useCropStore()
    crop.start()
    crop.setRatio('1:1')
    crop.cancel()
    expect(editor.edits).toEqual({})
  })

  it('a turn while cropping (an undo, say) ends the crop: the rectangle was for the old turn', async () => {
    const editor = await pictureChosen()
    const crop = useCropStore()
    crop.start()
    crop.setRatio('1:1')
    editor.rotateRight()
    await Promise.resolve()
    expect(crop.active).toBe(false)
    expect(editor.edits).toEqual({ rotate: 90 })
  })

  it('are sent with the render, and only when they change something', async () => {
    const editor = await generated()
    expect(bodyOf(api, 0)).not.toHaveProperty('edits')
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })

    editor.rotateRight()
    editor.flipHorizontal()
    editor.setCrop(cropToRatio(1, { width: 600, height: 800 }))
    editor.setBands({ top: 0.2 })
    expect(editor.resultStale).toBe(true)
    await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS)
    await vi.waitFor(() => expect(editor.resultStale).toBe(false))
    expect(bodyOf(api, 1).edits).toEqual({
      rotate: 90,
      flipHorizontal: true,
      crop: { x: 0, y: 100 / 800, width: 1, height: 600 / 800 },
      bandTop: 0.2,
    })

    editor.resetEdits()
    expect(editor.resultStale).toBe(true)
    await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS)
    await vi.waitFor(() => expect(editor.resultStale).toBe(false))
    expect(bodyOf(api, 2)).not.toHaveProperty('edits')
  })

  it('a band colour alone, with no band, changes nothing that is rendered', async () => {
    const editor = await generated()
    editor.setBands({ color: '#000000' })
    expect(editor.resultStale).toBe(false)
  })

  it('start again with another picture', async () => {
    const editor = await pictureChosen()
    editor.rotateRight()
    editor.setBands({ bottom: 0.3 })
    await editor.choosePicture(pngFile('dog.png'))
    expect(editor.edits).toEqual({})
    expect(editor.renderSize).toEqual({ width: 800, height: 600 })
  })

  it('are part of the document that undo and drafts keep', async () => {
    const editor = await pictureChosen()
    editor.rotateRight()
    editor.setCrop({ x: 0.25, y: 0, width: 0.5, height: 1 })
    const saved = editor.snapshot()
    editor.resetEdits()
    editor.restore(saved)
    expect(editor.edits).toEqual({ rotate: 90, crop: { x: 0.25, y: 0, width: 0.5, height: 1 } })
  })
})
