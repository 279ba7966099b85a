import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { expect, vi } from 'vitest'
import type { Component } from 'vue'
import { useAdminSessionStore } from '@/stores/admin-session.ts'

export const API_KEY = 'test-admin-key'

/** Mounts an admin tool as a person with an accepted key sees it. */
export function mountWithKey(component: Component): VueWrapper {
  const pinia = createPinia()
  setActivePinia(pinia)
  useAdminSessionStore().apiKey = API_KEY
  return mount(component, { global: { plugins: [pinia] }, attachTo: document.body })
}

/** The form control a `<label>` with exactly this text points at, as a person finds it. */
export function byLabel(view: VueWrapper, text: string) {
  const label = view.findAll('label').find((candidate) => candidate.text() === text)
  expect(label, `a label "${text}"`).toBeDefined()
  return view.find<HTMLInputElement>(`#${CSS.escape(label!.attributes('for')!)}`)
}

export function buttonNamed(view: VueWrapper, name: string) {
  const button = view.findAll('button').find((candidate) => candidate.text() === name)
  expect(button, `a button "${name}"`).toBeDefined()
  return button!
}

/** The value a labelled output shows (a `<figure>` captioned with the label). */
export function output(view: VueWrapper, label: string) {
  const figure = view
    .findAll('figure')
    .find((candidate) => candidate.find('figcaption').text() === label)
  expect(figure, `an output "${label}"`).toBeDefined()
  return figure!.get('pre')
}

/** Fills the fields by label, then submits their form, as pressing Enter in one would. */
export async function fillAndSubmit(view: VueWrapper, fields: Record<string, string>) {
  let form: HTMLFormElement | null = null
  for (const [label, value] of Object.entries(fields)) {
    const field = byLabel(view, label)
    await field.setValue(value)
    form = field.element.closest('form')
  }
  expect(form, 'a form around the fields').not.toBeNull()
  form!.dispatchEvent(new Event('submit', { cancelable: true }))
  // The key form's store fetches the admin client on its first call (a chunk of its own).
  await vi.dynamicImportSettled()
  await flushPromises()
}

/** The text of the highlighted (differing) characters in an element. */
export const marked = (element: ReturnType<VueWrapper['get']>) =>
  element.findAll('mark').map((mark) => mark.text())
