import { scopeAllows } from '@meme-studio/meme-core'
import type { ApiKeyScope, KeyUsage } from '@meme-studio/meme-core/schema'
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { ADMIN_KEY_REFUSED, failureSentence, isKeyRefusal } from '@/api/failure-messages.ts'

/**
 * The admin API's client, fetched with the first call: the header shows this store's key on
 * every page, and the client's answer checks (TypeBox and meme-core's schemas, 20 kB
 * gzipped) are for the admin pages only.
 */
const adminApi = () => import('@/api/admin-api.ts')
const fetchSession = async (key: string) => (await adminApi()).fetchSession(key)
const fetchUsage = async (key: string) => (await adminApi()).fetchUsage(key)

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
  /** What the key may use, as `GET /api/admin/session` said; null until it has. */
  const scope = ref<ApiKeyScope | null>(null)
  const keyId = ref<string | null>(null)
  const checking = ref(false)
  const checkError = ref<string | null>(null)

  /** Forgets the key; with a reason, the key form says it. */
  function forgetKey(reason: string | null = null): void {
    apiKey.value = null
    usage.value = null
    scope.value = null
    keyId.value = null
    refusal.value = reason
    checkError.value = null
    storeKey(null)
  }

  /**
   * Tries a key on `GET /api/admin/session`, and keeps it once the server accepts it, with
   * its scope; an admin key's usage comes with it (only an admin key may read it).
   */
  async function enterKey(key: string): Promise<void> {
    if (checking.value) return
    checking.value = true
    checkError.value = null
    try {
      const answer = await fetchSession(key)
      // Usage first, so the pages see the key, its scope and its usage at once.
      const keyUsage = answer.scope === 'admin' ? await fetchUsage(key).catch(() => null) : null
      apiKey.value = key
      scope.value = answer.scope
      keyId.value = answer.keyId
      usage.value = keyUsage
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
   * Learns the scope of a key kept from before (a reload); a refused key is forgotten. Until
   * the scope is known the pages show everything, as before scopes: the server still refuses
   * what the key may not use, and `withKey` then learns the scope.
   */
  async function loadSession(): Promise<void> {
    const key = apiKey.value
    if (key === null) return
    try {
      const answer = await fetchSession(key)
      if (apiKey.value !== key) return
      scope.value = answer.scope
      keyId.value = answer.keyId
    } catch (error) {
      if (isKeyRefusal(error) && apiKey.value === key) forgetKey(ADMIN_KEY_REFUSED)
    }
  }

  /** Whether the key may use what needs `needed`; true while its scope is unknown. */
  function mayUse(needed: ApiKeyScope): boolean {
    return scope.value === null || scopeAllows(scope.value, needed)
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
      if (apiKey.value !== key) return undefined
      // API Gateway's 403 is the same for an unknown key and for one outside its scope: a key
      // the session route still accepts was refused for its scope, which the pages then show.
      const known = await fetchSession(key).catch(() => null)
      if (apiKey.value !== key) return undefined
      if (known) {
        scope.value = known.scope
        keyId.value = known.keyId
      } else {
        forgetKey(ADMIN_KEY_REFUSED)
      }
      return undefined
    }
  }

  /** Fetches the key's usage again (an admin key's: no other may read it). */
  async function refreshUsage(): Promise<void> {
    if (!mayUse('admin')) return
    const answer = await withKey(fetchUsage)
    if (answer) usage.value = answer
  }

  return {
    apiKey,
    refusal,
    usage,
    scope,
    keyId,
    checking,
    checkError,
    enterKey,
    loadSession,
    mayUse,
    forgetKey,
    withKey,
    refreshUsage,
  }
})
