import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeXhr, fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { templateFixture } from '@/api/__tests__/template-fixtures.ts'
import { useEditorStore } from '@/stores/editor.ts'
import { EDIT_TOKENS_KEY } from '@/stores/templates.ts'
import EditorSaveTemplate from '../EditorSaveTemplate.vue'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 1, 2])
const SIGNED = {
  url: 'http://s3.test/bucket',
  fields: { key: 'uploads/0b7f.png', 'Content-Type': 'image/png' },
  key: 'uploads/0b7f.png',
  expiresAt: '2030-01-01T00:05:00.000Z',
  maxBytes: LIMITS.maxUploadBytes,
}
const SAVED = templateFixture('office-cat-k3x9qa', { kind: 'saved', name: 'Office cat' })

let wrapper: VueWrapper | undefined

/** The form control a `<label>` with exactly this text points at. */
function byLabel(view: VueWrapper, text: string) {
  const label = view.findAll('label').find((candidate) => candidate.text() === text)
  expect(label, `a label "${text}"`).toBeDefined()
  return view.get<HTMLInputElement>(`#${CSS.escape(label!.attributes('for')!)}`)
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  FakeXhr.install()
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(800)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(600)
})
afterEach(() => wrapper?.unmount())

describe('EditorSaveTemplate', () => {
  it('uploads, saves, and shows the edit token once, kept in the browser by id', async () => {
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/templates': [
        json(201, { template: SAVED, editToken: 'tok-once' }),
        json(200, { templates: [SAVED], nextCursor: null }),
      ],
    })
    const editor = useEditorStore()
    await editor.choosePicture(new File([PNG], 'cat.png', { type: 'image/png' }))
    wrapper = mount(EditorSaveTemplate, { attachTo: document.body })

    await wrapper.get('button').trigger('click')
    expect(wrapper.get('dialog').attributes()).toHaveProperty('open')
    await byLabel(wrapper, 'Name').setValue('Office cat')
    await byLabel(wrapper, 'Tags').setValue('Cats, office')
    await wrapper.get('form').trigger('submit')
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    FakeXhr.sent[0]!.respond(204)
    await vi.waitFor(() => expect(wrapper!.text()).toContain('Template saved'))
    await flushPromises()

    const [saved] = api.requestsTo('/api/templates').filter((r) => r.method === 'POST')
    expect(JSON.parse(saved!.body!)).toMatchObject({
      image: SIGNED.key,
      name: 'Office cat',
      tags: ['cats', 'office'],
    })
    expect(byLabel(wrapper, 'Edit token').element.value).toBe('tok-once')
    expect(wrapper.text()).toContain('It is shown only now')
    expect(JSON.parse(localStorage.getItem(EDIT_TOKENS_KEY)!)).toEqual({
      'office-cat-k3x9qa': 'tok-once',
    })

    // Closed and opened again, the dialog asks for a new template: the token is not shown again.
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Done')!
      .trigger('click')
    await wrapper.get('button').trigger('click')
    expect(wrapper.text()).not.toContain('tok-once')
    expect(wrapper.find('form').exists()).toBe(true)
  })

  it('refuses more than ten tags before sending anything, and explains a refusal', async () => {
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/templates': json(400, {
        statusCode: 400,
        error: 'Bad Request',
        message: 'body/name must not be blank',
        code: 'VALIDATION',
      }),
    })
    const editor = useEditorStore()
    await editor.choosePicture(new File([PNG], 'cat.png', { type: 'image/png' }))
    wrapper = mount(EditorSaveTemplate, { attachTo: document.body })
    await wrapper.get('button').trigger('click')
    await byLabel(wrapper, 'Name').setValue('Cat')
    await byLabel(wrapper, 'Tags').setValue('a,b,c,d,e,f,g,h,i,j,k')

    expect(wrapper.text()).toContain('At most 10 tags; this has 11.')
    const save = wrapper.findAll('button').find((b) => b.text() === 'Save template')!
    expect(save.attributes()).toHaveProperty('disabled')

    await byLabel(wrapper, 'Tags').setValue('cats')
    await wrapper.get('form').trigger('submit')
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    FakeXhr.sent[0]!.respond(204)
    await vi.waitFor(() => expect(wrapper!.find('[role="alert"]').exists()).toBe(true))
    expect(wrapper.get('[role="alert"]').text()).toContain(
      "The name, tags or source weren't accepted",
    )
    expect(api.requestsTo('/api/templates')).toHaveLength(1)
  })

  it('is unavailable without a picture', async () => {
    fakeApi({ '/api/limits': json(200, LIMITS) })
    wrapper = mount(EditorSaveTemplate, { attachTo: document.body })
    expect(wrapper.get('button').attributes()).toHaveProperty('disabled')
  })
})
