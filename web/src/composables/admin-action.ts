import { ref, type Ref } from 'vue'
import { failureSentence } from '@/api/failure-messages.ts'

export interface AdminAction {
  /** The name of the action running, if one is. */
  busy: Ref<string | null>
  /** The sentence saying what went wrong, if the last action failed. */
  error: Ref<string | null>
  /** Runs `work` unless an action is already running; a failure becomes `error`. */
  run<T>(name: string, work: () => Promise<T>): Promise<T | undefined>
  /** Shows a problem found before sending anything, in the same place as the server's. */
  refuse(sentence: string): void
}

/**
 * The actions of one part of a page that change things (Ping, Delete, …): one at a time,
 * each button able to say it is the one running, then the sentence if it failed.
 */
export function useAdminAction(): AdminAction {
  const busy = ref<string | null>(null)
  const error = ref<string | null>(null)

  async function run<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    if (busy.value !== null) return undefined
    busy.value = name
    error.value = null
    try {
      return await work()
    } catch (failure) {
      error.value = failureSentence(failure)
      return undefined
    } finally {
      busy.value = null
    }
  }

  function refuse(sentence: string): void {
    error.value = sentence
  }

  return { busy, error, run, refuse }
}
