import { STICKER_LIMITS } from '@meme-studio/meme-core'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'
import { useEditorStore } from '@/stores/editor.ts'
import EditorCaptionPanel from '../EditorCaptionPanel.vue'

let view: VueWrapper | undefined

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const pngFile = (name: string) => {
  const bytes = new Uint8Array(2048)
  bytes.set(PNG_BYTES)
  return new File([bytes], name, { type: 'image/png' })
}

beforeEach(() => {
  setActivePinia(createPinia())
  fakeApi({ '/api/limits': json(200, LIMITS) })
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(400)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(400)
})
afterEach(() => view?.unmount())

const button = (wrapper: VueWrapper, name: string) =>
  wrapper.findAll('button').find((entry) => entry.text() === name)
const describedBy = (element: { attributes(name: string): string | undefined }) =>
  document.getElementById(element.attributes('aria-describedby') ?? '')?.textContent?.trim()

describe('the sticker controls', () => {
  it('a sticker gets a tab and the order buttons, each off with its reason where it cannot act', async () => {
    view = mount(EditorCaptionPanel, { attachTo: document.body })
    const editor = useEditorStore()
    expect(view.find('[role="tablist"][aria-label="Stickers"]').exists()).toBe(false)
    await editor.addStickerFromFile(pngFile('star.png'))
    await flushPromises()

    const tabs = view.findAll('[role="tablist"][aria-label="Stickers"] [role="tab"]')
    expect(tabs.map((tab) => tab.text())).toEqual(['Sticker 1'])
    expect(tabs[0]!.attributes('aria-selected')).toBe('true')
    // The text boxes' tabs still take Tab: none of them is selected, so the first is.
    const textTabs = view.findAll('[role="tablist"][aria-label="Text boxes"] [role="tab"]')
    expect(textTabs.map((tab) => tab.attributes('tabindex'))).toEqual(['0', '-1'])
    expect(view.find('[role="tabpanel"]').attributes('aria-labelledby')).toBe(
      tabs[0]!.attributes('id'),
    )

    const forward = button(view, 'Forward')!
    expect(forward.attributes('disabled')).toBeDefined()
    expect(describedBy(forward)).toBe('This sticker is already in front of everything.')
    await button(view, 'Back')!.trigger('click')
    expect(editor.stickers[0]!.above).toBe(1)
    expect(button(view, 'Forward')!.attributes('disabled')).toBeUndefined()

    await button(view, 'Lock')!.trigger('click')
    expect(editor.stickers[0]!.locked).toBe(true)
    expect(view.text()).toContain("Locked: it can't be dragged, resized or turned.")
    expect(view.find('input[type="range"]').attributes('disabled')).toBeDefined()
    await button(view, 'Unlock')!.trigger('click')
    expect(editor.stickers[0]!.locked).toBe(false)

    await button(view, 'Duplicate')!.trigger('click')
    expect(editor.stickers).toHaveLength(2)
    expect(view.findAll('[role="tablist"][aria-label="Stickers"] [role="tab"]')).toHaveLength(2)

    await button(view, 'Delete sticker')!.trigger('click')
    expect(editor.stickers).toHaveLength(1)
  })

  it('a sticker keeps its name when Forward or Back reorders the list', async () => {
    view = mount(EditorCaptionPanel, { attachTo: document.body })
    const editor = useEditorStore()
    const first = (await editor.addStickerFromFile(pngFile('one.png')))!
    const second = (await editor.addStickerFromFile(pngFile('two.png')))!
    // Both over every caption: the first moves in front of the second.
    editor.bringForward(first.id)
    expect(editor.stickers.map(({ id }) => id)).toEqual([second.id, first.id])
    editor.selectCaption(first.id)
    await flushPromises()
    const tabs = view.findAll('[role="tablist"][aria-label="Stickers"] [role="tab"]')
    expect(tabs.map((tab) => [tab.text(), tab.attributes('aria-selected')])).toEqual([
      ['Sticker 1', 'true'],
      ['Sticker 2', 'false'],
    ])
  })

  it(`Add sticker is off with the reason at ${STICKER_LIMITS.maxStickers}; Duplicate too`, async () => {
    view = mount(EditorCaptionPanel, { attachTo: document.body })
    const editor = useEditorStore()
    while (editor.canAddSticker) await editor.addStickerFromFile(pngFile('star.png'))
    await flushPromises()
    const add = button(view, 'Add sticker')!
    expect(add.attributes('disabled')).toBeDefined()
    expect(describedBy(add)).toBe('5 stickers at most: delete one to add another.')
    const duplicate = button(view, 'Duplicate')!
    expect(duplicate.attributes('disabled')).toBeDefined()
    expect(describedBy(duplicate)).toContain('5 stickers at most: delete one to duplicate this.')
  })

  it('the picker is built only while it is open, and its button names it then', async () => {
    view = mount(EditorCaptionPanel, { attachTo: document.body })
    const editor = useEditorStore()
    const add = () => button(view!, 'Add sticker')!
    const built = () => view!.find('.sticker-add__panel').exists()
    // Closed: none of its fields or emoji are in the page, and the button points at nothing.
    expect(built()).toBe(false)
    expect(view.find('input[type="file"]').exists()).toBe(false)
    expect(add().attributes('aria-expanded')).toBe('false')
    expect(add().attributes('aria-controls')).toBeUndefined()

    await add().trigger('click')
    expect(add().attributes('aria-expanded')).toBe('true')
    const panel = document.getElementById(add().attributes('aria-controls')!)
    expect(panel?.getAttribute('aria-label')).toBe('Add a sticker')
    expect(view.find('input[type="file"]').exists()).toBe(true)

    await view.find('.sticker-add__panel').trigger('keydown', { key: 'Escape' })
    expect(built()).toBe(false)
    expect(document.activeElement).toBe(add().element)

    // Open at the limit: the panel goes, as there is nothing it could add.
    await add().trigger('click')
    expect(built()).toBe(true)
    while (editor.canAddSticker) await editor.addStickerFromFile(pngFile('star.png'))
    await flushPromises()
    expect(built()).toBe(false)
    expect(add().attributes('aria-expanded')).toBe('false')
    expect(add().attributes('aria-controls')).toBeUndefined()
  })

  it('the emoji picker names each emoji and says why typed text is refused', async () => {
    view = mount(EditorCaptionPanel, { attachTo: document.body })
    const editor = useEditorStore()
    editor.drawEmoji = async () => pngFile('emoji.png')
    await button(view, 'Add sticker')!.trigger('click')
    const emoji = view.findAll('button[aria-label$=" sticker"]')
    expect(emoji).toHaveLength(24)
    expect(emoji[0]!.attributes('aria-label')).toBe('Add face with tears of joy sticker')

    await view.find('input[type="text"]').setValue('hello there friend')
    await view.find('form').trigger('submit')
    await flushPromises()
    expect(view.find('[role="alert"]').text()).toBe(
      "That isn't an emoji. Type or paste one, like 😂.",
    )

    await emoji[0]!.trigger('click')
    await flushPromises()
    expect(editor.stickers).toHaveLength(1)
    expect(editor.stickerAssets.get(editor.stickers[0]!.asset)?.emoji).toBe('😂')
  })
})
