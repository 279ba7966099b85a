import type { MemeRequest } from '@meme-studio/meme-core/schema'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, heldReply, json } from '@/api/__tests__/fake-network.ts'
import MemeResult from '../MemeResult.vue'
import MemeShare from '../MemeShare.vue'

const REQUEST: MemeRequest = {
  image: 'uploads/2b1c2d3e-1111-4222-8333-444455556666.jpg',
  captions: [
    { text: 'Top text', x: 0.5, y: 0.15 },
    { text: 'Bottom text', x: 0.5, y: 0.85 },
  ],
}
const ID = 'AbC_-09xYzAbC_-09xYzAb'
const CREATED = {
  id: ID,
  url: `/m/${ID}`,
  imageUrl: `http://s3.test/meme-studio-uploads/renders/${ID}.jpg?X-Amz-Signature=abc`,
  expiresAt: '2030-01-01T01:00:00.000Z',
}

let wrapper: VueWrapper | undefined
afterEach(() => wrapper?.unmount())

function mountShare(request: MemeRequest = REQUEST) {
  wrapper = mount(MemeShare, { props: { request }, attachTo: document.body })
  return wrapper
}

const shareButton = (view: VueWrapper) =>
  view.findAll('button').find((button) => ['Share', 'Sharing…'].includes(button.text()))

const linkField = (view: VueWrapper) => {
  const label = view.findAll('label').find((candidate) => candidate.text() === 'Link to your meme')
  return label && view.find<HTMLInputElement>(`#${CSS.escape(label.attributes('for')!)}`)
}

describe('MemeShare', () => {
  it('says it is sharing, then shows the link to copy or open', async () => {
    const answer = heldReply(json(201, CREATED))
    const api = fakeApi({ '/api/shares': answer.reply })
    const view = mountShare()

    await shareButton(view)!.trigger('click')
    expect(shareButton(view)!.text()).toBe('Sharing…')
    expect(shareButton(view)!.element.disabled).toBe(true)

    answer.release()
    await vi.waitFor(() => expect(linkField(view)?.exists()).toBe(true))
    const link = `${window.location.origin}/m/${ID}`
    const field = linkField(view)!
    expect(field.element.value).toBe(link)
    expect(field.element.readOnly).toBe(true)
    expect(document.activeElement).toBe(field.element)
    expect(shareButton(view)).toBeUndefined()
    const open = view.findAll('a').find((a) => a.text() === 'Open')
    expect(open?.attributes()).toMatchObject({ href: link, target: '_blank', rel: 'noopener' })

    const [sent] = api.requestsTo('/api/shares')
    expect(sent?.method).toBe('POST')
    expect(JSON.parse(sent?.body ?? '')).toEqual(REQUEST)
  })

  it('copies the link and says so', async () => {
    fakeApi({ '/api/shares': json(201, CREATED) })
    const writeText = vi.fn(async () => undefined)
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    const view = mountShare()
    await shareButton(view)!.trigger('click')
    await flushPromises()

    await view
      .findAll('button')
      .find((b) => b.text() === 'Copy link')!
      .trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(`${window.location.origin}/m/${ID}`)
    expect(view.get('[role="status"]').text()).toBe('Link copied')
  })

  it('explains a refused copy and leaves the link selected', async () => {
    fakeApi({ '/api/shares': json(201, CREATED) })
    vi.stubGlobal('navigator', {
      ...navigator,
      clipboard: { writeText: vi.fn(async () => Promise.reject(new Error('NotAllowedError'))) },
    })
    const view = mountShare()
    await shareButton(view)!.trigger('click')
    await flushPromises()

    await view
      .findAll('button')
      .find((b) => b.text() === 'Copy link')!
      .trigger('click')
    await flushPromises()
    expect(view.get('[role="alert"]').text()).toContain("Your browser didn't let us copy the link.")
    expect(view.get('[role="status"]').text()).toBe('')
  })

  it.each([
    [
      'a missing upload',
      json(404, {
        statusCode: 404,
        error: 'Not Found',
        message: 'That upload does not exist or has expired',
        code: 'IMAGE_NOT_FOUND',
      }),
      "The uploaded picture couldn't be found any more. Try again to upload it once more.",
    ],
    [
      'storage trouble',
      json(503, {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The storage service is not reachable',
        code: 'STORAGE_UNAVAILABLE',
      }),
      "The picture storage isn't available right now. Please try again in a moment.",
    ],
    [
      'no connection',
      'network-error' as const,
      "We couldn't reach meme-studio. Check your connection and try again.",
    ],
    [
      'a link to another site',
      json(201, { ...CREATED, url: 'https://evil.example/m/x' }),
      "The server sent an answer we couldn't read. Please try again in a moment.",
    ],
  ])('shows %s as a sentence, and shares on Try again', async (_case, failure, sentence) => {
    fakeApi({ '/api/shares': [failure, json(201, CREATED)] })
    const view = mountShare()
    await shareButton(view)!.trigger('click')
    await flushPromises()

    const alert = view.get('[role="alert"]')
    expect(alert.text()).toContain(sentence)
    expect(alert.text()).not.toMatch(/IMAGE_NOT_FOUND|STORAGE_UNAVAILABLE|statusCode/)
    expect(shareButton(view)!.text()).toBe('Share')
    expect(linkField(view)).toBeUndefined()

    await alert.get('button').trigger('click')
    await flushPromises()
    expect(view.find('[role="alert"]').exists()).toBe(false)
    expect(linkField(view)!.element.value).toBe(`${window.location.origin}/m/${ID}`)
  })
})

describe('MemeResult', () => {
  const meme = {
    type: 'image/jpeg' as const,
    blob: new Blob(['meme!'], { type: 'image/jpeg' }),
    url: 'blob:http://localhost/1',
    filename: 'meme.jpg',
  }

  it('offers Share next to Download and Copy when it knows the request', () => {
    fakeApi({})
    wrapper = mount(MemeResult, { props: { meme, request: REQUEST } })
    const actions = wrapper.findAll('.meme-result__actions a, .meme-result__actions button')
    expect(actions.map((action) => action.text())).toEqual(['Download', 'Copy', 'Share'])
  })

  it('describes the image by its captions, top to bottom, and names the download after them', () => {
    fakeApi({})
    const request = { ...REQUEST, captions: [...REQUEST.captions].reverse() }
    wrapper = mount(MemeResult, { props: { meme, request } })
    expect(wrapper.get('img').attributes('alt')).toBe('Meme: “Top text” / “Bottom text”')
    expect(wrapper.get('a[download]').attributes('download')).toBe('top-text-bottom-text.jpg')
  })

  it('says a meme has no captions when none has a word', () => {
    fakeApi({})
    const request = { ...REQUEST, captions: [{ text: '  ', x: 0.5, y: 0.5 }] }
    wrapper = mount(MemeResult, { props: { meme, request } })
    expect(wrapper.get('img').attributes('alt')).toBe('A meme without captions')
    expect(wrapper.get('a[download]').attributes('download')).toBe('meme.jpg')
  })

  it('offers no Share without the request', () => {
    fakeApi({})
    wrapper = mount(MemeResult, { props: { meme } })
    expect(wrapper.findAll('button').map((button) => button.text())).not.toContain('Share')
  })
})
