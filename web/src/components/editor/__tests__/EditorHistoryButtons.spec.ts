import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useEditorStore } from '@/stores/editor.ts'
import EditorBoxOverlay from '../EditorBoxOverlay.vue'
import EditorHistoryButtons from '../EditorHistoryButtons.vue'

const views: VueWrapper[] = []
const fields: HTMLElement[] = []

function mountButtons() {
  const view = mount(EditorHistoryButtons, { attachTo: document.body })
  views.push(view)
  const button = (name: string) =>
    view.findAll<HTMLButtonElement>('button').find((candidate) => candidate.text() === name)!
  return { view, editor: useEditorStore(), undo: button('Undo'), redo: button('Redo') }
}

/** A field on the page: the caption's text, or another (a template's name). */
function field(html: string): HTMLElement {
  const holder = document.createElement('div')
  holder.innerHTML = html
  document.body.append(holder)
  fields.push(holder)
  return holder.firstElementChild as HTMLElement
}

/** Presses a shortcut on `target`; says whether the page took it from the browser. */
function press(target: EventTarget, key: string, modifiers: KeyboardEventInit = {}): boolean {
  const event = new KeyboardEvent('keydown', {
    key,
    ctrlKey: true,
    bubbles: true,
    cancelable: true,
    ...modifiers,
  })
  target.dispatchEvent(event)
  return event.defaultPrevented
}

/** Types as a person does: each keystroke its own event, then a pause that ends the burst. */
async function type(editor: ReturnType<typeof useEditorStore>, text: string) {
  editor.setCaptionText(editor.captions[0]!.id, text)
  await Promise.resolve()
  editor.setCaptionText(editor.captions[0]!.id, `${text}!`)
  await Promise.resolve()
  vi.advanceTimersByTime(600)
}

beforeEach(() => {
  setActivePinia(createPinia())
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
})

afterEach(() => {
  views.splice(0).forEach((view) => view.unmount())
  fields.splice(0).forEach((holder) => holder.remove())
  vi.useRealTimers()
})

describe('the Undo and Redo buttons', () => {
  it('are disabled until there is something to undo or redo, and name their shortcuts', async () => {
    const { editor, undo, redo } = mountButtons()
    expect(undo.element.disabled).toBe(true)
    expect(redo.element.disabled).toBe(true)
    expect(undo.attributes('aria-keyshortcuts')).toBe('Control+Z Meta+Z')
    expect(redo.attributes('aria-keyshortcuts')).toContain('Control+Shift+Z')
    expect(redo.attributes('aria-keyshortcuts')).toContain('Control+Y')
    expect(undo.attributes('title')).toMatch(/Undo \((Ctrl\+Z|⌘Z)\)/)

    await type(editor, 'hello')
    await views[0]!.vm.$nextTick()
    expect(undo.element.disabled).toBe(false)
    await undo.trigger('click')
    expect(editor.captions[0]!.text).toBe('')
    expect(undo.element.disabled).toBe(true)
    expect(redo.element.disabled).toBe(false)
    await redo.trigger('click')
    expect(editor.captions[0]!.text).toBe('hello!')
  })
})

describe('the keyboard shortcuts', () => {
  it('Ctrl+Z and Cmd+Z undo, Ctrl+Shift+Z, Cmd+Shift+Z and Ctrl+Y redo, on the page', async () => {
    const { editor } = mountButtons()
    await type(editor, 'one')
    editor.setCaptionText(editor.captions[0]!.id, 'two')
    await Promise.resolve()
    vi.advanceTimersByTime(600)

    expect(press(document.body, 'z')).toBe(true)
    expect(editor.captions[0]!.text).toBe('one!')
    expect(press(document.body, 'z', { ctrlKey: false, metaKey: true })).toBe(true)
    expect(editor.captions[0]!.text).toBe('')
    expect(press(document.body, 'Z', { shiftKey: true })).toBe(true)
    expect(editor.captions[0]!.text).toBe('one!')
    expect(press(document.body, 'z', { ctrlKey: false, metaKey: true, shiftKey: true })).toBe(true)
    expect(editor.captions[0]!.text).toBe('two')
    press(document.body, 'z')
    expect(press(document.body, 'y')).toBe(true)
    expect(editor.captions[0]!.text).toBe('two')
  })

  it('in a caption text field, the editor undoes and the browser does not', async () => {
    const { editor } = mountButtons()
    const textarea = field('<textarea data-caption-text></textarea>')
    await type(editor, 'typed')
    expect(press(textarea, 'z')).toBe(true)
    expect(editor.captions[0]!.text).toBe('')
    expect(press(textarea, 'z', { shiftKey: true })).toBe(true)
    expect(editor.captions[0]!.text).toBe('typed!')
  })

  it("leaves other text fields' own undo alone", async () => {
    const { editor } = mountButtons()
    const name = field('<input type="text" />')
    const notes = field('<textarea></textarea>')
    await type(editor, 'typed')
    expect(press(name, 'z')).toBe(false)
    expect(press(notes, 'z')).toBe(false)
    expect(editor.captions[0]!.text).toBe('typed!')
    // A slider or a list is no text field: the shortcut is the editor's there.
    const slider = field('<input type="range" />')
    expect(press(slider, 'z')).toBe(true)
    expect(editor.captions[0]!.text).toBe('')
  })

  it('is not listened for once the editor is gone (other pages)', async () => {
    const { view, editor } = mountButtons()
    await type(editor, 'typed')
    view.unmount()
    views.splice(0)
    expect(press(document.body, 'z')).toBe(false)
    expect(editor.captions[0]!.text).toBe('typed!')
  })

  it('other keys with Ctrl, and Alt combinations, are left alone', async () => {
    const { editor } = mountButtons()
    await type(editor, 'typed')
    expect(press(document.body, 'x')).toBe(false)
    expect(press(document.body, 'z', { altKey: true })).toBe(false)
    expect(press(document.body, 'z', { ctrlKey: false })).toBe(false)
    expect(editor.captions[0]!.text).toBe('typed!')
  })
})

describe('a drag on the preview', () => {
  it('is one step: one undo puts the box back where it was', async () => {
    const { editor } = mountButtons()
    const overlay = mount(EditorBoxOverlay, { attachTo: document.body })
    views.push(overlay)
    vi.spyOn(overlay.element as HTMLElement, 'getBoundingClientRect').mockReturnValue(
      new DOMRect(0, 0, 400, 300),
    )
    const start = { x: editor.captions[0]!.x, y: editor.captions[0]!.y }
    const box = overlay.findAll<HTMLElement>('.caption-box')[0]!
    const at = (x: number, y: number) => ({ clientX: x, clientY: y, pointerId: 3, button: 0 })
    const from = { x: start.x * 400, y: start.y * 300 }
    await box.trigger('pointerdown', at(from.x, from.y))
    for (let step = 1; step <= 10; step += 1) {
      await box.trigger('pointermove', at(from.x + step * 8, from.y + step * 6))
      vi.advanceTimersByTime(700)
    }
    await box.trigger('pointerup', at(from.x + 80, from.y + 60))
    expect(editor.captions[0]!.x).toBeCloseTo(start.x + 0.2)

    press(document.body, 'z')
    expect(editor.captions[0]).toMatchObject(start)
    press(document.body, 'y')
    expect(editor.captions[0]!.x).toBeCloseTo(start.x + 0.2)
  })
})
