import type { MeasureText } from '@meme-studio/meme-core'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeXhr, fakeApi, heldReply, json } from '@/api/__tests__/fake-network.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'
import { useEditorStore } from '@/stores/editor.ts'
import EditorActionBar from '../EditorActionBar.vue'

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const pngFile = () => {
  const bytes = new Uint8Array(4096)
  bytes.set(PNG_BYTES)
  return new File([bytes], 'cat.png', { type: 'image/png' })
}
const SIGNED = {
  url: 'http://s3.test/meme-studio-uploads',
  fields: { key: 'uploads/0b7f.png', 'Content-Type': 'image/png' },
  key: 'uploads/0b7f.png',
  expiresAt: '2030-01-01T00:05:00.000Z',
  maxBytes: LIMITS.maxUploadBytes,
}
/** A render whose last byte tells the renders apart. */
const rendered = (mark: number) =>
  json(200, { meme_data: btoa(String.fromCharCode(...PNG_BYTES, mark)), meme_type: 'image/png' })
const mono: MeasureText = (text, font) => text.length * 0.5 * Number.parseFloat(font)

/** The bar's height reaches the page through a variable on the root, as ResizeObserver tells. */
class FakeResizeObserver {
  static observers: FakeResizeObserver[] = []
  observed: Element[] = []
  disconnected = false
  constructor(readonly callback: ResizeObserverCallback) {
    FakeResizeObserver.observers.push(this)
  }
  observe(target: Element) {
    this.observed.push(target)
  }
  unobserve() {}
  disconnect() {
    this.disconnected = true
  }
  resize(blockSize: number) {
    const entry = { borderBoxSize: [{ blockSize, inlineSize: 390 }] }
    this.callback([entry as unknown as ResizeObserverEntry], this as unknown as ResizeObserver)
  }
}

let wrapper: VueWrapper | undefined

/** The bar under a form with the id it is given, as the editor places it. */
function mountBar() {
  const form = document.createElement('form')
  form.id = 'captions'
  document.body.append(form)
  wrapper = mount(EditorActionBar, { props: { form: 'captions' }, attachTo: document.body })
  return wrapper
}
const generate = (view: VueWrapper) => view.get<HTMLButtonElement>('button[type="submit"]')
const download = (view: VueWrapper) => view.find<HTMLAnchorElement>('a.action-bar__download')

async function pictureAndText(text: string) {
  const editor = useEditorStore()
  editor.measureText = mono
  await editor.choosePicture(pngFile())
  editor.setCaptionText(editor.captions[0]!.id, text)
  await flushPromises()
  return editor
}

async function generated(editor: ReturnType<typeof useEditorStore>) {
  const generating = editor.generate()
  await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
  FakeXhr.sent[0]!.respond(204)
  await generating
  await flushPromises()
}

beforeEach(() => {
  setActivePinia(createPinia())
  FakeXhr.install()
  FakeResizeObserver.observers = []
  vi.stubGlobal('ResizeObserver', FakeResizeObserver)
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(800)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(600)
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.replaceChildren()
})

