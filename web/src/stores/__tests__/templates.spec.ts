import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, heldReply, json } from '@/api/__tests__/fake-network.ts'
import { templateFixture } from '@/api/__tests__/template-fixtures.ts'
import {
  EDIT_TOKENS_KEY,
  MAX_RECENT_TEMPLATES,
  RECENT_TEMPLATES_KEY,
  recentFirst,
  SEARCH_DEBOUNCE_MS,
  useTemplatesStore,
} from '../templates.ts'

const page = (ids: string[], nextCursor: string | null = null) =>
  json(200, { templates: ids.map((id) => templateFixture(id)), nextCursor })
const notFound = (id: string) =>
  json(404, { statusCode: 404, error: 'Not Found', message: id, code: 'TEMPLATE_NOT_FOUND' })
const ids = (templates: readonly { id: string }[]) => templates.map(({ id }) => id)
const storedRecent = () => JSON.parse(localStorage.getItem(RECENT_TEMPLATES_KEY) ?? 'null')

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('recently used, newest first', () => {
  it('moves a template used again to the front and keeps at most twelve', () => {
    expect(recentFirst(['a', 'b', 'c'], 'c')).toEqual(['c', 'a', 'b'])
    expect(recentFirst(['a', 'b'], 'new')).toEqual(['new', 'a', 'b'])
    const full = Array.from({ length: MAX_RECENT_TEMPLATES }, (_, i) => `t${i}`)
    const next = recentFirst(full, 'latest')
    expect(next).toHaveLength(MAX_RECENT_TEMPLATES)
    expect(next[0]).toBe('latest')
    expect(next).not.toContain(`t${MAX_RECENT_TEMPLATES - 1}`)
  })

  it('lists recent templates first, once, and remembers them in the browser', async () => {
    localStorage.setItem(RECENT_TEMPLATES_KEY, JSON.stringify(['b', 'gone', 'x']))
    fakeApi({
      '/api/templates': page(['a', 'b', 'c']),
      '/api/templates/b': json(200, templateFixture('b')),
      '/api/templates/x': json(200, templateFixture('x')),
      '/api/templates/gone': notFound('gone'),
    })
    const templates = useTemplatesStore()
    await templates.start()

    expect(ids(templates.recentShown)).toEqual(['b', 'x'])
    // What is already shown as recently used is not listed twice.
    expect(ids(templates.listed)).toEqual(['a', 'c'])
    // A deleted template is forgotten; one that exists stays.
    expect(storedRecent()).toEqual(['b', 'x'])

    templates.markUsed(templateFixture('c'))
    expect(ids(templates.recentShown)).toEqual(['c', 'b', 'x'])
    expect(ids(templates.listed)).toEqual(['a'])
    expect(storedRecent()).toEqual(['c', 'b', 'x'])
  })

  it('reads storage that holds something else as nothing', async () => {
    localStorage.setItem(RECENT_TEMPLATES_KEY, '{"not":"a list"')
    const api = fakeApi({ '/api/templates': page(['a']) })
    const templates = useTemplatesStore()
    await templates.start()
    expect(templates.recentShown).toEqual([])
    expect(api.requests.map((r) => r.url.pathname)).toEqual(['/api/templates'])
  })
})

