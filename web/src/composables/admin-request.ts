import { ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import { failureSentence } from '@/api/failure-messages.ts'
import { useAdminSessionStore } from '@/stores/admin-session.ts'

export interface AdminRequest<T> {
  busy: Ref<boolean>
  /** The sentence saying what went wrong, if it did. */
  error: Ref<string | null>
  result: ShallowRef<T | null>
  /** Runs the call with the API key, unless one is already running. */
  run(call: (apiKey: string) => Promise<T>): Promise<void>
  /** Shows a problem found before sending anything, in the same place as the server's. */
  refuse(sentence: string): void
}

/**
 * One admin tool's request: busy while it runs, then its answer or the sentence saying
 * what went wrong. A refused key sends the person to the key form (the session says why),
 * and the tool keeps its inputs for when they are back.
 */
export function useAdminRequest<T>(): AdminRequest<T> {
  const session = useAdminSessionStore()
  const busy = ref(false)
  const error = ref<string | null>(null)
  const result = shallowRef<T | null>(null)

  async function run(call: (apiKey: string) => Promise<T>): Promise<void> {
    if (busy.value) return
    busy.value = true
    error.value = null
    result.value = null
    try {
      result.value = (await session.withKey(call)) ?? null
    } catch (failure) {
      error.value = failureSentence(failure)
    } finally {
      busy.value = false
    }
  }

  function refuse(sentence: string): void {
    result.value = null
    error.value = sentence
  }

  return { busy, error, result, run, refuse }
}
