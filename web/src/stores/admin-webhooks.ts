import type {
  Delivery,
  DeliverySummary,
  Hook,
  HookChange,
  HookCreate,
} from '@meme-studio/meme-core/schema'
import { defineStore } from 'pinia'
import { computed, ref, shallowReactive, shallowRef } from 'vue'
import {
  createHook,
  deleteHook,
  fetchDelivery,
  listDeliveries,
  listHooks,
  pingHook,
  redeliver,
  rotateHookSecret,
  updateHook,
} from '@/api/admin-api.ts'
import { failureSentence } from '@/api/failure-messages.ts'
import { useAdminSessionStore } from './admin-session.ts'

/** How often the deliveries are fetched again while a push is queued or being archived. */
export const PENDING_REFRESH_MS = 2000

/** Outcomes that change after GitHub was answered: the archive worker moves them on. */
export function isPending(delivery: Pick<DeliverySummary, 'outcome'>): boolean {
  return delivery.outcome === 'queued' || delivery.outcome === 'archiving'
}

/** A secret the server just made: shown once, until the person is done copying it. */
export interface RevealedSecret {
  hook: Hook
  secret: string
  /** A new hook, or a new secret for a hook GitHub already sends to. */
  reason: 'created' | 'rotated'
}

/**
 * The webhooks page: the hooks, the one whose deliveries are shown, and a secret just
 * made. Each action calls the API with the session's key; a refused key resolves to
 * nothing (the key form says why), any other failure is thrown for the page to say —
 * but for the deliveries, fetched again after most actions, whose failure is kept in
 * `deliveriesError` for the deliveries table to say. While a push is queued or being
 * archived, the deliveries are fetched again every couple of seconds until none is.
 */