describe('searching', () => {
  it('waits for typing to pause, then asks once with the last text', async () => {
    vi.useFakeTimers()
    const api = fakeApi({ '/api/templates': page(['blank-4x3-yellow']) })
    const templates = useTemplatesStore()

    templates.setQuery('b')
    templates.setQuery('blank')
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS - 1)
    templates.setQuery('blank 4:3')
    vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS - 1)
    expect(api.requestsTo('/api/templates')).toHaveLength(0)

    vi.advanceTimersByTime(1)
    await vi.waitFor(() => expect(templates.loading).toBe(false))
    const searches = api.requestsTo('/api/templates')
    expect(searches.map((r) => r.url.searchParams.get('q'))).toEqual(['blank 4:3'])
    expect(ids(templates.listed)).toEqual(['blank-4x3-yellow'])
  })

  it('hides "Recently used" while searching', async () => {
    localStorage.setItem(RECENT_TEMPLATES_KEY, JSON.stringify(['b']))
    fakeApi({
      '/api/templates': page(['b', 'c']),
      '/api/templates/b': json(200, templateFixture('b')),
    })
    const templates = useTemplatesStore()
    await templates.start()
    templates.query = 'b'
    await templates.search()
    expect(templates.recentShown).toEqual([])
    expect(ids(templates.listed)).toEqual(['b', 'c'])
  })

  it('drops an older answer that arrives after a newer one', async () => {
    const slow = heldReply(page(['old']))
    fakeApi({ '/api/templates': [slow.reply, page(['new'])] })
    const templates = useTemplatesStore()
    templates.query = 'o'
    const first = templates.search()
    templates.query = 'n'
    await templates.search()
    slow.release()
    await first
    expect(ids(templates.listed)).toEqual(['new'])
    expect(templates.loading).toBe(false)
  })

  it('pages on with the cursor, and says in a sentence when a page fails', async () => {
    const api = fakeApi({
      '/api/templates': [page(['a', 'b'], 'next-1'), page(['c'], null), 'network-error'],
    })
    const templates = useTemplatesStore()
    await templates.search()
    expect(templates.hasMore).toBe(true)
    await templates.loadMore()
    expect(api.requestsTo('/api/templates')[1]!.url.searchParams.get('cursor')).toBe('next-1')
    expect(ids(templates.listed)).toEqual(['a', 'b', 'c'])
    expect(templates.hasMore).toBe(false)

    await templates.search()
    expect(templates.error).toBe(
      "We couldn't reach meme-studio. Check your connection and try again.",
    )
  })
})

describe('a template saved here', () => {
  it('keeps its edit token by id, puts it first and lists it fresh', async () => {
    localStorage.setItem(EDIT_TOKENS_KEY, JSON.stringify({ older: 'tok-0' }))
    const saved = templateFixture('office-cat', { kind: 'saved', name: 'Office cat' })
    fakeApi({ '/api/templates': page(['office-cat', 'a']) })
    const templates = useTemplatesStore()

    await templates.addSaved(saved, 'tok-1')

    expect(templates.editTokenOf('office-cat')).toBe('tok-1')
    expect(templates.editTokenOf('older')).toBe('tok-0')
    expect(ids(templates.recentShown)).toEqual(['office-cat'])
    expect(storedRecent()).toEqual(['office-cat'])
    expect(vi.mocked(fetch).mock.calls.at(-1)![1]).toMatchObject({ cache: 'no-cache' })
  })
})

describe('deleting a template saved here', () => {
  it('deletes it with its token, then forgets the token and drops it from the lists', async () => {
    localStorage.setItem(EDIT_TOKENS_KEY, JSON.stringify({ 'office-cat': 'tok-1', other: 'tok-2' }))
    localStorage.setItem(RECENT_TEMPLATES_KEY, JSON.stringify(['office-cat', 'a']))
    const api = fakeApi({
      '/api/templates': page(['office-cat', 'a', 'b']),
      '/api/templates/office-cat': [
        json(200, templateFixture('office-cat', { kind: 'saved' })),
        { status: 204, body: '' },
      ],
      '/api/templates/a': json(200, templateFixture('a')),
    })
    const templates = useTemplatesStore()
    await templates.start()

    await templates.removeSaved({ id: 'office-cat', version: 1 })

    const deleted = api.requestsTo('/api/templates/office-cat').at(-1)!
    expect(deleted.method).toBe('DELETE')
    expect(deleted.headers.get('x-edit-token')).toBe('tok-1')
    expect(templates.editTokenOf('office-cat')).toBeUndefined()
    expect(templates.editTokenOf('other')).toBe('tok-2')
    expect(storedRecent()).toEqual(['a'])
    expect(ids(templates.recentShown)).toEqual(['a'])
    expect(ids(templates.listed)).toEqual(['b'])

    // A list answer the browser kept from before still holds it: it stays out.
    templates.setQuery('office')
    await templates.search()
    expect(ids(templates.listed)).toEqual(['a', 'b'])
  })

  it('refuses, asking nothing of the API, a template this browser holds no token for', async () => {
    const api = fakeApi({})
    const templates = useTemplatesStore()
    await expect(templates.removeSaved({ id: 'not-mine', version: 1 })).rejects.toThrow()
    expect(api.requests).toEqual([])
  })
})
