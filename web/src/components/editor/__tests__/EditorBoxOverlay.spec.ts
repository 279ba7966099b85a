import { mount, type DOMWrapper, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useEditorStore } from '@/stores/editor.ts'
import EditorBoxOverlay from '../EditorBoxOverlay.vue'

let view: VueWrapper | undefined

function mountOverlay() {
  view = mount(EditorBoxOverlay, { attachTo: document.body })
  // The picture is shown 400 x 300 CSS pixels large, at the page's top left.
  vi.spyOn(view.element as HTMLElement, 'getBoundingClientRect').mockReturnValue(
    new DOMRect(0, 0, 400, 300),
  )
  return { view, editor: useEditorStore() }
}

const boxes = (wrapper: VueWrapper) => wrapper.findAll<HTMLElement>('.caption-box')

/** A pointer gesture as the browser reports it: down on `target`, moves, up. */
async function drag(
  target: Pick<DOMWrapper<Element>, 'trigger'>,
  from: { x: number; y: number },
  to: { x: number; y: number },
  options: { shiftKey?: boolean } = {},
) {
  const at = (point: { x: number; y: number }) => ({
    clientX: point.x,
    clientY: point.y,
    pointerId: 7,
    button: 0,
    ...options,
  })
  await target.trigger('pointerdown', at(from))
  await target.trigger('pointermove', at(to))
  await target.trigger('pointerup', at(to))
}

beforeEach(() => setActivePinia(createPinia()))
afterEach(() => view?.unmount())

describe('EditorBoxOverlay', () => {
  it('shows each box where its caption goes, in fractions of the picture', async () => {
    const { view, editor } = mountOverlay()
    editor.updateCaption(editor.captions[0]!.id, { rotation: 30 })
    await view.vm.$nextTick()
    const [top, bottom] = boxes(view)
    expect(top!.attributes('style')).toBe(
      'left: 5%; top: 2%; width: 90%; height: 20%; transform: rotate(30deg);',
    )
    expect(bottom!.attributes('aria-label')).toBe('Text 2: empty')
    // Handles only on the selected box: eight to resize, one to rotate.
    expect(top!.findAll('[data-handle]')).toHaveLength(9)
    expect(bottom!.findAll('[data-handle]')).toHaveLength(0)
  })

  it('moves the focused box with the arrow keys, further with Shift, never off the picture', async () => {
    const { view, editor } = mountOverlay()
    const top = editor.captions[0]!
    const box = boxes(view)[0]!
    await box.trigger('keydown', { key: 'ArrowRight' })
    expect(top).toMatchObject({ x: 0.51, y: 0.12 })
    await box.trigger('keydown', { key: 'ArrowDown', shiftKey: true })
    expect(top.y).toBeCloseTo(0.17)
    for (let i = 0; i < 5; i += 1) await box.trigger('keydown', { key: 'ArrowUp', shiftKey: true })
    expect(top.y).toBe(0)
    await box.trigger('keydown', { key: 'ArrowLeft' })
    expect(top.x).toBe(0.5)
  })

  it('selects a box when it gets focus, and removes it with Delete', async () => {
    const { view, editor } = mountOverlay()
    const [topId, bottomId] = editor.captions.map((caption) => caption.id)
    await boxes(view)[1]!.trigger('focus')
    expect(editor.selectedId).toBe(bottomId)
    await boxes(view)[1]!.trigger('keydown', { key: 'Delete' })
    expect(editor.captions.map((caption) => caption.id)).toEqual([topId])
  })

  it('drags a box to move it', async () => {
    const { view, editor } = mountOverlay()
    const bottom = editor.captions[1]!
    // Pressing the bottom box selects it; the drag moves it 40 px right, 30 px up.
    await drag(boxes(view)[1]!, { x: 200, y: 264 }, { x: 240, y: 234 })
    expect(editor.selectedId).toBe(bottom.id)
    expect(bottom).toMatchObject({ x: 0.6, y: 0.78, width: 0.9, height: 0.2 })
  })

  it('ignores a press that hardly moves: a click is not a drag', async () => {
    const { view, editor } = mountOverlay()
    await drag(boxes(view)[0]!, { x: 200, y: 36 }, { x: 201, y: 37 })
    expect(editor.captions[0]).toMatchObject({ x: 0.5, y: 0.12 })
  })

  it('resizes the selected box by its handles, the opposite edge staying put', async () => {
    const { view, editor } = mountOverlay()
    const top = editor.captions[0]!
    // The top box spans 20..380 px; pull its west edge 40 px in.
    await drag(view.get('[data-handle="w"]'), { x: 20, y: 36 }, { x: 60, y: 36 })
    expect(top.width).toBeCloseTo(0.8)
    expect(top.x).toBeCloseTo(0.55)
    // And its bottom edge (at 66 px) 30 px down.
    await drag(view.get('[data-handle="s"]'), { x: 220, y: 66 }, { x: 220, y: 96 })
    expect(top.height).toBeCloseTo(0.3)
    expect(top.y).toBeCloseTo(0.17)
  })

  it('turns the selected box by its round handle, in 15° steps with Shift', async () => {
    const { view, editor } = mountOverlay()
    const top = editor.captions[0]!
    const handle = view.get('[data-handle="rotate"]')
    // The centre is at (200, 36); from straight above it to 37° clockwise.
    const angle = (37 * Math.PI) / 180
    const to = { x: 200 + 60 * Math.sin(angle), y: 36 - 60 * Math.cos(angle) }
    await drag(handle, { x: 200, y: -24 }, to)
    expect(top.rotation).toBeCloseTo(37)
    await drag(view.get('[data-handle="rotate"]'), { x: 200, y: -24 }, to, { shiftKey: true })
    // 37° more from where it was: 74°, snapped to 75°.
    expect(top.rotation).toBe(75)
  })

  it('drops the selection when the picture itself is pressed', async () => {
    const { view, editor } = mountOverlay()
    await view.trigger('pointerdown', { clientX: 200, clientY: 150, pointerId: 1, button: 0 })
    expect(editor.selectedId).toBeNull()
    expect(view.findAll('[data-handle]')).toHaveLength(0)
  })
})
