import type { KeyUsage } from '@meme-studio/meme-core/schema'
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { fetchUsage } from '@/api/admin-api.ts'
import { ADMIN_KEY_REFUSED, failureSentence, isKeyRefusal } from '@/api/failure-messages.ts'

/** Where the tab keeps the key: session storage ends with the tab, and no other tab sees it. */
export const API_KEY_STORAGE_KEY = 'meme-studio.admin-api-key'

// Storage may be off (a privacy setting) or full: the key then lasts as long as the page.
function readStoredKey(): string | null {
  try {
    return sessionStorage.getItem(API_KEY_STORAGE_KEY)
  } catch {
    return null
  }
}

function storeKey(key: string | null): void {
  try {
    if (key === null) sessionStorage.removeItem(API_KEY_STORAGE_KEY)
    else sessionStorage.setItem(API_KEY_STORAGE_KEY, key)
  } catch {
    // Kept in memory only, see above.
  }
}

/**
 * The admin pages' API key, and what the server said about it. The key is the only input
 * of the admin pages that is kept; a refusal forgets it and says why.
 */
export const useAdminSessionStore = defineStore('admin-session', () => {
  const apiKey = ref<string | null>(readStoredKey())
  /** Why the key form is showing again: the sentence for the last refusal. */
  const refusal = ref<string | null>(null)
  /** The key's usage, as last fetched. */
  const usage = shallowRef<KeyUsage | null>(null)
  const checking = ref(false)
  const checkError = ref<string | null>(null)

  /** Forgets the key; with a reason, the key form says it. */
  function forgetKey(reason: string | null = null): void {
    apiKey.value = null
    usage.value = null
    refusal.value = reason
    checkError.value = null
    storeKey(null)
  }

  /** Tries a key on `GET /api/admin/usage`, and keeps it once the server accepts it. */
  async function enterKey(key: string): Promise<void> {
    if (checking.value) return
    checking.value = true
    checkError.value = null
    try {
      const answer = await fetchUsage(key)
      apiKey.value = key
      usage.value = answer
      refusal.value = null
      storeKey(key)
    } catch (error) {
      if (isKeyRefusal(error)) refusal.value = ADMIN_KEY_REFUSED
      else checkError.value = failureSentence(error)
    } finally {
      checking.value = false
    }
  }

  /**
   * Runs an admin call with the key. A refused key is forgotten, the key form says why,
   * and the call resolves to `undefined`; any other failure is thrown as it came.
   */
  async function withKey<T>(call: (key: string) => Promise<T>): Promise<T | undefined> {
    const key = apiKey.value
    if (key === null) return undefined
    try {
      return await call(key)
    } catch (error) {
      if (!isKeyRefusal(error)) throw error
      // A refusal of a key forgotten or replaced meanwhile says nothing about the new one.
      if (apiKey.value === key) forgetKey(ADMIN_KEY_REFUSED)
      return undefined
    }
  }

  /** Fetches the key's usage again. */
  async function refreshUsage(): Promise<void> {
    const answer = await withKey(fetchUsage)
    if (answer) usage.value = answer
  }

  return {
    apiKey,
    refusal,
    usage,
    checking,
    checkError,
    enterKey,
    forgetKey,
    withKey,
    refreshUsage,
  }
})
