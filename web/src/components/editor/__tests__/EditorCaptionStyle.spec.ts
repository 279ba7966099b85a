import type { Caption } from '@meme-studio/meme-core'
import { mount, type VueWrapper } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import EditorCaptionStyle from '../EditorCaptionStyle.vue'

const caption: Caption = { text: 'Hello', x: 0.5, y: 0.12, width: 0.9, height: 0.2 }

/** The control a visible label names: by its `for`, or the one the label wraps. */
function control(view: VueWrapper, name: string) {
  const label = view
    .findAll('label')
    .find((candidate) => candidate.text().replace(/\s+/g, ' ').startsWith(name))
  expect(label, `a label "${name}"`).toBeDefined()
  const target = label!.attributes('for')
  return target
    ? view.get<HTMLInputElement>(`#${CSS.escape(target)}`)
    : label!.get<HTMLInputElement>('input')
}

function mountStyle(props: { caption?: Caption; hint?: string } = {}) {
  return mount(EditorCaptionStyle, { props: { caption, ...props }, attachTo: document.body })
}

describe('EditorCaptionStyle', () => {
  it('shows the caption and its defaults in labelled controls', () => {
    const view = mountStyle()
    expect(control(view, 'Text').element.value).toBe('Hello')
    expect(control(view, 'Font').element.value).toBe('anton')
    expect(view.findAll('option').map((option) => option.text())).toEqual([
      'Anton (classic)',
      'Sans',
      'Serif',
      'Handwritten',
    ])
    expect(control(view, 'Fill colour').element.value).toBe('#ffffff')
    expect(control(view, 'Outline colour').element.value).toBe('#000000')
    expect(control(view, 'Outline width').element.value).toBe('0.1')
    expect(control(view, 'Size').element.value).toBe('1')
    expect(control(view, 'Centre').element.checked).toBe(true)
    expect(control(view, 'Upper case').element.checked).toBe(true)
    expect(control(view, 'Shadow').element.checked).toBe(false)
    expect(control(view, 'Rotation').element.value).toBe('0')
    view.unmount()
  })

  it('emits a change for each control', async () => {
    const view = mountStyle()
    await control(view, 'Font').setValue('serif')
    await control(view, 'Fill colour').setValue('#ffee00')
    await control(view, 'Outline colour').setValue('#112233')
    await control(view, 'Outline width').setValue('0')
    await control(view, 'Size').setValue('1.5')
    await control(view, 'Right').setValue(true)
    await control(view, 'Upper case').setValue(false)
    await control(view, 'Shadow').setValue(true)
    await control(view, 'Rotation').setValue('45')
    expect(view.emitted('update')).toEqual([
      [{ font: 'serif' }],
      [{ color: '#ffee00' }],
      [{ strokeColor: '#112233' }],
      [{ strokeWidth: 0 }],
      [{ scale: 1.5 }],
      [{ align: 'right' }],
      [{ uppercase: false }],
      [{ shadow: true }],
      [{ rotation: 45 }],
    ])
    await view
      .findAll('button')
      .find((button) => button.text() === 'Delete text box')!
      .trigger('click')
    expect(view.emitted('remove')).toHaveLength(1)
    view.unmount()
  })

  it('emits typed text, and shows the old text again when the parent refuses it', async () => {
    const view = mountStyle()
    const text = control(view, 'Text')
    await text.setValue('Hello there')
    expect(view.emitted('text')).toEqual([['Hello there']])
    // The parent kept "Hello": the field says so.
    expect(text.element.value).toBe('Hello')

    await view.setProps({ caption: { ...caption, text: 'Hello!' } })
    await text.setValue('Hello!')
    expect(text.element.value).toBe('Hello!')
    view.unmount()
  })

  it('waits for an input method to finish composing before it passes the text on', async () => {
    const view = mountStyle()
    const text = control(view, 'Text')
    text.element.value = 'Hello に'
    text.element.dispatchEvent(new InputEvent('input', { isComposing: true }))
    await view.vm.$nextTick()
    expect(view.emitted('text')).toBeUndefined()
    expect(text.element.value).toBe('Hello に')
    text.element.value = 'Hello 日本'
    await text.trigger('compositionend')
    expect(view.emitted('text')).toEqual([['Hello 日本']])
    view.unmount()
  })

  it('says why in a live region', async () => {
    const view = mountStyle()
    const status = view.get('[role="status"]')
    expect(status.text()).toBe('')
    await view.setProps({
      hint: 'Too much text for this box — make it bigger or the text shorter.',
    })
    expect(status.text()).toBe('Too much text for this box — make it bigger or the text shorter.')
    expect(control(view, 'Text').attributes('aria-invalid')).toBe('true')
    view.unmount()
  })
})