export const useAdminWebhooksStore = defineStore('admin-webhooks', () => {
  const session = useAdminSessionStore()
  const hooks = ref<Hook[]>([])
  const loaded = ref(false)
  const selectedHookId = ref<string | null>(null)
  const deliveries = ref<DeliverySummary[]>([])
  /** Whose deliveries `deliveries` are, so a slow answer for another hook is dropped. */
  const deliveriesOf = ref<string | null>(null)
  const deliveriesLoading = ref(false)
  /** Why the deliveries couldn't be fetched, in a sentence. */
  const deliveriesError = ref<string | null>(null)
  /** Deliveries opened, with headers and payload, by delivery id. */
  const details = shallowReactive(new Map<string, Delivery>())
  const revealed = shallowRef<RevealedSecret | null>(null)

  const selectedHook = computed(
    () => hooks.value.find((hook) => hook.hookId === selectedHookId.value) ?? null,
  )
  /** Deliveries shown whose archive is still to come. */
  const pendingCount = computed(() => deliveries.value.filter(isPending).length)
  let refreshTimer: ReturnType<typeof setTimeout> | undefined

  function stopRefreshing(): void {
    clearTimeout(refreshTimer)
    refreshTimer = undefined
  }

  /** Fetches the deliveries again soon while any shown is pending; one timer at a time. */
  function refreshWhilePending(): void {
    stopRefreshing()
    if (pendingCount.value === 0) return
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined
      void refreshDeliveries({ quietly: true })
    }, PENDING_REFRESH_MS)
  }

  /**
   * An opened delivery whose summary moved on (queued, then archived) is fetched again, so
   * its details say what the row says. The newest record of an id is the one the API details.
   */
  function refreshChangedDetails(hookId: string, answer: DeliverySummary[]): void {
    const newest = new Map<string, DeliverySummary>()
    for (const delivery of answer) {
      if (!newest.has(delivery.deliveryId)) newest.set(delivery.deliveryId, delivery)
    }
    for (const [deliveryId, known] of details) {
      const now = newest.get(deliveryId)
      if (!now || (now.outcome === known.outcome && now.updatedAt === known.updatedAt)) continue
      void session
        .withKey((key) => fetchDelivery(key, hookId, deliveryId))
        .then((fresh) => {
          if (fresh && selectedHookId.value === hookId) details.set(deliveryId, fresh)
        })
        .catch(() => {
          // The row says where it is; the details keep what they showed.
        })
    }
  }

  function putHook(hook: Hook): void {
    const index = hooks.value.findIndex((known) => known.hookId === hook.hookId)
    if (index < 0) hooks.value.push(hook)
    else hooks.value.splice(index, 1, hook)
  }

  async function loadHooks(): Promise<void> {
    const answer = await session.withKey(listHooks)
    if (!answer) return
    hooks.value = answer
    loaded.value = true
    if (!selectedHook.value) await selectHook(answer[0]?.hookId ?? null)
  }

  /** Shows a hook's deliveries, fetched afresh. */
  async function selectHook(hookId: string | null): Promise<void> {
    if (hookId !== selectedHookId.value) {
      stopRefreshing()
      selectedHookId.value = hookId
      deliveries.value = []
      deliveriesOf.value = null
      deliveriesLoading.value = false
      deliveriesError.value = null
      details.clear()
    }
    if (hookId !== null) await refreshDeliveries()
  }

  /**
   * Fetches the selected hook's deliveries; a failure is kept in `deliveriesError`. `quietly`:
   * the refresh while a push is pending, which does not show the table as loading.
   */
  async function refreshDeliveries({ quietly = false } = {}): Promise<void> {
    const hookId = selectedHookId.value
    if (hookId === null) return
    if (!quietly) deliveriesLoading.value = true
    deliveriesError.value = null
    try {
      const answer = await session.withKey((key) => listDeliveries(key, hookId))
      if (!answer || selectedHookId.value !== hookId) return
      deliveries.value = answer
      deliveriesOf.value = hookId
      refreshChangedDetails(hookId, answer)
      refreshWhilePending()
    } catch (failure) {
      if (selectedHookId.value === hookId) deliveriesError.value = failureSentence(failure)
    } finally {
      if (selectedHookId.value === hookId && !quietly) deliveriesLoading.value = false
    }
  }

  /** The delivery with its headers and payload, fetched once. */
  async function openDelivery(deliveryId: string): Promise<Delivery | undefined> {
    const hookId = selectedHookId.value
    if (hookId === null) return undefined
    const known = details.get(deliveryId)
    if (known) return known
    const answer = await session.withKey((key) => fetchDelivery(key, hookId, deliveryId))
    if (answer && selectedHookId.value === hookId) details.set(deliveryId, answer)
    return answer
  }

  async function create(settings: HookCreate): Promise<Hook | undefined> {
    const answer = await session.withKey((key) => createHook(key, settings))
    if (!answer) return undefined
    putHook(answer.hook)
    revealed.value = { ...answer, reason: 'created' }
    loaded.value = true
    await selectHook(answer.hook.hookId)
    return answer.hook
  }

  async function update(hookId: string, changes: HookChange): Promise<Hook | undefined> {
    const hook = await session.withKey((key) => updateHook(key, hookId, changes))
    if (hook) putHook(hook)
    return hook
  }

  async function remove(hookId: string): Promise<boolean> {
    const done = await session.withKey(async (key) => {
      await deleteHook(key, hookId)
      return true
    })
    if (!done) return false
    hooks.value = hooks.value.filter((hook) => hook.hookId !== hookId)
    if (revealed.value?.hook.hookId === hookId) revealed.value = null
    if (selectedHookId.value === hookId) await selectHook(hooks.value[0]?.hookId ?? null)
    return true
  }

  async function rotateSecret(hookId: string, graceSeconds: number): Promise<boolean> {
    const answer = await session.withKey((key) => rotateHookSecret(key, hookId, graceSeconds))
    if (!answer) return false
    putHook(answer.hook)
    revealed.value = { ...answer, reason: 'rotated' }
    return true
  }

  function dismissSecret(): void {
    revealed.value = null
  }

  /** Sends the hook a signed ping, then shows its deliveries with the ping's on top. */
  async function ping(hookId: string): Promise<DeliverySummary | undefined> {
    const delivery = await session.withKey((key) => pingHook(key, hookId))
    if (delivery) await selectHook(hookId)
    return delivery
  }

  /** Runs one of the shown deliveries again, then shows the new one. */
  async function redeliverDelivery(deliveryId: string): Promise<DeliverySummary | undefined> {
    const hookId = selectedHookId.value
    if (hookId === null) return undefined
    const delivery = await session.withKey((key) => redeliver(key, hookId, deliveryId))
    if (delivery) await refreshDeliveries()
    return delivery
  }

  /** Forgets everything, the secret shown once first of all: for leaving the page. */
  function clear(): void {
    stopRefreshing()
    hooks.value = []
    loaded.value = false
    selectedHookId.value = null
    deliveries.value = []
    deliveriesOf.value = null
    deliveriesLoading.value = false
    deliveriesError.value = null
    details.clear()
    revealed.value = null
  }

  return {
    hooks,
    loaded,
    selectedHookId,
    selectedHook,
    deliveries,
    deliveriesOf,
    deliveriesLoading,
    deliveriesError,
    pendingCount,
    details,
    revealed,
    loadHooks,
    selectHook,
    refreshDeliveries,
    openDelivery,
    create,
    update,
    remove,
    rotateSecret,
    dismissSecret,
    ping,
    redeliverDelivery,
    clear,
  }
})
