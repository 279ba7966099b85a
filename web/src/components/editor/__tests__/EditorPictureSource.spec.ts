import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent } from 'vue'
import { FakeXhr, fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { templateFixture } from '@/api/__tests__/template-fixtures.ts'
import { useEditorStore } from '@/stores/editor.ts'
import EditorPictureSource from '../EditorPictureSource.vue'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 1, 2])
const GRID = templateFixture('layout-grid', {
  name: 'Four in a grid',
  tags: ['layout', 'grid'],
  layout: { kind: 'grid', panels: 4 },
})
const COMPOSED = {
  key: 'uploads/7c1d.png',
  contentType: 'image/png',
  width: 1600,
  height: 1200,
  imageUrl: 'http://s3.test/bucket/uploads/7c1d.png?X-Amz-Signature=c',
  expiresAt: '2030-01-01T00:15:00.000Z',
}

/** Stands in for the layout's panels: what matters here is what it is given and emits. */
const LayoutPanelsStandIn = defineComponent({
  name: 'EditorLayoutPanels',
  props: { layout: { type: Object, required: true } },
  emits: ['composed'],
  template: '<p class="layout-stand-in">{{ layout.kind }}</p>',
})

let wrapper: VueWrapper | undefined

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  FakeXhr.install()
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(1600)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(1200)
})
afterEach(() => wrapper?.unmount())

describe('EditorPictureSource', () => {
  it('asks a layout template for its pictures, then captions the composed upload', async () => {
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/templates': json(200, { templates: [GRID], nextCursor: null }),
      '/bucket/uploads/7c1d.png': { status: 200, body: PNG, contentType: 'image/png' },
      '/api/meme': json(200, { meme_data: btoa('meme!'), meme_type: 'image/png' }),
    })
    wrapper = mount(EditorPictureSource, {
      global: { stubs: { EditorLayoutPanels: LayoutPanelsStandIn } },
      attachTo: document.body,
    })
    await flushPromises()

    await wrapper.get('button[title="Four in a grid"]').trigger('click')
    const panels = wrapper.getComponent(LayoutPanelsStandIn)
    expect(panels.props('layout')).toEqual({ kind: 'grid', panels: 4 })
    // Nothing is fetched for a layout's own picture: the pictures come from the person.
    expect(api.requests.some((r) => r.url.pathname.includes('layout-grid'))).toBe(false)

    panels.vm.$emit('composed', COMPOSED)
    await flushPromises()
    const editor = useEditorStore()
    expect(editor.picture?.width).toBe(1600)
    expect(editor.template).toBeNull()
    expect(editor.captions.map(({ id: _id, ...box }) => box)).toEqual(GRID.boxes)
    expect(wrapper.findComponent(LayoutPanelsStandIn).exists()).toBe(false)

    // The composed picture is already an upload: Generate names its key, uploading nothing.
    editor.setCaptionText(editor.captions[0]!.id, 'Top left')
    await editor.generate()
    expect(FakeXhr.sent).toHaveLength(0)
    expect(JSON.parse(api.requestsTo('/api/meme')[0]!.body!).image).toBe(COMPOSED.key)
  })

  it('shows a template that could not be opened beside the gallery, and tries it again', async () => {
    const yellow = templateFixture('blank-4x3-yellow', { name: 'Blank 4:3, yellow' })
    fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/templates': json(200, { templates: [yellow], nextCursor: null }),
      '/bucket/templates/blank-4x3-yellow.png': [
        'network-error',
        { status: 200, body: PNG, contentType: 'image/png' },
      ],
    })
    wrapper = mount(EditorPictureSource, { attachTo: document.body })
    await flushPromises()

    await wrapper.get('button[title="Blank 4:3, yellow"]').trigger('click')
    await flushPromises()
    const alert = wrapper.get('[role="tabpanel"]:not([style*="none"]) [role="alert"]')
    expect(alert.text()).toContain("We couldn't reach meme-studio.")
    expect(wrapper.get('[role="tab"][aria-selected="true"]').text()).toBe('Templates')

    await alert.get('button').trigger('click')
    await flushPromises()
    expect(wrapper.text()).toContain('Choose another template')
    expect(useEditorStore().template?.id).toBe('blank-4x3-yellow')
  })

  it('a template picture put back (a restored draft) shows as the chosen template', async () => {
    fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/templates': json(200, { templates: [], nextCursor: null }),
    })
    wrapper = mount(EditorPictureSource, { attachTo: document.body })
    await flushPromises()
    await wrapper.findAll('[role="tab"]')[1]!.trigger('click')
    expect(wrapper.get('[role="tab"][aria-selected="true"]').text()).toBe('Upload your own')

    const from = { id: 'drake', version: 2, name: 'Drake', boxes: [] }
    const file = new File([PNG], 'drake.png', { type: 'image/png' })
    expect(await useEditorStore().restorePicture(file, from)).toBe(true)
    await flushPromises()
    expect(wrapper.get('[role="tab"][aria-selected="true"]').text()).toBe('Templates')
    expect(wrapper.text()).toContain('Drake')
    expect(wrapper.text()).toContain('Choose another template')
  })
})
