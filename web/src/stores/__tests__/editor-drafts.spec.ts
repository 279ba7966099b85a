import 'fake-indexeddb/auto'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { FakeXhr, fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'
import { deleteDraft, loadDraft, saveDraft, type EditorDraft } from '@/drafts/editor-draft.ts'
import { listRecentMemes, RECENT_MEMES_KEPT, removeRecentMeme } from '@/drafts/recent-memes.ts'
import { DRAFT_SAVE_AFTER_MS, STORAGE_UNAVAILABLE, useEditorDraftsStore } from '../editor-drafts.ts'
import { useEditorHistoryStore } from '../editor-history.ts'
import { useEditorStore } from '../editor.ts'

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
/** A PNG whose byte 100 tells the pictures apart. */
const pngFile = (mark = 1, name = 'cat.png') => {
  const bytes = new Uint8Array(4096)
  bytes.set(PNG_BYTES)
  bytes[100] = mark
  return new File([bytes], name, { type: 'image/png' })
}
const bytesOf = async (data: Blob | ArrayBuffer) =>
  Array.from(new Uint8Array(data instanceof Blob ? await data.arrayBuffer() : data))

const SIGNED = {
  url: 'http://s3.test/meme-studio-uploads',
  fields: { key: 'uploads/0b7f.png', 'Content-Type': 'image/png' },
  key: 'uploads/0b7f.png',
  expiresAt: '2030-01-01T00:05:00.000Z',
  maxBytes: LIMITS.maxUploadBytes,
}
/** Rendered memes: a PNG signature and then the render's number, so each is told apart. */
let renderCount = 0
const renderedBytes = (mark: number) => [...PNG_BYTES, 7, mark]
const rendered = async () => {
  renderCount += 1
  return json(200, {
    meme_data: btoa(String.fromCharCode(...renderedBytes(renderCount))),
    meme_type: 'image/png',
  })
}
const THUMBNAIL = new Uint8Array([0x52, 0x49, 0x46, 0x46, 1, 2, 3])

/** Each test opens the editor as a fresh page would: a new Pinia over the same IndexedDB. */
function openPage() {
  setActivePinia(createPinia())
  const editor = useEditorStore()
  const drafts = useEditorDraftsStore()
  // No canvas here: the thumbnail is a fixed stand-in.
  drafts.makeThumbnail = async () => new Blob([THUMBNAIL], { type: 'image/webp' })
  return { editor, drafts, history: useEditorHistoryStore() }
}

/** Generates; a picture not uploaded yet is uploaded first (S3 answers at once). */
async function generate(editor: ReturnType<typeof useEditorStore>) {
  const sent = FakeXhr.sent.length
  let finished = false
  const generating = editor.generate().finally(() => (finished = true))
  await vi.waitFor(() => expect(finished || FakeXhr.sent.length > sent).toBe(true))
  if (FakeXhr.sent.length > sent) FakeXhr.sent.at(-1)!.respond(204)
  await generating
  expect(editor.meme).not.toBeNull()
}

beforeEach(async () => {
  renderCount = 0
  FakeXhr.install()
  fakeApi({
    '/api/limits': json(200, LIMITS),
    '/api/sign-s3-request': json(200, SIGNED),
    '/api/meme': rendered,
  })
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(800)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(600)
  await deleteDraft()
  for (const meme of await listRecentMemes()) await removeRecentMeme(meme.id)
})

afterEach(async () => {
  vi.useRealTimers()
  // The page is gone: its store stops watching, and a save it still had waiting lands now.
  const drafts = useEditorDraftsStore()
  drafts.$dispose()
  await drafts.saveNow()
})

describe('the draft', () => {
  it('is saved a moment after an edit: text without a picture is kept too', async () => {
    const { editor, drafts } = openPage()
    await drafts.open()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    editor.setCaptionText(editor.captions[0]!.id, 'only words')
    await nextTick()
    vi.advanceTimersByTime(DRAFT_SAVE_AFTER_MS - 1)
    await nextTick()
    expect(await loadDraft()).toBeUndefined()
    vi.advanceTimersByTime(1)
    await vi.waitFor(async () =>
      expect((await loadDraft())?.document.captions[0]!.text).toBe('only words'),
    )
    expect((await loadDraft())!.picture).toBeNull()
  })

  it('keeps the picture byte for byte, its name and type, and the template it came from', async () => {
    const { editor, drafts } = openPage()
    await drafts.open()
    await editor.choosePicture(pngFile(42, 'holiday.png'))
    editor.setCaptionText(editor.captions[1]!.id, 'bottom text')
    editor.updateCaption(editor.captions[1]!.id, { x: 0.3 })
    editor.edits = { rotate: 90 }
    await drafts.saveNow()
    const draft = (await loadDraft())!
    expect(draft.picture).toMatchObject({ name: 'holiday.png', type: 'image/png' })
    expect(await bytesOf(draft.picture!.bytes)).toEqual(await bytesOf(pngFile(42)))
    expect(draft.document.captions[1]).toMatchObject({ text: 'bottom text', x: 0.3 })
    expect(draft.document.edits).toEqual({ rotate: 90 })
    expect(draft.template).toBeNull()
  })

  it('is saved at once when the page goes away', async () => {
    const { editor, drafts } = openPage()
    await drafts.open()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    editor.setCaptionText(editor.captions[0]!.id, 'leaving now')
    await nextTick()
    window.dispatchEvent(new Event('pagehide'))
    await vi.waitFor(async () =>
      expect((await loadDraft())?.document.captions[0]!.text).toBe('leaving now'),
    )
  })

  it('is put back when the editor opens, with a notice, the template and stickers', async () => {
    const template = {
      id: 'tpl-1',
      version: 3,
      name: 'Drake',
      boxes: [{ text: '', x: 0.5, y: 0.2 }],
    }
    const savedAt = Date.UTC(2026, 11, 6, 6, 30)
    const draft: EditorDraft = {
      savedAt,
      document: {
        captions: [
          { id: 7, text: 'restored top', x: 0.4, y: 0.2, color: '#ff0000' },
          { id: 8, text: 'restored bottom', x: 0.5, y: 0.8 },
        ],
        stickers: [{ id: 9, asset: 'star', x: 0.6, y: 0.5, width: 0.2, above: 2 }],
        edits: { flipHorizontal: true },
        format: 'webp',
      },
      picture: { name: 'saved.png', type: 'image/png', bytes: await pngFile(5).arrayBuffer() },
      template,
      stickers: [
        {
          id: 'star',
          file: { name: 'star.png', type: 'image/png', bytes: await pngFile(6).arrayBuffer() },
          emoji: '⭐',
        },
      ],
    }
    await saveDraft(draft)

    const { editor, drafts, history } = openPage()
    await drafts.open()
    expect(editor.picture?.file.name).toBe('saved.png')
    expect(await bytesOf(editor.picture!.file)).toEqual(await bytesOf(pngFile(5)))
    expect(editor.template).toEqual(template)
    expect(editor.captions.map(({ text }) => text)).toEqual(['restored top', 'restored bottom'])
    expect(editor.captions[0]).toMatchObject({ x: 0.4, color: '#ff0000' })
    expect(editor.edits).toEqual({ flipHorizontal: true })
    expect(editor.format).toBe('webp')
    expect(editor.stickers).toEqual([draft.document.stickers[0]])
    expect(editor.stickerAssets.get('star')?.emoji).toBe('⭐')
    expect(await bytesOf(editor.stickerAssets.get('star')!.picture.file)).toEqual(
      await bytesOf(pngFile(6)),
    )
    expect(drafts.notice).toEqual({ kind: 'restored', savedAt })
    // Restoring is not an edit to undo.
    expect(history.canUndo).toBe(false)
  })

  it('is not put over work begun before it was read', async () => {
    await saveDraft({
      savedAt: Date.now(),
      document: {
        captions: [{ id: 1, text: 'old draft', x: 0.5, y: 0.2 }],
        stickers: [],
        edits: {},
        format: undefined,
      },
      picture: null,
      template: null,
      stickers: [],
    })
    const { editor, drafts } = openPage()
    editor.setCaptionText(editor.captions[0]!.id, 'typed first')
    await drafts.open()
    expect(editor.captions[0]!.text).toBe('typed first')
    expect(drafts.notice).toBeNull()
  })

  it('Start over empties the editor and deletes the draft; Bring it back undoes that', async () => {
    const { editor, drafts } = openPage()
    await drafts.open()
    await editor.choosePicture(pngFile(3))
    editor.setCaptionText(editor.captions[0]!.id, 'to lose')
    await drafts.saveNow()
    expect(await loadDraft()).toBeDefined()

    await drafts.startOver()
    expect(editor.picture).toBeNull()
    expect(editor.captions.every(({ text }) => text === '')).toBe(true)
    expect(await loadDraft()).toBeUndefined()
    expect(drafts.notice).toEqual({ kind: 'started-over' })

    await drafts.bringBack()
    expect(editor.captions[0]!.text).toBe('to lose')
    expect(await bytesOf(editor.picture!.file)).toEqual(await bytesOf(pngFile(3)))
    await drafts.saveNow()
    expect((await loadDraft())?.document.captions[0]!.text).toBe('to lose')
  })

  it('a browser that cannot store it (private mode, no space) leaves editing working', async () => {
    const { editor, drafts } = openPage()
    await drafts.open()
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    })
    editor.setCaptionText(editor.captions[0]!.id, 'still editing')
    await drafts.saveNow()
    expect(drafts.storageProblem).toBe(STORAGE_UNAVAILABLE)
    editor.setCaptionText(editor.captions[0]!.id, 'still editing, more')
    expect(editor.captions[0]!.text).toBe('still editing, more')
  })

  it('a browser that cannot read it opens an empty editor and says so quietly', async () => {
    vi.spyOn(IDBObjectStore.prototype, 'get').mockImplementation(() => {
      throw new DOMException('No IndexedDB here.', 'InvalidStateError')
    })
    const { editor, drafts } = openPage()
    await drafts.open()
    expect(drafts.storageProblem).toBe(STORAGE_UNAVAILABLE)
    expect(editor.setCaptionText(editor.captions[0]!.id, 'works')).toBe(true)
  })
})

