import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, useTemplateRef, watch } from 'vue'
import { useFocusWithin } from '../focus-within.ts'

/** Every value the answer took, in order, as it changed. */
let history: boolean[] = []

/** Two watched areas (a form and a picture) and a button outside both. */
const Page = defineComponent({
  setup() {
    const form = useTemplateRef<HTMLElement>('form')
    const picture = useTemplateRef<HTMLElement>('picture')
    const within = useFocusWithin([form, picture])
    watch(within, (value) => history.push(value), { flush: 'sync' })
    return () =>
      h('div', [
        h('form', { ref: 'form' }, [h('textarea', { id: 'text' }), h('select', { id: 'font' })]),
        h('div', { ref: 'picture' }, [h('button', { id: 'box', type: 'button' })]),
        h('button', { id: 'outside', type: 'button' }),
      ])
  },
})

let wrapper: VueWrapper | undefined
afterEach(() => {
  wrapper?.unmount()
  document.body.replaceChildren()
  history = []
})

const focus = (id: string) => document.getElementById(id)!.focus()

describe('useFocusWithin', () => {
  it('is true while focus is in any of the areas, false once it leaves them', () => {
    wrapper = mount(Page, { attachTo: document.body })
    focus('text')
    expect(history).toEqual([true])
    focus('outside')
    expect(history).toEqual([true, false])
    focus('box')
    expect(history).toEqual([true, false, true])
    ;(document.activeElement as HTMLElement).blur()
    expect(history).toEqual([true, false, true, false])
  })

  it('moving between fields, and from one area to the other, never reads as leaving', () => {
    wrapper = mount(Page, { attachTo: document.body })
    focus('text')
    focus('font')
    focus('box')
    focus('text')
    expect(history).toEqual([true])
  })

  it('waits for a pressed pointer to be released, and its click to land, before it changes', () => {
    vi.useFakeTimers()
    try {
      wrapper = mount(Page, { attachTo: document.body })
      focus('text')
      const outside = document.getElementById('outside')!
      outside.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }))
      focus('outside')
      expect(history, 'no change under the press').toEqual([true])
      outside.dispatchEvent(new PointerEvent('pointerup', { bubbles: true }))
      expect(history, 'nor before the click that follows the release').toEqual([true])
      vi.runAllTimers()
      expect(history).toEqual([true, false])
      // A press that ends where it began changes nothing.
      outside.dispatchEvent(new PointerEvent('pointerdown', { bubbles: true }))
      focus('text')
      focus('outside')
      outside.dispatchEvent(new PointerEvent('pointercancel', { bubbles: true }))
      vi.runAllTimers()
      expect(history).toEqual([true, false])
    } finally {
      vi.useRealTimers()
    }
  })

  it('stops listening once unmounted', () => {
    wrapper = mount(Page, { attachTo: document.body })
    wrapper.unmount()
    wrapper = undefined
    const field = document.createElement('textarea')
    document.body.append(field)
    field.focus()
    field.blur()
    expect(history).toEqual([])
  })
})
