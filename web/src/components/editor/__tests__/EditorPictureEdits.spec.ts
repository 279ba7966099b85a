import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { useCropStore } from '@/stores/crop.ts'
import EditorCropBar from '../EditorCropBar.vue'
import EditorCropFrame from '../EditorCropFrame.vue'
import EditorPictureEdits from '../EditorPictureEdits.vue'
import { withPicture } from './chosen-picture.ts'

const views: VueWrapper[] = []

function mounted<T>(component: T) {
  const view = mount(component as never, { attachTo: document.body })
  views.push(view)
  return view
}

const button = (view: VueWrapper, name: string) =>
  view.findAll<HTMLButtonElement>('button').find((candidate) => candidate.text() === name)!

beforeEach(() => setActivePinia(createPinia()))
afterEach(() => views.splice(0).forEach((view) => view.unmount()))

describe('EditorPictureEdits', () => {
  it('turns, mirrors and adds space, and says what was done', async () => {
    const editor = withPicture()
    const view = mounted(EditorPictureEdits)
    expect(view.text()).toContain('The picture as it is.')
    expect(button(view, 'Reset picture').element.disabled).toBe(true)

    await button(view, 'Rotate right').trigger('click')
    await button(view, 'Flip horizontal').trigger('click')
    const above = view.get<HTMLInputElement>('input[type="number"]')
    await above.setValue('30')
    await above.trigger('change')
    await view.findAll('input[type="radio"]')[1]!.setValue(true)
    expect(editor.edits).toEqual({
      rotate: 90,
      flipHorizontal: true,
      bandTop: 0.3,
      bandColor: '#000000',
    })
    expect(view.text()).toContain('Picture turned 90°, mirrored left to right, 30% space above.')

    await button(view, 'Reset picture').trigger('click')
    expect(editor.edits).toEqual({})
  })

  it('refuses space past the picture’s height', async () => {
    const editor = withPicture()
    const view = mounted(EditorPictureEdits)
    const below = view.findAll<HTMLInputElement>('input[type="number"]')[1]!
    await below.setValue('250')
    await below.trigger('change')
    expect(editor.edits.bandBottom).toBe(1)
    expect(below.element.value).toBe('100')
  })
})

describe('crop mode', () => {
  it('moves the rectangle with the arrow keys, resizes it with Shift, applies on Enter', async () => {
    const editor = withPicture()
    const crop = useCropStore()
    crop.start()
    crop.setRatio('1:1')
    const frame = mounted(EditorCropFrame)
    const area = frame.get('[data-crop-area]')
    expect(document.activeElement).toBe(area.element)
    const before = { ...crop.draft }
    await area.trigger('keydown', { key: 'ArrowRight' })
    expect(crop.draft.x).toBeCloseTo(before.x + 0.01)
    await area.trigger('keydown', { key: 'ArrowLeft', shiftKey: true })
    // Square kept: 1 % of the width less is 1 % of 800 px, so 8 px off the height too.
    expect(crop.draft.width).toBeCloseTo(before.width - 0.01)
    expect(crop.draft.height * 600).toBeCloseTo(crop.draft.width * 800)
    await area.trigger('keydown', { key: 'Enter' })
    expect(crop.active).toBe(false)
    expect(editor.edits.crop).toBeDefined()
  })

  it('Escape cancels from anywhere; the bar says the size kept', async () => {
    const editor = withPicture()
    const crop = useCropStore()
    crop.start()
    const bar = mounted(EditorCropBar)
    await bar.get('select').setValue('16:9')
    expect(bar.text()).toContain('Keeps 800 × 450 px')
    document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await nextTick()
    expect(crop.active).toBe(false)
    expect(editor.edits).toEqual({})
  })
})
