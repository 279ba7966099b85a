import { mount, type DOMWrapper, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'
import { useEditorStore } from '@/stores/editor.ts'
import EditorBoxOverlay from '../EditorBoxOverlay.vue'

let view: VueWrapper | undefined

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const pngFile = (name: string) => {
  const bytes = new Uint8Array(2048)
  bytes.set(PNG_BYTES)
  return new File([bytes], name, { type: 'image/png' })
}

/** The overlay over a 400 x 300 picture shown 400 x 300 CSS pixels, with one square sticker. */
async function mountWithSticker() {
  const editor = useEditorStore()
  // The picture 400 x 300 (first decode), the sticker square (second).
  const sizes = [400, 300, 100, 100]
  let decoded = 0
  vi.spyOn(HTMLImageElement.prototype, 'decode').mockImplementation(async function (
    this: HTMLImageElement,
  ) {
    const [width, height] = sizes.slice(decoded * 2, decoded * 2 + 2)
    decoded += 1
    Object.defineProperty(this, 'naturalWidth', { value: width })
    Object.defineProperty(this, 'naturalHeight', { value: height })
  })
  await editor.choosePicture(pngFile('picture.png'))
  const sticker = (await editor.addStickerFromFile(pngFile('star.png')))!
  editor.updateSticker(sticker.id, { x: 0.5, y: 0.5, width: 0.25 })
  view = mount(EditorBoxOverlay, { attachTo: document.body })
  vi.spyOn(view.element as HTMLElement, 'getBoundingClientRect').mockReturnValue(
    new DOMRect(0, 0, 400, 300),
  )
  await view.vm.$nextTick()
  const box = view.find<HTMLElement>('[data-sticker-index="0"]')
  return { view, editor, sticker: editor.stickers[0]!, box }
}

async function drag(
  target: Pick<DOMWrapper<Element>, 'trigger'>,
  from: { x: number; y: number },
  to: { x: number; y: number },
) {
  const at = (point: { x: number; y: number }) => ({
    clientX: point.x,
    clientY: point.y,
    pointerId: 3,
    button: 0,
  })
  await target.trigger('pointerdown', at(from))
  await target.trigger('pointermove', at(to))
  await target.trigger('pointerup', at(to))
}

beforeEach(() => {
  setActivePinia(createPinia())
  fakeApi({ '/api/limits': json(200, LIMITS) })
})
afterEach(() => view?.unmount())

describe('stickers on the overlay', () => {
  it('shows a sticker at its place with its shape, over the captions, named and with handles', async () => {
    const { view, box } = await mountWithSticker()
    // 25 % of 400 px wide and square: 100 px, a third of the 300 px height.
    expect(box.attributes('style')).toBe(
      'left: 37.5%; top: 33.3333%; width: 25%; height: 33.3333%;',
    )
    expect(box.attributes('aria-label')).toBe('Sticker 1')
    expect(box.findAll('[data-handle]')).toHaveLength(9)
    // Drawn over every caption: last in the page, so a press lands on it first.
    expect(view.findAll('.caption-box').at(-1)!.element).toBe(box.element)
  })

  it('moves with a drag and the arrow keys, resizes from a corner keeping its shape, turns', async () => {
    const { editor, sticker, box } = await mountWithSticker()
    await drag(box, { x: 200, y: 150 }, { x: 240, y: 120 })
    expect(editor.stickers[0]).toMatchObject({ x: 0.6, y: 0.4 })
    await box.trigger('keydown', { key: 'ArrowLeft', shiftKey: true })
    expect(editor.stickers[0]!.x).toBeCloseTo(0.55)

    await drag(box.find('[data-handle="se"]'), { x: 270, y: 170 }, { x: 320, y: 220 })
    // The corner follows the pointer from (270, 170) to (320, 220); the top left corner
    // (170, 70) stays: 150 px square, centred at (245, 145).
    expect(editor.stickers[0]!.width).toBeCloseTo(0.375)
    expect(editor.stickers[0]!.x).toBeCloseTo(245 / 400)
    expect(editor.stickers[0]!.y).toBeCloseTo(145 / 300)

    // From straight above the centre to straight right of it: a quarter turn.
    await drag(box.find('[data-handle="rotate"]'), { x: 245, y: 0 }, { x: 400, y: 145 })
    expect(editor.stickers[0]!.rotation).toBeCloseTo(90)
    expect(sticker.id).toBe(editor.stickers[0]!.id)
  })

  it('a locked sticker shows its padlock, has no handles, and neither drag nor keys move it', async () => {
    const { view, editor, sticker, box } = await mountWithSticker()
    editor.setLocked(sticker.id, true)
    await view.vm.$nextTick()
    expect(box.attributes('aria-label')).toBe('Sticker 1 (locked)')
    expect(box.find('.caption-box__lock').exists()).toBe(true)
    expect(box.findAll('[data-handle]')).toHaveLength(0)
    const before = { ...editor.stickers[0]! }
    await drag(box, { x: 200, y: 150 }, { x: 300, y: 250 })
    await box.trigger('keydown', { key: 'ArrowRight' })
    expect(editor.stickers[0]).toEqual(before)
    expect(editor.selectedId).toBe(sticker.id)
  })

  it('Delete removes the focused sticker', async () => {
    const { editor, box } = await mountWithSticker()
    await box.trigger('keydown', { key: 'Delete' })
    expect(editor.stickers).toHaveLength(0)
  })
})
