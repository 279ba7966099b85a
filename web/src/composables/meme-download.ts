import type { MemeRequest } from '@meme-studio/meme-core/schema'
import { computed, nextTick, ref, toValue, type MaybeRefOrGetter, type Ref } from 'vue'
import { memeDownloadName, type MemeImage } from '@/meme/meme-image.ts'

/**
 * A rendered meme as its actions see it. `request` is what rendered `meme`; `stale`: the boxes
 * have changed since; `freshen` re-renders an out-of-date meme and says whether `meme` (read
 * again afterwards) is now current.
 */
export interface MemeToHandOut {
  meme: MaybeRefOrGetter<MemeImage | null | undefined>
  request: MaybeRefOrGetter<MemeRequest | null | undefined>
  stale: MaybeRefOrGetter<boolean | undefined>
  freshen?: () => Promise<boolean>
}

/**
 * Hands out only a current meme, named from its captions. `download` is the click handler of a link whose `href` is
 * the meme and whose `download` is `downloadName`: a current meme goes through the link
 * itself; an out-of-date one is rendered again first and the new one saved, or nothing when
 * it could not be. `whenCurrent` does the same for any other action (copy, share), and
 * `preparing` names the action waiting for that render, one at a time.
 */
export function useMemeDownload<Action extends string = 'download'>(source: MemeToHandOut) {
  const preparing = ref(null) as Ref<Action | 'download' | null>

  const downloadName = computed(() => {
    const meme = toValue(source.meme)
    if (!meme) return ''
    const request = toValue(source.request)
    return request ? memeDownloadName(request.captions, meme.type) : meme.filename
  })

  async function whenCurrent(action: Action | 'download', act: () => unknown): Promise<void> {
    if (preparing.value) return
    if (!toValue(source.stale)) {
      await act()
      return
    }
    preparing.value = action
    try {
      const current = (await source.freshen?.()) ?? false
      // Props given by a parent arrive on the next tick.
      await nextTick()
      if (current && !toValue(source.stale)) await act()
    } finally {
      preparing.value = null
    }
  }

  function saveFile(): void {
    const meme = toValue(source.meme)
    if (!meme) return
    const link = document.createElement('a')
    link.href = meme.url
    link.download = downloadName.value
    link.click()
  }

  function download(event: MouseEvent): void {
    if (!toValue(source.stale) && !preparing.value) return
    event.preventDefault()
    void whenCurrent('download', saveFile)
  }

  return { preparing, downloadName, whenCurrent, download }
}
