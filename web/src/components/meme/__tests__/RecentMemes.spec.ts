import 'fake-indexeddb/auto'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { StoredFile } from '@/drafts/editor-draft.ts'
import {
  listRecentMemes,
  removeRecentMeme,
  saveRecentMeme,
  type RecentMeme,
} from '@/drafts/recent-memes.ts'
import { useEditorDraftsStore } from '@/stores/editor-drafts.ts'
import RecentMemes from '../RecentMemes.vue'

let view: VueWrapper | undefined

const file = (name: string, type: string, bytes: number[]): StoredFile => ({
  name,
  type,
  bytes: new Uint8Array(bytes).buffer,
})

function recent(id: string, createdAt: number, text: string): RecentMeme {
  return {
    id,
    createdAt,
    thumbnail: file('thumb.webp', 'image/webp', [1, 2, 3]),
    image: file(`${id}.png`, 'image/png', [0x89, 0x50, 0x4e, 0x47, createdAt % 256]),
    filename: `${text.replaceAll(' ', '-')}.png`,
    altText: `Meme: “${text}”`,
    draft: {
      savedAt: createdAt,
      document: {
        captions: [{ id: 1, text, x: 0.5, y: 0.2 }],
        stickers: [],
        edits: {},
        format: undefined,
      },
      picture: null,
      template: null,
      stickers: [],
    },
  }
}

beforeEach(async () => {
  setActivePinia(createPinia())
  for (const meme of await listRecentMemes()) await removeRecentMeme(meme.id)
})

afterEach(() => {
  view?.unmount()
  useEditorDraftsStore().$dispose()
})

describe('Recent memes', () => {
  it('is not shown before this browser has made a meme', async () => {
    await useEditorDraftsStore().open()
    view = mount(RecentMemes)
    expect(view.find('section').exists()).toBe(false)
  })

  it('lists this browser’s memes, newest first, with their thumbnail, alt text, name and time', async () => {
    await saveRecentMeme(recent('a', Date.UTC(2026, 11, 6, 6, 0), 'older one'))
    await saveRecentMeme(recent('b', Date.UTC(2026, 11, 6, 7, 0), 'newer one'))
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:thumb')
    await useEditorDraftsStore().open()
    view = mount(RecentMemes)
    await flushPromises()

    expect(view.get('h2').text()).toBe('Recent memes')
    expect(view.text()).toContain('Kept only in this browser, on this device')
    const items = view.findAll('li')
    expect(items.map((item) => item.get('img').attributes('alt'))).toEqual([
      'Meme: “newer one”',
      'Meme: “older one”',
    ])
    expect(items[0]!.get('img').attributes('src')).toBe('blob:thumb')
    expect(items[0]!.text()).toContain('newer-one.png')
    expect(items[0]!.get('time').attributes('datetime')).toBe('2026-12-06T07:00:00.000Z')
    expect(items[0]!.findAll('button').map((button) => button.text())).toEqual([
      'Open again',
      'Download again',
      'Remove',
    ])
  })

  it('Remove takes a meme off the list and out of the browser', async () => {
    await saveRecentMeme(recent('a', Date.UTC(2026, 11, 6, 6, 0), 'gone soon'))
    await useEditorDraftsStore().open()
    view = mount(RecentMemes)
    await flushPromises()
    const remove = view.findAll('button').find((button) => button.text() === 'Remove')!
    await remove.trigger('click')
    await vi.waitFor(() => expect(view!.find('section').exists()).toBe(false))
    expect(await listRecentMemes()).toEqual([])
  })
})
