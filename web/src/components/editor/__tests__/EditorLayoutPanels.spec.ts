import { planPanelLayout } from '@meme-studio/meme-core'
import type { TemplateLayout } from '@meme-studio/meme-core/schema'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeXhr, fakeApi, heldReply, json } from '@/api/__tests__/fake-network.ts'
import EditorLayoutPanels from '../EditorLayoutPanels.vue'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const pngFile = (name: string) => {
  const bytes = new Uint8Array(4096)
  bytes.set(PNG_BYTES)
  return new File([bytes], name, { type: 'image/png' })
}

const signed = (key: string) => ({
  url: 'http://s3.test/meme-studio-uploads',
  fields: { key, 'Content-Type': 'image/png', Policy: 'eyJ9' },
  key,
  expiresAt: '2030-01-01T00:05:00.000Z',
  maxBytes: LIMITS.maxUploadBytes,
})
const KEYS = ['uploads/1111.png', 'uploads/2222.png']
const RESULT = {
  key: 'uploads/5f0c2a4e-8d1b-4c3a-9e7f-0a1b2c3d4e5f.jpg',
  contentType: 'image/jpeg',
  width: 1600,
  height: 800,
  imageUrl: 'http://s3.test/meme-studio-uploads/uploads/5f0c.jpg?X-Amz-Signature=abc',
  expiresAt: '2030-01-01T00:15:00.000Z',
}

/** What the preview drew, in the layout's own pixels (before the canvas's scale). */
function recordCanvas() {
  const calls: { op: string; args: unknown[] }[] = []
  const record =
    (op: string) =>
    (...args: unknown[]) =>
      calls.push({ op, args })
  const ctx = {
    fillStyle: '',
    font: '',
    textAlign: 'start',
    textBaseline: 'alphabetic',
    setTransform: record('setTransform'),
    fillRect: record('fillRect'),
    fillText: record('fillText'),
    drawImage: record('drawImage'),
  }
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(
    ctx as unknown as CanvasRenderingContext2D,
  )
  return calls
}

/** Picture sizes by file name: happy-dom decodes no pixels. */
const SIZES: Record<string, [number, number]> = {
  'wide.png': [1200, 400],
  'tall.png': [300, 900],
  'tiny.png': [20, 20],
}

let view: VueWrapper | undefined

function mountPanels(layout: TemplateLayout) {
  view = mount(EditorLayoutPanels, { props: { layout }, attachTo: document.body })
  return view
}

async function choose(wrapper: VueWrapper, label: string, file: File) {
  const labelElement = wrapper.findAll('label').find((l) => l.text() === label)
  expect(labelElement, `a label "${label}"`).toBeDefined()
  const input = wrapper.find(`#${CSS.escape(labelElement!.attributes('for')!)}`)
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true })
  await input.trigger('change')
}

const useButton = (wrapper: VueWrapper) =>
  wrapper.findAll('button').find((b) => b.text() === 'Use these pictures')!

beforeEach(() => {
  setActivePinia(createPinia())
  FakeXhr.install()
  let decoding = ''
  vi.spyOn(URL, 'createObjectURL').mockImplementation((file) => {
    decoding = (file as File).name
    return `blob:${decoding}`
  })
  vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockImplementation(function (
    this: HTMLImageElement,
  ) {
    return SIZES[this.src.replace('blob:', '')]?.[0] ?? 0
  })
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockImplementation(function (
    this: HTMLImageElement,
  ) {
    return SIZES[this.src.replace('blob:', '')]?.[1] ?? 0
  })
})
afterEach(() => view?.unmount())

