import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, heldReply, json } from '@/api/__tests__/fake-network.ts'
import { templateFixture } from '@/api/__tests__/template-fixtures.ts'
import { TEMPLATE_PAGE_SIZE } from '@/api/template-page.ts'
import { afterNextPaint } from '@/composables/after-paint.ts'
import { RECENT_TEMPLATES_KEY, SEARCH_DEBOUNCE_MS } from '@/stores/templates.ts'
import TemplateGallery from '../TemplateGallery.vue'

const page = (ids: string[], nextCursor: string | null = null) =>
  json(200, {
    templates: ids.map((id) => templateFixture(id, { name: `Blank ${id}`, tags: ['blank', id] })),
    nextCursor,
  })

let wrapper: VueWrapper | undefined

async function mountGallery() {
  wrapper = mount(TemplateGallery, {
    global: { plugins: [createPinia()] },
    attachTo: document.body,
  })
  await flushPromises()
  return wrapper
}

/** Each tile's accessible name: its picture's alt text. */
const tileNames = (view: VueWrapper, group: string) =>
  view
    .findAll('section')
    .find((section) => section.get('h3').text() === group)
    ?.findAll('button img')
    .map((img) => img.attributes('alt'))

beforeEach(() => localStorage.clear())
afterEach(() => {
  wrapper?.unmount()
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('TemplateGallery', () => {
  it('shows recently used templates first, then the rest, each tile named and tagged', async () => {
    localStorage.setItem(RECENT_TEMPLATES_KEY, JSON.stringify(['b']))
    fakeApi({
      '/api/templates': page(['a', 'b', 'c']),
      '/api/templates/b': json(
        200,
        templateFixture('b', { name: 'Blank b', tags: ['blank', 'b'] }),
      ),
    })
    const view = await mountGallery()

    expect(view.findAll('h3').map((h) => h.text())).toEqual(['Recently used', 'All templates'])
    expect(tileNames(view, 'Recently used')).toEqual(['Blank b'])
    expect(tileNames(view, 'All templates')).toEqual(['Blank a', 'Blank c'])

    const tile = view.get('button[title="Blank a"]')
    const image = tile.get('img')
    expect(image.attributes('loading')).toBe('eager') // on the first screen
    await afterNextPaint()
    expect(image.attributes('src')).toContain('/templates/a-thumb.webp')
    const tags = document.getElementById(tile.attributes('aria-describedby')!)
    expect(tags?.textContent).toBe('blank · a')
  })

  it('asks for the tiles’ pictures once the page has painted, and for later tiles’ at once', async () => {
    fakeApi({ '/api/templates': [page(['a', 'b'], 'cursor-2'), page(['c'])] })
    const view = await mountGallery()
    const sources = () => view.findAll('button img').map((img) => img.attributes('src'))

    // Built and named, but no file asked for yet.
    expect(sources()).toEqual([undefined, undefined])
    expect(tileNames(view, 'All templates')).toEqual(['Blank a', 'Blank b'])

    await afterNextPaint()
    expect(sources()).toEqual([
      expect.stringContaining('/templates/a-thumb.webp'),
      expect.stringContaining('/templates/b-thumb.webp'),
    ])

    // The next page comes after the paint: its tiles ask as they are built.
    const more = view.findAll('button').find((b) => b.text() === 'More templates')
    await more!.trigger('click')
    await flushPromises()
    expect(sources()[2]).toContain('/templates/c-thumb.webp')
  })

  it('fetches the pictures of the first screen’s tiles at once, and the others as they come into view', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']
    fakeApi({ '/api/templates': page(ids) })
    const view = await mountGallery()
    const loading = () => view.findAll('button img').map((img) => img.attributes('loading'))
    expect(loading()).toEqual([...Array(6).fill('eager'), 'lazy', 'lazy'])
    view.unmount()

    // Recently used tiles come first: the first screen's count from them.
    localStorage.setItem(RECENT_TEMPLATES_KEY, JSON.stringify(['b']))
    fakeApi({
      '/api/templates': page(ids),
      '/api/templates/b': json(200, templateFixture('b', { name: 'Blank b', tags: ['blank'] })),
    })
    const again = await mountGallery()
    expect(again.findAll('button img').map((img) => img.attributes('loading'))).toEqual([
      ...Array(6).fill('eager'),
      'lazy',
      'lazy',
    ])
    expect(tileNames(again, 'Recently used')).toEqual(['Blank b'])
  })

  it("holds a page of tiles' room while the first page loads, then shows the tiles there", async () => {
    const first = heldReply(page(['a', 'b', 'c'], 'next'))
    fakeApi({ '/api/templates': first.reply })
    const view = await mountGallery()

    // Placeholders for the eye: a page's worth of tiles and the More button, hidden from
    // screen readers, which hear the status instead.
    const placeholders = view.findAll('.gallery-tile--placeholder')
    expect(placeholders).toHaveLength(TEMPLATE_PAGE_SIZE)
    for (const tile of placeholders)
      expect(tile.element.closest('[aria-hidden="true"]')).not.toBeNull()
    expect(view.findAll('button')).toHaveLength(0)
    expect(view.get('.gallery__more--placeholder').attributes('aria-hidden')).toBe('true')
    expect(view.get('[role="status"]').text()).toBe('Loading templates…')

    first.release()
    await flushPromises()
    expect(view.findAll('.gallery-tile--placeholder')).toHaveLength(0)
    expect(tileNames(view, 'All templates')).toEqual(['Blank a', 'Blank b', 'Blank c'])
    expect(view.get('button.gallery__more').text()).toBe('More templates')
  })

  it('searches once typing pauses, and says when nothing matches', async () => {
    const api = fakeApi({ '/api/templates': [page(['a']), page([])] })
    const view = await mountGallery()
    vi.useFakeTimers()

    await view.get('input[type="search"]').setValue('yel')
    await view.get('input[type="search"]').setValue('yellow')
    expect(api.requestsTo('/api/templates')).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    vi.useRealTimers()
    await flushPromises()

    const searches = api.requestsTo('/api/templates')
    expect(searches.map((r) => r.url.searchParams.get('q'))).toEqual([null, 'yellow'])
    expect(view.get('[role="status"]').text()).toBe(
      'No templates match “yellow”. Try another word, or upload your own picture.',
    )
  })

  it('pages on with More, and puts a failure into a sentence with Try again', async () => {
    const api = fakeApi({
      '/api/templates': [page(['a', 'b'], 'cursor-2'), 'network-error', page(['c'])],
    })
    const view = await mountGallery()
    const more = () => view.findAll('button').find((b) => b.text() === 'More templates')

    await more()!.trigger('click')
    await flushPromises()
    const alert = view.get('[role="alert"]')
    expect(alert.text()).toContain("We couldn't reach meme-studio.")

    await alert.get('button').trigger('click')
    await flushPromises()
    expect(api.requestsTo('/api/templates')[2]!.url.searchParams.get('cursor')).toBe('cursor-2')
    expect(tileNames(view, 'All templates')).toEqual(['Blank a', 'Blank b', 'Blank c'])
    expect(more()).toBeUndefined()
    expect(view.find('[role="alert"]').exists()).toBe(false)
  })

  it('hands the chosen template to the editor', async () => {
    fakeApi({ '/api/templates': page(['a', 'b']) })
    const view = await mountGallery()
    await view.get('button[title="Blank b"]').trigger('click')
    expect(view.emitted('choose')?.[0]?.[0]).toMatchObject({ id: 'b' })
  })
})
