import { defineStore } from 'pinia'
import { ref } from 'vue'
import { fetchLimits } from '@/api/meme-api.ts'
import { IMAGE_TYPES, type PictureLimits } from '@/picture/picture-check.ts'

/** The server's defaults, used until `/api/limits` answers or when it cannot. */
export const DEFAULT_LIMITS: PictureLimits = {
  maxUploadBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  imageTypes: IMAGE_TYPES,
}

export const useLimitsStore = defineStore('limits', () => {
  const limits = ref<PictureLimits>(DEFAULT_LIMITS)
  let loading: Promise<PictureLimits> | undefined

  /** Fetches the limits once; later calls share the first answer. Never rejects. */
  function load(): Promise<PictureLimits> {
    loading ??= fetchLimits().then(
      (fetched) => (limits.value = fetched),
      () => limits.value,
    )
    return loading
  }

  return { limits, load }
})
