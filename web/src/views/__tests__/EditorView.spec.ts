import { resolveObjectURL } from 'node:buffer'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeXhr, fakeApi, heldReply, json } from '@/api/__tests__/fake-network.ts'
import { templateFixture } from '@/api/__tests__/template-fixtures.ts'
import EditorView from '../EditorView.vue'
import { afterNextPaint } from '@/composables/after-paint.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'

const JPEG_BYTES = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1])
const SIGNED = {
  url: 'http://s3.test/bucket',
  fields: { key: 'uploads/1.jpg', 'Content-Type': 'image/jpeg' },
  key: 'uploads/1.jpg',
  expiresAt: '2030-01-01T00:00:00Z',
  maxBytes: LIMITS.maxUploadBytes,
}

/** The API as the editor meets it: limits, and a gallery with no templates. */
function editorApi(routes: Parameters<typeof fakeApi>[0]) {
  return fakeApi({
    '/api/limits': json(200, LIMITS),
    '/api/templates': json(200, { templates: [], nextCursor: null }),
    ...routes,
  })
}

/** The text boxes' tabs, not the picture's Templates / Upload your own. */
const CAPTION_TAB = '[aria-label="Text boxes"] [role="tab"]'

let wrapper: VueWrapper | undefined

async function mountEditor() {
  wrapper = mount(EditorView, { global: { plugins: [createPinia()] }, attachTo: document.body })
  // The captions step is built once the page has painted, and comes in a chunk of its own.
  await afterNextPaint()
  await vi.dynamicImportSettled()
  await flushPromises()
  return wrapper
}

/** The form control a `<label>` with exactly this text points at, as a person finds it. */
function byLabel(view: VueWrapper, text: string) {
  const label = view.findAll('label').find((candidate) => candidate.text() === text)
  expect(label, `a label "${text}"`).toBeDefined()
  return view.find<HTMLInputElement>(`#${CSS.escape(label!.attributes('for')!)}`)
}

/** Selects a text box by its tab and types into it, as a person would. */
async function typeInBox(view: VueWrapper, index: number, text: string) {
  await view.findAll(CAPTION_TAB)[index]!.trigger('click')
  await byLabel(view, 'Text').setValue(text)
}

/** Generate, in the bar that keeps it on screen; it submits the captions' form. */
function generateButton(view: VueWrapper) {
  return view.get<HTMLButtonElement>('[aria-label="Generate and download"] button[type="submit"]')
}

/**
 * Presses Generate. happy-dom does not submit a form from a submit button outside it (the
 * button names the form by its `form` attribute, as browsers honour), so the test does.
 */
async function pressGenerate(view: VueWrapper) {
  const button = generateButton(view)
  expect(button.element.disabled).toBe(false)
  await view.get(`#${CSS.escape(button.attributes('form')!)}`).trigger('submit')
}

async function choose(input: ReturnType<typeof byLabel>, file: File) {
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
  await input.trigger('change')
  await vi.waitFor(() => expect(wrapper?.text()).not.toContain('Opening picture'))
  await flushPromises()
}

beforeEach(() => {
  FakeXhr.install()
  // happy-dom decodes no pixels: the pictures here are 800 x 600.
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(800)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(600)
})
afterEach(() => wrapper?.unmount())

