import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { useCropStore } from '@/stores/crop.ts'
import EditorPreview from '../EditorPreview.vue'
import { withPicture } from './chosen-picture.ts'

// The crop bar's chunk is held until the test lets it arrive, as on a slow network.
const barChunk = vi.hoisted(() => {
  let arrive!: () => void
  const arrived = new Promise<void>((resolve) => (arrive = resolve))
  return { arrive, arrived }
})
vi.mock('../EditorCropBar.vue', async (importOriginal) => {
  await barChunk.arrived
  return importOriginal()
})

const views: VueWrapper[] = []
beforeEach(() => setActivePinia(createPinia()))
afterEach(() => views.splice(0).forEach((view) => view.unmount()))

describe('EditorPreview in crop mode', () => {
  it('shows the crop frame only with the bar that hears Escape', async () => {
    withPicture()
    const crop = useCropStore()
    crop.start()
    const view = mount(EditorPreview, { attachTo: document.body })
    views.push(view)
    await flushPromises()
    // The frame's own chunk is here, the bar's is not: no frame yet, so no focus in a crop
    // area whose Escape nobody hears.
    expect(view.find('[data-crop-area]').exists()).toBe(false)

    barChunk.arrive()
    await vi.waitFor(() => expect(view.find('[data-crop-area]').exists()).toBe(true))
    expect(view.find('.crop-bar').exists()).toBe(true)
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    expect(crop.active).toBe(false)
  })
})
