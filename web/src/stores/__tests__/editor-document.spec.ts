import { STARTING_CAPTION_BOXES } from '@meme-studio/meme-core'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'
import { useEditorStore } from '../editor.ts'

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const pngFile = () => {
  const bytes = new Uint8Array(4096)
  bytes.set(PNG_BYTES)
  return new File([bytes], 'cat.png', { type: 'image/png' })
}

beforeEach(() => {
  setActivePinia(createPinia())
  fakeApi({ '/api/limits': json(200, LIMITS) })
  // happy-dom decodes no pixels: the pictures here are 800 x 600.
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(800)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(600)
})

describe('the editor document', () => {
  it('a snapshot is a copy: later edits do not reach it, and restoring it undoes them', () => {
    const editor = useEditorStore()
    const [top] = editor.captions
    editor.setCaptionText(top!.id, 'before')
    const saved = editor.snapshot()
    const x = top!.x
    editor.setCaptionText(top!.id, 'after')
    editor.updateCaption(top!.id, { x: 0.2 })
    editor.edits = { rotate: 90 }
    expect(saved.captions[0]).toMatchObject({ text: 'before', x })
    expect(saved.edits).toEqual({})

    editor.restore(saved)
    expect(editor.captions[0]).toMatchObject({ text: 'before', x })
    expect(x).not.toBe(0.2)
    expect(editor.edits).toEqual({})
    // The restored document is a copy too: editing it leaves the snapshot as it was.
    editor.setCaptionText(editor.captions[0]!.id, 'again')
    expect(saved.captions[0]!.text).toBe('before')
  })

  it('after a restore, new boxes get ids no restored box has', () => {
    const editor = useEditorStore()
    editor.restore({
      captions: [{ id: 40, text: 'kept', x: 0.5, y: 0.5 }],
      stickers: [{ id: 41, asset: 'a', x: 0.5, y: 0.5, width: 0.2, above: 1 }],
      edits: {},
      format: 'png',
    })
    expect(editor.format).toBe('png')
    expect(editor.selectedId).toBe(40)
    const added = editor.addCaption()
    expect(added!.id).toBeGreaterThan(41)
  })

  it('edits change the size captions are laid out on: a quarter turn swaps the sides', async () => {
    const editor = useEditorStore()
    await editor.choosePicture(pngFile())
    expect(editor.renderSize).toEqual({ width: 800, height: 600 })
    editor.edits = { rotate: 90, bandTop: 0.5 }
    expect(editor.renderSize).toEqual({ width: 600, height: 1200 })
  })

  it('a new picture drops the edits made for the one before', async () => {
    const editor = useEditorStore()
    await editor.choosePicture(pngFile())
    editor.edits = { flipHorizontal: true }
    await editor.choosePicture(pngFile())
    expect(editor.edits).toEqual({})
  })

  it('start over: no picture, the starting boxes, empty, nothing else', async () => {
    const editor = useEditorStore()
    await editor.choosePicture(pngFile())
    editor.setCaptionText(editor.captions[0]!.id, 'typed')
    editor.addCaption()
    editor.edits = { rotate: 180 }
    editor.setFormat('webp')
    editor.startOver()
    expect(editor.picture).toBeNull()
    expect(editor.captions.map(({ text }) => text)).toEqual(STARTING_CAPTION_BOXES.map(() => ''))
    expect(editor.stickers).toEqual([])
    expect(editor.edits).toEqual({})
    expect(editor.format).toBeUndefined()
    expect(editor.selectedId).toBe(editor.captions[0]!.id)
  })
})