describe('EditorView', () => {
  it('keeps Generate disabled, and says why, until there is a picture and a caption', async () => {
    editorApi({ '/api/limits': json(200, LIMITS) })
    const view = await mountEditor()

    expect(generateButton(view).text()).toBe('Generate')
    expect(generateButton(view).element.disabled).toBe(true)
    expect(view.text()).toContain('Choose a picture and write a caption to begin.')

    await typeInBox(view, 0, 'When the build is green')
    expect(generateButton(view).element.disabled).toBe(true)
    expect(view.text()).toContain('Choose a picture to go with your caption.')

    await choose(byLabel(view, 'Image'), new File([JPEG_BYTES], 'dog.jpg', { type: 'image/jpeg' }))
    expect(view.text()).toContain('dog.jpg')
    expect(generateButton(view).element.disabled).toBe(false)
  })

  it('builds the captions step once the page has painted, not before', async () => {
    // Frames are held until the test lets one happen.
    const frames: FrameRequestCallback[] = []
    vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) =>
      frames.push(callback),
    )
    editorApi({ '/api/limits': json(200, LIMITS) })
    wrapper = mount(EditorView, { global: { plugins: [createPinia()] }, attachTo: document.body })
    await vi.dynamicImportSettled()
    await flushPromises()
    expect(wrapper.find('h1').text()).toBe('Make a meme')
    expect(wrapper.text()).toContain('Captions')
    expect(wrapper.findAll(CAPTION_TAB)).toHaveLength(0)

    for (const frame of frames.splice(0)) frame(performance.now())
    await flushPromises()
    await vi.dynamicImportSettled()
    await flushPromises()
    expect(wrapper.findAll(CAPTION_TAB).map((tab) => tab.text())).toEqual(['Text 1', 'Text 2'])
  })

  it('builds no preview on a phone until there is a picture, as it shows none', async () => {
    // The editor's phone layout: one column, the waiting preview hidden (EditorView's styles).
    vi.stubGlobal('matchMedia', (query: string) => ({
      matches: query === '(max-width: 899px)',
      addEventListener: () => {},
      removeEventListener: () => {},
    }))
    editorApi({ '/api/limits': json(200, LIMITS) })
    const view = await mountEditor()
    expect(view.find('.editor__preview').exists()).toBe(false)
    expect(view.find('canvas').exists()).toBe(false)

    await choose(byLabel(view, 'Image'), new File([JPEG_BYTES], 'dog.jpg', { type: 'image/jpeg' }))
    expect(view.find('.editor__preview').exists()).toBe(true)
    expect(view.get('.preview__caption').text()).toContain('Live preview')
  })

  it('builds the waiting preview on a wider screen, where it shows', async () => {
    editorApi({ '/api/limits': json(200, LIMITS) })
    const view = await mountEditor()
    expect(view.get('.editor__preview').text()).toContain('Your picture goes here')
  })

  it('shows a refused file in an alert and never asks to upload it', async () => {
    const api = editorApi({ '/api/limits': json(200, LIMITS) })
    const view = await mountEditor()
    await choose(
      byLabel(view, 'Image'),
      new File(['<html>not a picture</html>'], 'meme.png', { type: 'image/png' }),
    )

    const alert = view.get('[role="alert"]')
    expect(alert.text()).toContain(
      "That file isn't a picture we can use. Choose a JPEG, PNG, WebP or GIF.",
    )
    expect(alert.find('button').text()).toBe('Try again')
    expect(api.requestsTo('/api/sign-s3-request')).toHaveLength(0)
    expect(generateButton(view).element.disabled).toBe(true)
  })

  it('refuses a 1×1 picture before uploading it, naming the minimum size', async () => {
    vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(1)
    vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(1)
    const api = editorApi({ '/api/limits': json(200, LIMITS) })
    const view = await mountEditor()
    expect(view.text()).toContain('at least 48 px a side, at most 10:1')
    await choose(byLabel(view, 'Image'), new File([JPEG_BYTES], 'dot.jpg', { type: 'image/jpeg' }))
    expect(view.get('[role="alert"]').text()).toContain(
      'That picture is 1 × 1 pixels, too small for a caption: both sides must be at least 48 pixels. Choose a larger one.',
    )
    expect(api.requestsTo('/api/sign-s3-request')).toHaveLength(0)
  })

  it('shows upload progress, then the rendered meme with Download and Copy', async () => {
    const render = heldReply(json(200, { meme_data: btoa('meme!'), meme_type: 'image/jpeg' }))
    editorApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': render.reply,
    })
    const view = await mountEditor()
    await choose(byLabel(view, 'Image'), new File([JPEG_BYTES], 'dog.jpg', { type: 'image/jpeg' }))
    await typeInBox(view, 1, 'Such wow')

    await pressGenerate(view)
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    FakeXhr.sent[0]!.progress(42, 100)
    await flushPromises()

    const progress = view.get('[role="progressbar"]')
    expect(progress.attributes()).toMatchObject({
      'aria-valuemin': '0',
      'aria-valuemax': '100',
      'aria-valuenow': '42',
    })
    expect(generateButton(view).text()).toBe('Uploading… 42%')
    expect(generateButton(view).element.disabled).toBe(true)

    FakeXhr.sent[0]!.respond(204)
    await vi.waitFor(() => expect(generateButton(view).text()).toBe('Rendering…'))
    expect(view.find('[role="progressbar"]').exists()).toBe(false)

    render.release()
    await vi.waitFor(() => expect(generateButton(view).text()).toBe('Generate'))

    // The result comes in a chunk of its own.
    await vi.waitFor(() => expect(view.find('img.meme-result__image').exists()).toBe(true))
    const image = view.get<HTMLImageElement>('img.meme-result__image')
    // Its alt text says its captions, as the share page's does.
    expect(image.attributes('alt')).toMatch(/^Meme: “|^A meme without captions$/)
    const shown = resolveObjectURL(image.attributes('src') ?? '')
    expect(shown?.type).toBe('image/jpeg')
    expect(await shown?.text()).toBe('meme!')
    const download = view.findAll('a').find((link) => link.text() === 'Download')
    // Named from its captions, with the type's extension.
    expect(download?.attributes('download')).toBe('such-wow.jpg')
    expect(download?.attributes('href')).toBe(image.attributes('src'))
    expect(view.findAll('button').some((button) => button.text() === 'Copy')).toBe(true)
  })

  it('shows a failed render as a sentence with Try again', async () => {
    editorApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': {
        status: 502,
        body: '<html><body>Bad Gateway</body></html>',
        contentType: 'text/html',
      },
    })
    const view = await mountEditor()
    await choose(byLabel(view, 'Image'), new File([JPEG_BYTES], 'dog.jpg', { type: 'image/jpeg' }))
    await typeInBox(view, 0, 'Hello')
    await pressGenerate(view)
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    FakeXhr.sent[0]!.respond(204)

    await vi.waitFor(() => expect(view.find('[role="alert"]').exists()).toBe(true))
    const alert = view.get('[role="alert"]')
    expect(alert.text()).toContain("The meme-studio server isn't available right now.")
    expect(alert.text()).not.toContain('<html>')
    expect(alert.find('button').text()).toBe('Try again')
  })

  it('adds and deletes text boxes, and sends the chosen format', async () => {
    const api = editorApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, SIGNED),
      '/api/meme': json(200, { meme_data: btoa('meme!'), meme_type: 'image/png' }),
    })
    const view = await mountEditor()
    const tabs = () => view.findAll(CAPTION_TAB).map((tab) => tab.text())
    const button = (name: string) => view.findAll('button').find((b) => b.text() === name)!
    expect(tabs()).toEqual(['Text 1', 'Text 2'])

    await button('Add text').trigger('click')
    expect(tabs()).toEqual(['Text 1', 'Text 2', 'Text 3'])
    expect(view.get(`${CAPTION_TAB}[aria-selected="true"]`).text()).toBe('Text 3')
    await byLabel(view, 'Text').setValue('In the middle')
    expect(view.findAll('.caption-box')).toHaveLength(3)

    await typeInBox(view, 0, 'Top')
    await view.findAll(CAPTION_TAB)[1]!.trigger('click')
    await button('Delete text box').trigger('click')
    expect(tabs()).toEqual(['Text 1', 'Text 2'])

    const format = byLabel(view, 'Format')
    expect(format.element.value).toBe('')
    expect(format.findAll('option').map((option) => option.text())).toEqual([
      'Same as picture',
      'JPEG',
      'PNG',
      'WebP',
    ])
    await format.setValue('png')

    await choose(byLabel(view, 'Image'), new File([JPEG_BYTES], 'dog.jpg', { type: 'image/jpeg' }))
    await pressGenerate(view)
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    FakeXhr.sent[0]!.respond(204)
    await vi.waitFor(() => expect(api.requestsTo('/api/meme')).toHaveLength(1))
    const body = JSON.parse(api.requestsTo('/api/meme')[0]!.body!)
    expect(body.format).toBe('png')
    expect(body.captions.map((caption: { text: string }) => caption.text)).toEqual([
      'Top',
      'In the middle',
    ])
  })

  it('starts from a template: picks it, types, generates by its id and copies its image link', async () => {
    const yellow = templateFixture('blank-4x3-yellow', { name: 'Blank 4:3, yellow', version: 2 })
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d])
    const api = editorApi({
      '/api/templates': json(200, { templates: [yellow], nextCursor: null }),
      '/bucket/templates/blank-4x3-yellow.png': {
        status: 200,
        body: png,
        contentType: 'image/png',
      },
      '/api/meme': json(200, { meme_data: btoa('meme!'), meme_type: 'image/png' }),
    })
    const writeText = vi.fn(async () => undefined)
    vi.stubGlobal('navigator', { ...navigator, clipboard: { writeText } })
    const view = await mountEditor()

    await view.get('button[title="Blank 4:3, yellow"]').trigger('click')
    await vi.waitFor(() => expect(view.text()).toContain('Choose another template'))
    expect(view.text()).toContain('Template · 800 × 600 px')
    await typeInBox(view, 0, 'Hello there')
    await pressGenerate(view)
    await vi.waitFor(() => expect(view.find('img.meme-result__image').exists()).toBe(true))
    expect(view.get('img.meme-result__image').attributes('alt')).toMatch(/hello there/i)

    expect(FakeXhr.sent).toHaveLength(0)
    expect(JSON.parse(api.requestsTo('/api/meme')[0]!.body!)).toMatchObject({
      template: 'blank-4x3-yellow',
      captions: [{ text: 'Hello there' }],
    })
    const copyLink = view.findAll('button').find((b) => b.text() === 'Copy image link')
    await copyLink!.trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(
      `${window.location.origin}/api/images/blank-4x3-yellow/Hello_there/_.png?v=2`,
    )
    expect(view.text()).toContain('Link copied')
  })
})
