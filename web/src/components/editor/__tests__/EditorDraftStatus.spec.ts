import 'fake-indexeddb/auto'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { deleteDraft, loadDraft, saveDraft } from '@/drafts/editor-draft.ts'
import { useEditorDraftsStore } from '@/stores/editor-drafts.ts'
import { useEditorStore } from '@/stores/editor.ts'
import EditorDraftStatus from '../EditorDraftStatus.vue'

let view: VueWrapper | undefined

const buttons = (wrapper: VueWrapper) => wrapper.findAll('button').map((button) => button.text())

beforeEach(async () => {
  setActivePinia(createPinia())
  await deleteDraft()
})

afterEach(async () => {
  view?.unmount()
  const drafts = useEditorDraftsStore()
  drafts.$dispose()
  await drafts.saveNow()
})

describe('the draft status', () => {
  it('says a draft was restored, and when; Start over clears it and offers it back', async () => {
    // Another day than today: the date is said with the time.
    const savedAt = new Date(2020, 10, 20, 6, 30).getTime()
    await saveDraft({
      savedAt,
      document: {
        captions: [{ id: 1, text: 'from before', x: 0.5, y: 0.2 }],
        stickers: [],
        edits: {},
        format: undefined,
      },
      picture: null,
      template: null,
      stickers: [],
    })
    view = mount(EditorDraftStatus, { attachTo: document.body })
    await flushPromises()
    const time = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    expect(view.get('[role="status"]').text()).toBe(
      `Restored your draft from ${time.format(savedAt)}.`,
    )
    expect(useEditorStore().captions[0]!.text).toBe('from before')
    expect(buttons(view)).toEqual(['Start over'])

    await view.get('button').trigger('click')
    await flushPromises()
    expect(useEditorStore().captions[0]!.text).toBe('')
    expect(await loadDraft()).toBeUndefined()
    expect(view.get('[role="status"]').text()).toBe('Started over: your draft is deleted.')
    expect(buttons(view)).toEqual(['Bring it back'])
    expect(document.activeElement?.textContent?.trim()).toBe('Bring it back')

    await view.get('button').trigger('click')
    await flushPromises()
    expect(useEditorStore().captions[0]!.text).toBe('from before')
    expect(buttons(view)).toEqual(['Start over'])
  })

  it('offers nothing while there is nothing to lose, and Start over once there is', async () => {
    view = mount(EditorDraftStatus, { attachTo: document.body })
    await flushPromises()
    expect(buttons(view)).toEqual([])
    expect(view.get('[role="status"]').text()).toBe('')
    useEditorStore().setCaptionText(useEditorStore().captions[0]!.id, 'words')
    await flushPromises()
    expect(buttons(view)).toEqual(['Start over'])
  })
})
