import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'
import { HISTORY_QUIET_MS, useEditorHistoryStore } from '../editor-history.ts'
import { useEditorStore } from '../editor.ts'

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const pngFile = () => {
  const bytes = new Uint8Array(4096)
  bytes.set(PNG_BYTES)
  return new File([bytes], 'cat.png', { type: 'image/png' })
}

function setUp() {
  const editor = useEditorStore()
  const history = useEditorHistoryStore()
  const [top, bottom] = editor.captions
  return { editor, history, top: top!.id, bottom: bottom!.id }
}

/** Lets the event under way end: what comes after is another event, as a person's is. */
const nextEvent = () => Promise.resolve()

/** Types `text` a character at a time, `gapMs` apart, as a person does. */
async function typeSlowly(
  editor: ReturnType<typeof useEditorStore>,
  id: number,
  text: string,
  gapMs = 120,
) {
  for (let length = 1; length <= text.length; length += 1) {
    editor.setCaptionText(id, text.slice(0, length))
    await nextEvent()
    vi.advanceTimersByTime(gapMs)
  }
}

const textOf = (editor: ReturnType<typeof useEditorStore>, id: number) =>
  editor.captions.find((caption) => caption.id === id)?.text

beforeEach(() => {
  setActivePinia(createPinia())
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  fakeApi({ '/api/limits': json(200, LIMITS) })
  // happy-dom decodes no pixels: the pictures here are 800 x 600.
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(800)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(600)
})

afterEach(() => {
  vi.useRealTimers()
})

