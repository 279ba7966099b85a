import type { MemeRequest } from '@meme-studio/meme-core/schema'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ref } from 'vue'
import type { MemeImage } from '@/meme/meme-image.ts'
import { useMemeDownload } from '../meme-download.ts'

const meme = (name: string): MemeImage => ({
  type: 'image/jpeg',
  blob: new Blob([name], { type: 'image/jpeg' }),
  url: `blob:http://localhost/${name}`,
  filename: 'meme.jpg',
})
const request = (...captions: [string, number][]): MemeRequest => ({
  image: 'uploads/2b1c2d3e-1111-4222-8333-444455556666.jpg',
  captions: captions.map(([text, y]) => ({ text, x: 0.5, y })),
})

/** Every file the page asked the browser to save, as its link said. */
function savedFiles() {
  const saved: { href: string; download: string }[] = []
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
    this: HTMLAnchorElement,
  ) {
    saved.push({ href: this.href, download: this.download })
  })
  return saved
}
const click = () => new MouseEvent('click', { cancelable: true })

afterEach(() => vi.restoreAllMocks())

describe('useMemeDownload', () => {
  it('names the file from the captions read top to bottom, or the meme’s own name without them', () => {
    const shown = ref<MemeImage | null>(meme('a'))
    const rendered = ref<MemeRequest | undefined>(request(['Bottom line', 0.9], ['Top line', 0.1]))
    const { downloadName } = useMemeDownload({ meme: shown, request: rendered, stale: false })
    expect(downloadName.value).toBe('top-line-bottom-line.jpg')
    rendered.value = undefined
    expect(downloadName.value).toBe('meme.jpg')
    shown.value = null
    expect(downloadName.value).toBe('')
  })

  it('lets a current meme download through its own link', () => {
    const saved = savedFiles()
    const freshen = vi.fn(async () => true)
    const { download } = useMemeDownload({
      meme: meme('a'),
      request: request(['Hi', 0.1]),
      stale: false,
      freshen,
    })
    const event = click()
    download(event)
    expect(event.defaultPrevented).toBe(false)
    expect(freshen).not.toHaveBeenCalled()
    expect(saved).toEqual([])
  })

  it('renders an out-of-date meme once however often Download is pressed, then saves the new one', async () => {
    const saved = savedFiles()
    const shown = ref(meme('old'))
    const rendered = ref(request(['Old', 0.1]))
    const stale = ref(true)
    let release: () => void = () => undefined
    const freshen = vi.fn(async () => {
      await new Promise<void>((resolve) => (release = resolve))
      shown.value = meme('new')
      rendered.value = request(['New', 0.1])
      stale.value = false
      return true
    })
    const { download, preparing } = useMemeDownload({
      meme: shown,
      request: rendered,
      stale,
      freshen,
    })
    const first = click()
    download(first)
    download(click())
    expect(first.defaultPrevented).toBe(true)
    expect(preparing.value).toBe('download')
    expect(freshen).toHaveBeenCalledTimes(1)
    release()
    await vi.waitFor(() => expect(saved).toHaveLength(1))
    expect(saved[0]).toEqual({ href: 'blob:http://localhost/new', download: 'new.jpg' })
    expect(preparing.value).toBeNull()
  })

  it('saves nothing when the meme could not be made current', async () => {
    const saved = savedFiles()
    const { whenCurrent, preparing } = useMemeDownload<'copy'>({
      meme: meme('old'),
      request: request(['Old', 0.1]),
      stale: true,
      freshen: async () => false,
    })
    const act = vi.fn()
    await whenCurrent('copy', act)
    expect(act).not.toHaveBeenCalled()
    expect(preparing.value).toBeNull()
    expect(saved).toEqual([])
  })
})
