import type { MeasureText } from '@meme-studio/meme-core'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeXhr, fakeApi, heldReply, json } from '@/api/__tests__/fake-network.ts'
import { REFRESH_AFTER_MS, useEditorStore } from '../editor.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const pngFile = () => {
  const bytes = new Uint8Array(4096)
  bytes.set(PNG_BYTES)
  return new File([bytes], 'cat.png', { type: 'image/png' })
}
const SIGNED = {
  url: 'http://s3.test/meme-studio-uploads',
  fields: { key: 'uploads/0b7f.png', 'Content-Type': 'image/png' },
  key: 'uploads/0b7f.png',
  expiresAt: '2030-01-01T00:05:00.000Z',
  maxBytes: LIMITS.maxUploadBytes,
}
/** A render whose last byte tells the renders apart. */
const rendered = (mark: number) =>
  json(200, {
    meme_data: btoa(String.fromCharCode(...PNG_BYTES, mark)),
    meme_type: 'image/png',
  })
const markOf = async (blob: Blob | undefined) => new Uint8Array(await blob!.arrayBuffer()).at(-1)

const mono: MeasureText = (text, font) => text.length * 0.5 * Number.parseFloat(font)

type Api = ReturnType<typeof fakeApi>
const renders = (api: Api) => api.requestsTo('/api/meme')
const renderedText = (api: Api, index: number) =>
  (JSON.parse(renders(api)[index]!.body!) as { captions: { text: string }[] }).captions.map(
    (caption) => caption.text,
  )

/** A picture, "Hello" in the top box, generated once; fake timers from then on. */
async function generatedOnce(api: Api) {
  const editor = useEditorStore()
  editor.measureText = mono
  await editor.choosePicture(pngFile())
  editor.setCaptionText(editor.captions[0]!.id, 'Hello')
  const generating = editor.generate()
  await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
  FakeXhr.sent[0]!.respond(204)
  await generating
  expect(renders(api)).toHaveLength(1)
  expect(editor.resultStale).toBe(false)
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  return editor
}

beforeEach(() => {
  setActivePinia(createPinia())
  FakeXhr.install()
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(800)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(600)
})
afterEach(() => vi.useRealTimers())

describe('a result that matches the boxes', () => {
  let api: Api
  beforeEach(() => {
    api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': [rendered(1), rendered(2), rendered(3), rendered(4), rendered(5)],
    })
  })

  it('is out of date after a text change, a move, a style change and a format change, and current again after the re-render', async () => {
    const editor = await generatedOnce(api)
    const top = editor.captions[0]!.id
    const edits: [string, () => void][] = [
      ['text', () => editor.setCaptionText(top, 'Hello there')],
      ['move', () => editor.updateCaption(top, { x: 0.4, y: 0.3 })],
      ['style', () => editor.updateCaption(top, { color: '#ff0000' })],
      ['format', () => editor.setFormat('webp')],
    ]
    for (const [index, [what, edit]] of edits.entries()) {
      edit()
      expect(editor.resultStale, what).toBe(true)
      await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS)
      await vi.waitFor(() => expect(editor.resultStale, what).toBe(false))
      expect(renders(api), what).toHaveLength(index + 2)
      expect(await markOf(editor.meme?.blob), what).toBe(index + 2)
    }
    const last = JSON.parse(renders(api)[4]!.body!)
    expect(last.format).toBe('webp')
    expect(last.captions[0]).toMatchObject({ text: 'Hello there', x: 0.4, color: '#ff0000' })
  })

  it('is not made stale by spaces the render trims, nor by selecting a box', async () => {
    const editor = await generatedOnce(api)
    editor.setCaptionText(editor.captions[0]!.id, 'Hello  ')
    editor.selectCaption(editor.captions[1]!.id)
    expect(editor.resultStale).toBe(false)
    await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS * 2)
    expect(renders(api)).toHaveLength(1)
  })

  it('waits for a pause in typing: one render after the last keystroke', async () => {
    const editor = await generatedOnce(api)
    const top = editor.captions[0]!.id
    for (const text of ['Hello t', 'Hello th', 'Hello the', 'Hello ther', 'Hello there']) {
      editor.setCaptionText(top, text)
      await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS - 100)
    }
    expect(renders(api)).toHaveLength(1)
    expect(editor.resultStale).toBe(true)
    await vi.advanceTimersByTimeAsync(100)
    await vi.waitFor(() => expect(editor.resultStale).toBe(false))
    expect(renders(api)).toHaveLength(2)
    expect(renderedText(api, 1)).toEqual(['Hello there'])
  })

  it('keeps one render in flight; an edit made during it is rendered next', async () => {
    const held = heldReply(rendered(7))
    api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': [rendered(1), held.reply, rendered(8)],
    })
    const editor = await generatedOnce(api)
    const top = editor.captions[0]!.id
    editor.setCaptionText(top, 'Second')
    await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS)
    expect(renders(api)).toHaveLength(2)
    expect(editor.phase).toBe('rendering')

    editor.setCaptionText(top, 'Third')
    await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS * 3)
    expect(renders(api)).toHaveLength(2)

    held.release()
    await vi.waitFor(() => expect(editor.phase).toBe('idle'))
    // The answer for "Second" is shown but is already out of date.
    expect(await markOf(editor.meme?.blob)).toBe(7)
    expect(editor.resultStale).toBe(true)
    await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS)
    await vi.waitFor(() => expect(editor.resultStale).toBe(false))
    expect(renders(api)).toHaveLength(3)
    expect(renderedText(api, 2)).toEqual(['Third'])
    expect(await markOf(editor.meme?.blob)).toBe(8)
  })

  it('re-renders before Download without waiting for the pause', async () => {
    const editor = await generatedOnce(api)
    editor.setCaptionText(editor.captions[0]!.id, 'Download me')
    expect(await editor.freshResult()).toBe(true)
    expect(renders(api)).toHaveLength(2)
    expect(renderedText(api, 1)).toEqual(['Download me'])
    expect(await markOf(editor.meme?.blob)).toBe(2)
    // The pending automatic render was the same one: it does not run again.
    await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS * 2)
    expect(renders(api)).toHaveLength(2)
  })

  it('does not render boxes that cannot be rendered: the result stays out of date, with why', async () => {
    const editor = await generatedOnce(api)
    editor.setCaptionText(editor.captions[0]!.id, '')
    await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS * 2)
    expect(renders(api)).toHaveLength(1)
    expect(editor.resultStale).toBe(true)
    expect(editor.staleReason).toBe('Write some text to generate your meme.')
    expect(await editor.freshResult()).toBe(false)
    expect(renders(api)).toHaveLength(1)
  })

  it('tells why an automatic re-render failed, and keeps the result out of date', async () => {
    api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': [rendered(1), 'network-error', rendered(2)],
    })
    const editor = await generatedOnce(api)
    editor.setCaptionText(editor.captions[0]!.id, 'Offline')
    await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS)
    await vi.waitFor(() => expect(editor.phase).toBe('idle'))
    expect(editor.refreshError).toMatch(/\.$/)
    expect(editor.generateError).toBeNull()
    expect(editor.resultStale).toBe(true)
    expect(await markOf(editor.meme?.blob)).toBe(1)
    // No retry loop on its own: the next edit, or Download, tries again.
    await vi.advanceTimersByTimeAsync(REFRESH_AFTER_MS * 3)
    expect(renders(api)).toHaveLength(2)
    expect(await editor.freshResult()).toBe(true)
    expect(editor.refreshError).toBeNull()
    expect(await markOf(editor.meme?.blob)).toBe(2)
  })
})