describe('undo and redo', () => {
  it('starts with nothing to undo or redo', () => {
    const { history } = setUp()
    expect(history.canUndo).toBe(false)
    expect(history.canRedo).toBe(false)
  })

  it('a burst of typing in one box is one step, undone and redone whole', async () => {
    const { editor, history, top } = setUp()
    await typeSlowly(editor, top, 'hello there')
    expect(history.canUndo).toBe(true)

    history.undo()
    expect(textOf(editor, top)).toBe('')
    expect(history.canUndo).toBe(false)
    expect(history.canRedo).toBe(true)

    history.redo()
    expect(textOf(editor, top)).toBe('hello there')
    expect(history.canRedo).toBe(false)
  })

  it('a pause longer than the quiet time ends a step: the typing after it is another', async () => {
    const { editor, history, top } = setUp()
    await typeSlowly(editor, top, 'one')
    vi.advanceTimersByTime(HISTORY_QUIET_MS)
    await typeSlowly(editor, top, 'one two')

    history.undo()
    expect(textOf(editor, top)).toBe('one')
    history.undo()
    expect(textOf(editor, top)).toBe('')
  })

  it('typing in another box ends the step at once, without waiting', async () => {
    const { editor, history, top, bottom } = setUp()
    editor.setCaptionText(top, 'top')
    await nextEvent()
    editor.setCaptionText(bottom, 'bottom')

    history.undo()
    expect(textOf(editor, bottom)).toBe('')
    expect(textOf(editor, top)).toBe('top')
    history.undo()
    expect(textOf(editor, top)).toBe('')
  })

  it('one drag is one step, however long and however many moves', async () => {
    const { editor, history, top } = setUp()
    const start = { ...editor.captions[0]! }
    history.pointerDown(1)
    for (let step = 1; step <= 20; step += 1) {
      editor.updateCaption(top, { x: 0.5 - step * 0.01, y: 0.3 + step * 0.01 })
      await nextEvent()
      // Pausing mid-drag does not split it.
      vi.advanceTimersByTime(HISTORY_QUIET_MS * 2)
    }
    history.pointerUp(1)
    const moved = { ...editor.captions[0]! }
    expect(moved.x).not.toBe(start.x)

    history.undo()
    expect(editor.captions[0]).toMatchObject({ x: start.x, y: start.y })
    expect(history.canUndo).toBe(false)
    history.redo()
    expect(editor.captions[0]).toMatchObject({ x: moved.x, y: moved.y })
  })

  it('a lifted pointer ends its step: two clicks are two steps', async () => {
    const { editor, history } = setUp()
    history.pointerDown(1)
    history.pointerUp(1)
    editor.edits = { rotate: 90 }
    history.pointerDown(1)
    history.pointerUp(1)
    editor.edits = { rotate: 180 }
    vi.advanceTimersByTime(HISTORY_QUIET_MS)

    history.undo()
    expect(editor.edits).toEqual({ rotate: 90 })
    history.undo()
    expect(editor.edits).toEqual({})
  })

  it('undoes and redoes resizing, rotating and styling a box', async () => {
    const { editor, history, top } = setUp()
    const before = { ...editor.captions[0]! }
    editor.updateCaption(top, { width: 0.4, height: 0.3 })
    history.commit()
    editor.updateCaption(top, { rotation: 30 })
    history.commit()
    editor.updateCaption(top, { color: '#ff0000', font: 'serif' })
    history.commit()

    history.undo()
    expect(editor.captions[0]!.rotation).toBe(30)
    expect(editor.captions[0]!.color).toBe(before.color)
    history.undo()
    expect(editor.captions[0]!.rotation).toBe(before.rotation)
    expect(editor.captions[0]!.width).toBe(0.4)
    history.undo()
    expect(editor.captions[0]).toMatchObject({ width: before.width, height: before.height })

    history.redo()
    history.redo()
    history.redo()
    expect(editor.captions[0]).toMatchObject({
      width: 0.4,
      height: 0.3,
      rotation: 30,
      color: '#ff0000',
      font: 'serif',
    })
  })

  it('undoes adding and deleting boxes; the selection follows the box that changed', async () => {
    const { editor, history, top } = setUp()
    const added = editor.addCaption()!
    await nextEvent()
    editor.setCaptionText(added.id, 'new box')
    history.commit()
    expect(editor.captions).toHaveLength(3)

    history.undo()
    expect(textOf(editor, added.id)).toBe('')
    history.undo()
    expect(editor.captions).toHaveLength(2)
    // The selected box is gone: the selection moves to a box that is there.
    expect(editor.captions.map(({ id }) => id)).toContain(editor.selectedId)

    history.redo()
    expect(editor.captions).toHaveLength(3)

    editor.selectCaption(top)
    editor.removeCaption(top)
    expect(editor.captions.find(({ id }) => id === top)).toBeUndefined()
    history.undo()
    expect(editor.captions[0]!.id).toBe(top)
    expect(editor.selectedId).toBe(top)
  })

  it('undo selects the box whose text it changed', async () => {
    const { editor, history, top, bottom } = setUp()
    editor.setCaptionText(bottom, 'bottom text')
    history.commit()
    editor.selectCaption(top)
    history.undo()
    expect(editor.selectedId).toBe(bottom)
  })

  it('undoes picture edits, stickers and the format', async () => {
    const { editor, history } = setUp()
    editor.edits = { crop: { x: 0.1, y: 0.1, width: 0.5, height: 0.5 } }
    history.commit()
    editor.stickers.push({ id: 90, asset: 'cat', x: 0.5, y: 0.5, width: 0.2, above: 2 })
    history.commit()
    editor.stickers[0]!.x = 0.25
    history.commit()
    editor.setFormat('png')
    history.commit()

    history.undo()
    expect(editor.format).toBeUndefined()
    history.undo()
    expect(editor.stickers[0]!.x).toBe(0.5)
    history.undo()
    expect(editor.stickers).toEqual([])
    history.undo()
    expect(editor.edits).toEqual({})

    history.redo()
    expect(editor.edits.crop).toEqual({ x: 0.1, y: 0.1, width: 0.5, height: 0.5 })
    history.redo()
    history.redo()
    history.redo()
    expect(editor.stickers[0]!.x).toBe(0.25)
    expect(editor.format).toBe('png')
  })

  it('a new edit after an undo clears what there was to redo', async () => {
    const { editor, history, top } = setUp()
    editor.setCaptionText(top, 'first')
    history.commit()
    history.undo()
    expect(history.canRedo).toBe(true)
    editor.setCaptionText(top, 'second')
    expect(history.canRedo).toBe(false)
    history.redo()
    expect(textOf(editor, top)).toBe('second')
  })

  it('undo and redo themselves are not edits: nothing new to undo after them', async () => {
    const { editor, history, top } = setUp()
    editor.setCaptionText(top, 'only')
    history.undo()
    vi.advanceTimersByTime(HISTORY_QUIET_MS * 2)
    expect(history.canUndo).toBe(false)
    history.redo()
    vi.advanceTimersByTime(HISTORY_QUIET_MS * 2)
    history.undo()
    expect(history.canUndo).toBe(false)
    expect(textOf(editor, top)).toBe('')
  })

  it('choosing another picture starts a fresh history', async () => {
    const { editor, history, top } = setUp()
    editor.setCaptionText(top, 'typed before')
    history.commit()
    await editor.choosePicture(pngFile())
    expect(editor.picture).not.toBeNull()
    expect(history.canUndo).toBe(false)
    history.undo()
    expect(textOf(editor, top)).toBe('typed before')

    editor.edits = { flipHorizontal: true }
    history.commit()
    await editor.choosePicture(pngFile())
    // The new picture's own reset of the edits is where its history begins.
    expect(editor.edits).toEqual({})
    expect(history.canUndo).toBe(false)
    expect(history.canRedo).toBe(false)
  })

  it('the changes of one event are one step, whatever they touch', async () => {
    const { editor, history, top } = setUp()
    const before = { ...editor.captions[0]! }
    editor.updateCaption(top, { color: '#00ff00', font: 'serif', x: 0.3 })
    editor.edits = { rotate: 270 }
    await nextEvent()
    history.undo()
    expect(editor.captions[0]).toMatchObject({ x: before.x })
    expect(editor.captions[0]!.color).toBe(before.color)
    expect(editor.edits).toEqual({})
    expect(history.canUndo).toBe(false)
  })

  it('keeps at most a hundred steps', () => {
    const { editor, history, top } = setUp()
    for (let step = 1; step <= 120; step += 1) {
      editor.setCaptionText(top, `step ${step}`)
      history.commit()
    }
    let undone = 0
    while (history.canUndo) {
      history.undo()
      undone += 1
    }
    expect(undone).toBe(100)
    expect(textOf(editor, top)).toBe('step 20')
  })
})