describe('EditorActionBar', () => {
  it('is a named region whose Generate submits the captions form, disabled with its reason until there is something to make', async () => {
    fakeApi({ '/api/limits': json(200, LIMITS) })
    const view = mountBar()
    expect(view.attributes('aria-label')).toBe('Generate and download')
    const button = generate(view)
    expect(button.attributes('form')).toBe('captions')
    expect(button.element.form).toBe(document.getElementById('captions'))
    expect(button.text()).toBe('Generate')
    expect(button.element.disabled).toBe(true)
    const hint = view.get(`#${CSS.escape(button.attributes('aria-describedby')!)}`)
    expect(hint.text()).toBe('Choose a picture and write a caption to begin.')
    expect(download(view).exists()).toBe(false)

    await pictureAndText('Hello')
    expect(generate(view).element.disabled).toBe(false)
    expect(generate(view).attributes('aria-describedby')).toBeUndefined()
    expect(view.text()).not.toContain('Choose a picture')
  })

  it('shows the upload and render progress on Generate, then offers Download named from the captions', async () => {
    const render = heldReply(rendered(1))
    fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': render.reply,
    })
    const view = mountBar()
    const editor = await pictureAndText('Hello there')
    const generating = editor.generate()
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    FakeXhr.sent[0]!.progress(30, 100)
    await flushPromises()
    expect(generate(view).text()).toBe('Uploading… 30%')
    expect(generate(view).element.disabled).toBe(true)
    expect(view.get('[role="progressbar"]').attributes('aria-valuenow')).toBe('30')

    FakeXhr.sent[0]!.respond(204)
    await vi.waitFor(() => expect(generate(view).text()).toBe('Rendering…'))
    expect(view.find('[role="progressbar"]').exists()).toBe(false)
    render.release()
    await generating
    await flushPromises()

    expect(generate(view).text()).toBe('Generate')
    expect(view.get('[aria-live="polite"]').text()).toBe('Your meme is ready.')
    const link = download(view)
    expect(link.text()).toBe('Download')
    expect(link.attributes('href')).toBe(editor.meme!.url)
    expect(link.attributes('download')).toBe('hello-there.png')
  })

  it('Download of an out-of-date meme renders the boxes first and saves the new meme, never the old', async () => {
    const second = heldReply(rendered(2))
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': [rendered(1), second.reply],
    })
    const saved: { href: string; download: string }[] = []
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement,
    ) {
      saved.push({ href: this.href, download: this.download })
    })
    const view = mountBar()
    const editor = await pictureAndText('Old words')
    await generated(editor)
    const old = editor.meme!.url
    editor.setCaptionText(editor.captions[0]!.id, 'New words')
    await flushPromises()
    expect(editor.resultStale).toBe(true)

    const click = new MouseEvent('click', { bubbles: true, cancelable: true })
    download(view).element.dispatchEvent(click)
    // The old render is not handed out: the link's own download is cancelled.
    expect(click.defaultPrevented).toBe(true)
    await flushPromises()
    expect(download(view).attributes('aria-disabled')).toBe('true')
    expect(view.text()).toContain('Updating your meme to match the preview, then downloading…')
    expect(saved).toEqual([])

    second.release()
    await vi.waitFor(() => expect(saved).toHaveLength(1))
    expect(api.requestsTo('/api/meme')).toHaveLength(2)
    expect(saved[0]!.href).toBe(editor.meme!.url)
    expect(saved[0]!.href).not.toBe(old)
    expect(saved[0]!.download).toBe('new-words.png')
    await flushPromises()
    expect(download(view).attributes('aria-disabled')).toBeUndefined()
  })

  it('shows a failed render with Try again, which generates again', async () => {
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': [json(503, { error: 'SERVICE_UNAVAILABLE', message: 'Busy' }), rendered(1)],
    })
    const view = mountBar()
    const editor = await pictureAndText('Hello')
    await generated(editor)
    const alert = view.get('[role="alert"]')
    expect(alert.text()).not.toBe('')
    await alert.get('button').trigger('click')
    await vi.waitFor(() => expect(api.requestsTo('/api/meme')).toHaveLength(2))
    await vi.waitFor(() => expect(download(view).exists()).toBe(true))
  })

  it('tells the page its height while it is shown, for the scroll padding, and forgets it after', async () => {
    fakeApi({ '/api/limits': json(200, LIMITS) })
    const view = mountBar()
    const [observer] = FakeResizeObserver.observers
    expect(observer?.observed).toEqual([view.element])
    observer!.resize(86.4)
    const root = document.documentElement
    expect(root.style.getPropertyValue('--action-bar-height')).toBe('87px')
    view.unmount()
    wrapper = undefined
    expect(observer!.disconnected).toBe(true)
    expect(root.style.getPropertyValue('--action-bar-height')).toBe('')
  })
})