describe('EditorLayoutPanels', () => {
  it('offers a labelled file button per panel, and draws empty panels where the engine puts them', async () => {
    const calls = recordCanvas()
    fakeApi({ '/api/limits': json(200, LIMITS) })
    const wrapper = mountPanels({ kind: 'grid', panels: 4 })
    await vi.waitFor(() => expect(calls.some((c) => c.op === 'fillText')).toBe(true))
    const labels = wrapper.findAll('label').map((label) => label.text())
    expect(labels).toEqual(['Picture 1', 'Picture 2', 'Picture 3', 'Picture 4'])
    for (const label of wrapper.findAll('label')) {
      const input = wrapper.find(`#${CSS.escape(label.attributes('for')!)}`)
      expect(input.attributes('type')).toBe('file')
      expect(input.attributes('accept')).toBe('image/jpeg,image/png,image/webp,image/gif')
    }
    expect(useButton(wrapper).attributes('disabled')).toBeDefined()
    const plan = planPanelLayout('grid', Array(4).fill({ width: 4, height: 3 }), 2048)
    const panels = calls.filter((c) => c.op === 'fillRect').slice(-4)
    expect(panels.map((c) => c.args)).toEqual(
      plan.panels.map(({ rect }) => [rect.left, rect.top, rect.width, rect.height]),
    )
    expect(calls.filter((c) => c.op === 'fillText').map((c) => c.args[0])).toEqual(
      expect.arrayContaining(['1', '2', '3', '4']),
    )
    expect(wrapper.find('canvas').attributes('aria-label')).toBe(
      'Preview of four in a grid: 0 of 4 pictures chosen',
    )
  })

  it('previews each chosen picture cropped into its cell by the same engine as the server', async () => {
    const calls = recordCanvas()
    fakeApi({ '/api/limits': json(200, LIMITS) })
    const wrapper = mountPanels({ kind: 'side-by-side', panels: 2 })
    await choose(wrapper, 'Picture 1', pngFile('wide.png'))
    await choose(wrapper, 'Picture 2', pngFile('tall.png'))
    await vi.waitFor(() =>
      expect(calls.filter((c) => c.op === 'drawImage').length).toBeGreaterThanOrEqual(2),
    )
    const plan = planPanelLayout(
      'side-by-side',
      [
        { width: 1200, height: 400 },
        { width: 300, height: 900 },
      ],
      2048,
    )
    const drawn = calls.filter((c) => c.op === 'drawImage').slice(-2)
    expect(drawn.map((c) => c.args.slice(1))).toEqual(
      plan.panels.map(({ crop, rect }) => [
        crop.left,
        crop.top,
        crop.width,
        crop.height,
        rect.left,
        rect.top,
        rect.width,
        rect.height,
      ]),
    )
    expect(wrapper.text()).toContain('wide.png')
    expect(wrapper.text()).toContain('1200 × 400 px')
    expect(wrapper.find('canvas').attributes('aria-label')).toBe(
      'Preview of two side by side: 2 of 2 pictures chosen',
    )
    expect(useButton(wrapper).attributes('disabled')).toBeUndefined()
  })

  it('says why a file is refused, beside its panel', async () => {
    recordCanvas()
    fakeApi({ '/api/limits': json(200, LIMITS) })
    const wrapper = mountPanels({ kind: 'side-by-side', panels: 2 })
    await choose(wrapper, 'Picture 2', new File(['hello'], 'notes.txt', { type: 'text/plain' }))
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').exists()).toBe(true))
    expect(wrapper.find('[role="alert"]').text()).toMatch(/isn't a picture we can use/)
    await choose(wrapper, 'Picture 1', pngFile('tiny.png'))
    await vi.waitFor(() => expect(wrapper.findAll('[role="alert"]')).toHaveLength(2))
    expect(wrapper.findAll('[role="alert"]')[0]!.text()).toMatch(/too small for a caption/)
    expect(useButton(wrapper).attributes('disabled')).toBeDefined()
  })

  it('uploads each picture with progress, composes them and emits the result', async () => {
    recordCanvas()
    const composing = heldReply(json(201, RESULT))
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': [json(200, signed(KEYS[0]!)), json(200, signed(KEYS[1]!))],
      '/api/layouts': composing.reply,
    })
    const wrapper = mountPanels({ kind: 'side-by-side', panels: 2 })
    await choose(wrapper, 'Picture 1', pngFile('wide.png'))
    await choose(wrapper, 'Picture 2', pngFile('tall.png'))
    await vi.waitFor(() => expect(useButton(wrapper).attributes('disabled')).toBeUndefined())
    await useButton(wrapper).trigger('click')

    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    expect(wrapper.find('[role="status"]').text()).toContain('Uploading picture 1 of 2')
    FakeXhr.sent[0]!.progress(50, 100)
    await wrapper.vm.$nextTick()
    expect(wrapper.find('[role="progressbar"]').attributes('aria-valuenow')).toBe('25')
    expect(wrapper.find('input[type="file"]').attributes('disabled')).toBeDefined()
    FakeXhr.sent[0]!.respond(204)
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(2))
    expect(wrapper.find('[role="status"]').text()).toContain('Uploading picture 2 of 2')
    FakeXhr.sent[1]!.respond(204)
    await vi.waitFor(() =>
      expect(wrapper.find('[role="status"]').text()).toContain('Putting the pictures together'),
    )
    composing.release()
    await vi.waitFor(() => expect(wrapper.emitted('composed')).toHaveLength(1))
    expect(wrapper.emitted('composed')![0]).toEqual([RESULT])
    const [request] = api.requestsTo('/api/layouts')
    expect(JSON.parse(request!.body!)).toEqual({ kind: 'side-by-side', images: KEYS })
    expect(wrapper.find('[role="status"]').text()).toBe('')
  })

  it('shows a failure as a sentence, and tries again without uploading twice', async () => {
    recordCanvas()
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': json(200, signed(KEYS[0]!)),
      '/api/layouts': [
        json(503, { statusCode: 503, error: 'x', code: 'BUSY', message: 'busy' }),
        json(201, { ...RESULT, contentType: 'image/png', key: 'uploads/9999.png' }),
      ],
    })
    const wrapper = mountPanels({ kind: 'caption-above', panels: 1 })
    await choose(wrapper, 'Picture 1', pngFile('wide.png'))
    await vi.waitFor(() => expect(useButton(wrapper).attributes('disabled')).toBeUndefined())
    await useButton(wrapper).trigger('click')
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    FakeXhr.sent[0]!.respond(204)
    await vi.waitFor(() => expect(wrapper.find('.error-alert').exists()).toBe(true))
    expect(wrapper.find('.error-alert').text()).toContain('meme-studio is busy right now')
    await wrapper.find('.error-alert button').trigger('click')
    await vi.waitFor(() => expect(wrapper.emitted('composed')).toHaveLength(1))
    expect(FakeXhr.sent).toHaveLength(1)
    expect(api.requestsTo('/api/layouts')).toHaveLength(2)
    expect(wrapper.find('.error-alert').exists()).toBe(false)
  })
})
