import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
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
