import { defineStore } from 'pinia'
import { ref } from 'vue'
import { fetchLimits } from '@/api/meme-api.ts'
import { IMAGE_TYPES, pictureShapeLimits } from '@meme-studio/meme-core'
import type { Limits } from '@meme-studio/meme-core/schema'

/** The server's defaults, used until `/api/limits` answers, for what it leaves out, or when it cannot. */
export const DEFAULT_LIMITS: Limits = {
  maxUploadBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  maxEdge: 2048,
  imageTypes: IMAGE_TYPES,
  ...pictureShapeLimits(2048),
}

export const useLimitsStore = defineStore('limits', () => {
  const limits = ref<Limits>(DEFAULT_LIMITS)
  let loading: Promise<Limits> | undefined

  /** Fetches the limits once; later calls share the first answer. Never rejects. */
  function load(): Promise<Limits> {
    loading ??= fetchLimits().then(
      (fetched) => (limits.value = { ...DEFAULT_LIMITS, ...fetched }),
      () => limits.value,
    )
    return loading
  }

  return { limits, load }
})