describe('recent memes', () => {
  it('keeps each current render: the image byte for byte, a thumbnail, its name and alt text, and its draft', async () => {
    const { editor, drafts } = openPage()
    await drafts.open()
    await editor.choosePicture(pngFile(11))
    editor.setCaptionText(editor.captions[0]!.id, 'One does not')
    editor.setCaptionText(editor.captions[1]!.id, 'simply')
    await generate(editor)

    await vi.waitFor(() => expect(drafts.recentMemes).toHaveLength(1))
    const [kept] = await listRecentMemes()
    expect(await bytesOf(kept!.image.bytes)).toEqual(renderedBytes(1))
    expect(kept!.image.type).toBe('image/png')
    expect(await bytesOf(kept!.thumbnail.bytes)).toEqual(Array.from(THUMBNAIL))
    expect(kept!.thumbnail.type).toBe('image/webp')
    expect(kept!.filename).toBe('one-does-not-simply.png')
    expect(kept!.altText).toBe('Meme: “One does not” / “simply”')
    expect(kept!.draft.document.captions.map(({ text }) => text)).toEqual([
      'One does not',
      'simply',
    ])
    expect(await bytesOf(kept!.draft.picture!.bytes)).toEqual(await bytesOf(pngFile(11)))
  })

  it('a re-render of the same picture replaces its entry; another picture adds one', async () => {
    const { editor, drafts } = openPage()
    await drafts.open()
    await editor.choosePicture(pngFile(1))
    editor.setCaptionText(editor.captions[0]!.id, 'first')
    await generate(editor)
    editor.setCaptionText(editor.captions[0]!.id, 'first, changed')
    await generate(editor)
    await vi.waitFor(() => expect(drafts.recentMemes[0]?.filename).toBe('first-changed.png'))
    expect(await listRecentMemes()).toHaveLength(1)

    await editor.choosePicture(pngFile(2))
    editor.setCaptionText(editor.captions[0]!.id, 'second')
    await generate(editor)
    await vi.waitFor(() => expect(drafts.recentMemes).toHaveLength(2))
    expect(drafts.recentMemes.map(({ filename }) => filename)).toEqual([
      'second.png',
      'first-changed.png',
    ])
  })

  it(`keeps only the last ${RECENT_MEMES_KEPT}`, async () => {
    const { editor, drafts } = openPage()
    await drafts.open()
    for (let meme = 1; meme <= RECENT_MEMES_KEPT + 2; meme += 1) {
      await editor.choosePicture(pngFile(meme))
      editor.setCaptionText(editor.captions[0]!.id, `meme ${meme}`)
      await generate(editor)
      await vi.waitFor(() => expect(drafts.recentMemes[0]?.filename).toBe(`meme-${meme}.png`))
    }
    const kept = await listRecentMemes()
    expect(kept).toHaveLength(RECENT_MEMES_KEPT)
    expect(kept.at(-1)!.filename).toBe('meme-3.png')
    expect(drafts.recentMemes).toHaveLength(RECENT_MEMES_KEPT)
  })

  it('are listed again on the next visit; Download again saves the stored bytes under the name', async () => {
    const first = openPage()
    await first.drafts.open()
    await first.editor.choosePicture(pngFile(4))
    first.editor.setCaptionText(first.editor.captions[0]!.id, 'keep me')
    await generate(first.editor)
    await vi.waitFor(() => expect(first.drafts.recentMemes).toHaveLength(1))

    const { drafts } = openPage()
    await drafts.open()
    expect(drafts.recentMemes.map(({ filename }) => filename)).toEqual(['keep-me.png'])

    const made: Blob[] = []
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => {
      made.push(blob as Blob)
      return 'blob:recent'
    })
    const clicked: { href: string; download: string }[] = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      clicked.push({ href: this.href, download: this.download })
    })
    drafts.downloadRecent(drafts.recentMemes[0]!)
    expect(clicked).toEqual([{ href: 'blob:recent', download: 'keep-me.png' }])
    expect(made[0]!.type).toBe('image/png')
    expect(await bytesOf(made[0]!)).toEqual(renderedBytes(1))
  })

  it('Open again puts its work back in the editor; Remove forgets it', async () => {
    const { editor, drafts, history } = openPage()
    await drafts.open()
    await editor.choosePicture(pngFile(8))
    editor.setCaptionText(editor.captions[0]!.id, 'made before')
    editor.edits = { rotate: 180 }
    await generate(editor)
    await vi.waitFor(() => expect(drafts.recentMemes).toHaveLength(1))

    await drafts.startOver()
    expect(await drafts.openRecent(drafts.recentMemes[0]!)).toBe(true)
    expect(editor.captions[0]!.text).toBe('made before')
    expect(editor.edits).toEqual({ rotate: 180 })
    expect(await bytesOf(editor.picture!.file)).toEqual(await bytesOf(pngFile(8)))
    expect(drafts.notice).toMatchObject({ kind: 'opened' })
    expect(history.canUndo).toBe(false)

    await drafts.removeRecent(drafts.recentMemes[0]!.id)
    expect(drafts.recentMemes).toEqual([])
    expect(await listRecentMemes()).toEqual([])
  })
})
