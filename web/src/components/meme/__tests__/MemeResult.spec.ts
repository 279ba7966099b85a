import type { MemeRequest } from '@meme-studio/meme-core/schema'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import type { MemeImage } from '@/meme/meme-image.ts'
import MemeResult from '../MemeResult.vue'

const OLD: MemeImage = {
  type: 'image/png',
  blob: new Blob(['old'], { type: 'image/png' }),
  url: 'blob:http://localhost/old',
  filename: 'meme.png',
}
const NEW: MemeImage = {
  ...OLD,
  blob: new Blob(['new'], { type: 'image/png' }),
  url: 'blob:http://localhost/new',
}
const request = (text: string): MemeRequest => ({
  image: 'uploads/2b1c2d3e-1111-4222-8333-444455556666.jpg',
  captions: [{ text, x: 0.5, y: 0.15 }],
})
const ID = 'AbC_-09xYzAbC_-09xYzAb'

let wrapper: VueWrapper | undefined
afterEach(() => {
  wrapper?.unmount()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

/**
 * An out-of-date result whose `freshen` waits until released, then (like the editor) shows
 * the new render, or fails.
 */
function staleResult(outcome: 'renders' | 'fails' = 'renders') {
  let release: () => void = () => undefined
  const released = new Promise<void>((resolve) => (release = resolve))
  const freshen = vi.fn(async () => {
    await released
    if (outcome === 'fails') return false
    await view.setProps({ meme: NEW, request: request('New words'), stale: false })
    return true
  })
  const view = mount(MemeResult, {
    props: { meme: OLD, request: request('Old words'), stale: true, freshen },
    attachTo: document.body,
  })
  wrapper = view
  return { view, freshen, release: () => release() }
}

const statusTexts = (view: VueWrapper) =>
  view.findAll('[role="status"]').map((status) => status.text())
const button = (view: VueWrapper, name: RegExp) =>
  view.findAll('a, button').find((element) => name.test(element.text()))!

describe('MemeResult out of date', () => {
  it('says nothing of staleness while the result matches the boxes', () => {
    fakeApi({})
    wrapper = mount(MemeResult, { props: { meme: OLD, request: request('Old words') } })
    expect(statusTexts(wrapper).join('')).not.toMatch(/Out of date/)
    expect(wrapper.classes()).not.toContain('meme-result--stale')
  })

  it('marks an out-of-date result, dims it and says why it cannot update yet', async () => {
    fakeApi({})
    const { view } = staleResult()
    expect(statusTexts(view)).toContain('Out of date — updating…')
    expect(view.classes()).toContain('meme-result--stale')
    await view.setProps({ staleReason: 'Write some text to generate your meme.' })
    expect(statusTexts(view)).toContain('Out of date — Write some text to generate your meme.')
  })

  it('shows a failed re-render as a sentence, and tries again from the alert', async () => {
    fakeApi({})
    const { view, freshen } = staleResult()
    await view.setProps({ refreshError: 'We could not reach the server. Try again.' })
    const alert = view.get('[role="alert"]')
    expect(alert.text()).toContain('Out of date — We could not reach the server. Try again.')
    expect(statusTexts(view).join('')).not.toContain('updating')
    await alert.get('button').trigger('click')
    expect(freshen).toHaveBeenCalledTimes(1)
  })

  it('Download renders the boxes first, once however often it is pressed, then saves the new meme', async () => {
    fakeApi({})
    const saved: { href: string; download: string }[] = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      saved.push({ href: this.href, download: this.download })
    })
    const { view, freshen, release } = staleResult()
    const download = button(view, /Download/)
    await download.trigger('click')
    await download.trigger('click')
    expect(freshen).toHaveBeenCalledTimes(1)
    expect(download.text()).toBe('Updating, then Download…')
    expect(download.attributes('aria-disabled')).toBe('true')
    expect(button(view, /^Copy$|Copy…/).attributes('disabled')).toBeDefined()
    expect(saved).toEqual([])

    release()
    await flushPromises()
    expect(saved).toEqual([{ href: NEW.url, download: 'new-words.png' }])
    expect(download.text()).toBe('Download')
    expect(view.get('img').attributes('src')).toBe(NEW.url)
  })

  it('Download saves nothing when the boxes could not be rendered', async () => {
    fakeApi({})
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => {})
    const { view, release } = staleResult('fails')
    await button(view, /Download/).trigger('click')
    release()
    await flushPromises()
    expect(click).not.toHaveBeenCalled()
  })

  it('Copy copies the new render, never the old one', async () => {
    fakeApi({})
    const written: Blob[] = []
    vi.stubGlobal(
      'ClipboardItem',
      class {
        constructor(readonly items: Record<string, Promise<Blob>>) {}
      },
    )
    vi.spyOn(navigator, 'clipboard', 'get').mockReturnValue({
      write: async (items: { items: Record<string, Promise<Blob>> }[]) => {
        for (const item of items) written.push(...(await Promise.all(Object.values(item.items))))
      },
    } as unknown as Clipboard)
    const { view, release } = staleResult()
    await button(view, /^Copy$/).trigger('click')
    expect(written).toEqual([])
    release()
    await flushPromises()
    expect(written).toHaveLength(1)
    expect(await written[0]!.text()).toBe('new')
  })

  it('Share renders the boxes first and shares the new request', async () => {
    const api = fakeApi({
      '/api/shares': json(201, {
        id: ID,
        url: `/m/${ID}`,
        imageUrl: `http://s3.test/r/${ID}.jpg`,
        expiresAt: '2030-01-01T01:00:00.000Z',
      }),
    })
    const { view, freshen, release } = staleResult()
    await button(view, /^Share$/).trigger('click')
    expect(freshen).toHaveBeenCalledTimes(1)
    expect(api.requests).toHaveLength(0)
    release()
    await flushPromises()
    const shares = api.requests.filter((seen) => seen.method === 'POST')
    expect(shares).toHaveLength(1)
    expect(JSON.parse(shares[0]!.body!).captions[0].text).toBe('New words')
  })
})
