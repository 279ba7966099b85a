import { CAPTION_LIMITS } from '@meme-studio/meme-core'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { useEditorStore } from '@/stores/editor.ts'
import EditorCaptionPanel from '../EditorCaptionPanel.vue'

let view: VueWrapper | undefined

beforeEach(() => setActivePinia(createPinia()))
afterEach(() => view?.unmount())

const addButton = (wrapper: VueWrapper) =>
  wrapper.findAll('button').find((button) => button.text() === 'Add text')!

describe('Add text', () => {
  it('says why it is off once there are as many boxes as the API takes', async () => {
    view = mount(EditorCaptionPanel, { attachTo: document.body })
    const editor = useEditorStore()
    expect(addButton(view).attributes('disabled')).toBeUndefined()
    expect(addButton(view).attributes('aria-describedby')).toBeUndefined()
    expect(view.text()).not.toContain('at most')

    while (editor.captions.length < CAPTION_LIMITS.maxCaptions - 1) editor.addCaption()
    await addButton(view).trigger('click')
    expect(editor.captions).toHaveLength(10)

    const button = addButton(view)
    expect(button.attributes('disabled')).toBeDefined()
    const hintId = button.attributes('aria-describedby')
    expect(hintId).toBeTruthy()
    const hint = document.getElementById(hintId!)
    expect(hint?.textContent?.trim()).toBe('10 text boxes at most: delete one to add another.')
    expect(view.findAll('[role="tab"]').map((tab) => tab.text())).toContain('Text 10')

    editor.removeCaption(editor.captions[0]!.id)
    await view.vm.$nextTick()
    expect(addButton(view).attributes('disabled')).toBeUndefined()
    expect(addButton(view).attributes('aria-describedby')).toBeUndefined()
    expect(document.getElementById(hintId!)).toBeNull()
  })
})
