import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { ADMIN_KEY_REFUSED } from '@/api/failure-messages.ts'
import {
  DEFAULT_HOOK,
  PONG,
  PUSH,
  PUSH_ARCHIVING,
  PUSH_FAILED,
  PUSH_QUEUED,
  SECRET,
  SITE_HOOK,
} from '@/components/webhooks/__tests__/webhook-fixtures.ts'
import { useAdminSessionStore } from '../admin-session.ts'
import { PENDING_REFRESH_MS, useAdminWebhooksStore } from '../admin-webhooks.ts'

const HOOKS = '/api/admin/webhooks'
const SITE = `${HOOKS}/${SITE_HOOK.hookId}`

function freshStore() {
  setActivePinia(createPinia())
  useAdminSessionStore().apiKey = 'key-1'
  return useAdminWebhooksStore()
}

beforeEach(() => sessionStorage.clear())
afterEach(() => vi.useRealTimers())

describe('admin webhooks store', () => {
  it("lists the hooks with the key, and shows the first one's deliveries", async () => {
    const api = fakeApi({
      [HOOKS]: json(200, { hooks: [DEFAULT_HOOK, SITE_HOOK] }),
      [`${HOOKS}/default/deliveries`]: json(200, { deliveries: [PUSH] }),
    })
    const webhooks = freshStore()
    await webhooks.loadHooks()

    expect(api.requestsTo(HOOKS)[0]?.headers.get('x-api-key')).toBe('key-1')
    expect(webhooks.hooks.map((hook) => hook.hookId)).toEqual(['default', SITE_HOOK.hookId])
    expect(webhooks.selectedHookId).toBe('default')
    expect(webhooks.deliveries).toEqual([PUSH])
  })

  it('keeps a new secret until it is dismissed, and never asks for it again', async () => {
    const api = fakeApi({
      [HOOKS]: json(201, { hook: SITE_HOOK, secret: SECRET }),
      [`${SITE}/deliveries`]: json(200, { deliveries: [] }),
    })
    const webhooks = freshStore()
    await webhooks.create({ name: 'Site deploys', branches: [], prefix: '', stripRoot: true })

    expect(api.requestsTo(HOOKS)[0]?.method).toBe('POST')
    expect(webhooks.revealed).toEqual({ hook: SITE_HOOK, secret: SECRET, reason: 'created' })
    expect(webhooks.selectedHookId).toBe(SITE_HOOK.hookId)
    webhooks.dismissSecret()
    expect(webhooks.revealed).toBeNull()
    expect(JSON.stringify(webhooks.$state)).not.toContain(SECRET)
  })

  it('pings the hook, then fetches its deliveries again', async () => {
    const api = fakeApi({
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: [
        json(200, { deliveries: [PUSH] }),
        json(200, { deliveries: [PONG, PUSH] }),
      ],
      [`${SITE}/ping`]: json(200, { delivery: PONG }),
    })
    const webhooks = freshStore()
    await webhooks.loadHooks()
    const delivery = await webhooks.ping(SITE_HOOK.hookId)

    expect(delivery).toEqual(PONG)
    expect(api.requestsTo(`${SITE}/ping`)[0]?.method).toBe('POST')
    expect(api.requestsTo(`${SITE}/deliveries`)).toHaveLength(2)
    expect(webhooks.deliveries.map((d) => d.outcome)).toEqual(['pong', 'archived'])
  })

  it("says why the deliveries couldn't be fetched, in the store", async () => {
    fakeApi({
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: 'network-error',
    })
    const webhooks = freshStore()
    await webhooks.loadHooks()
    expect(webhooks.deliveriesError).toBe(
      "We couldn't reach meme-studio. Check your connection and try again.",
    )
  })

  it('forgets a deleted hook, its secret and its deliveries', async () => {
    const api = fakeApi({
      [HOOKS]: json(201, { hook: SITE_HOOK, secret: SECRET }),
      [`${SITE}/deliveries`]: json(200, { deliveries: [PUSH] }),
      [SITE]: { status: 204, body: '' },
    })
    const webhooks = freshStore()
    await webhooks.create({ name: 'Site deploys', branches: [], prefix: '', stripRoot: true })
    expect(await webhooks.remove(SITE_HOOK.hookId)).toBe(true)

    expect(api.requestsTo(SITE)[0]?.method).toBe('DELETE')
    expect(webhooks.hooks).toEqual([])
    expect(webhooks.revealed).toBeNull()
    expect(webhooks.selectedHookId).toBeNull()
    expect(webhooks.deliveries).toEqual([])
  })

  it('sends the person to the key form when the key is refused', async () => {
    fakeApi({ [HOOKS]: json(403, { message: 'Forbidden' }) })
    const webhooks = freshStore()
    await webhooks.loadHooks()
    expect(webhooks.loaded).toBe(false)
    expect(useAdminSessionStore().refusal).toBe(ADMIN_KEY_REFUSED)
  })

  it('fetches the deliveries again while a push is queued or archiving, until none is', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const api = fakeApi({
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: [
        json(200, { deliveries: [PUSH_QUEUED, PUSH] }),
        json(200, { deliveries: [PUSH_ARCHIVING, PUSH] }),
        json(200, { deliveries: [PUSH_FAILED, PUSH] }),
      ],
    })
    const webhooks = freshStore()
    await webhooks.loadHooks()
    expect(webhooks.pendingCount).toBe(1)

    await vi.advanceTimersByTimeAsync(PENDING_REFRESH_MS - 1)
    expect(api.requestsTo(`${SITE}/deliveries`)).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(webhooks.deliveries.map((d) => d.outcome)).toEqual(['archiving', 'archived'])
    // Quietly: the Refresh button is not shown busy every two seconds.
    expect(webhooks.deliveriesLoading).toBe(false)
    await vi.advanceTimersByTimeAsync(PENDING_REFRESH_MS)
    expect(webhooks.deliveries.map((d) => d.outcome)).toEqual(['failed', 'archived'])
    expect(webhooks.pendingCount).toBe(0)

    await vi.advanceTimersByTimeAsync(PENDING_REFRESH_MS * 5)
    expect(api.requestsTo(`${SITE}/deliveries`)).toHaveLength(3)
  })

  it('stops refreshing when the page is left', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const api = fakeApi({
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: json(200, { deliveries: [PUSH_QUEUED] }),
    })
    const webhooks = freshStore()
    await webhooks.loadHooks()
    webhooks.clear()
    await vi.advanceTimersByTimeAsync(PENDING_REFRESH_MS * 3)
    expect(api.requestsTo(`${SITE}/deliveries`)).toHaveLength(1)
  })

  it('fetches an opened delivery again once its archive moved on', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const detail = (summary: typeof PUSH_QUEUED) => ({
      ...summary,
      requestHeaders: { 'x-github-event': 'push' },
      payload: '{}',
      truncated: false,
      response: { ok: true, queued: true, deliveryId: summary.deliveryId },
    })
    const one = `${SITE}/deliveries/${PUSH_QUEUED.deliveryId}`
    const api = fakeApi({
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: [
        json(200, { deliveries: [PUSH_QUEUED] }),
        json(200, { deliveries: [PUSH_FAILED] }),
      ],
      [one]: [
        json(200, { delivery: detail(PUSH_QUEUED) }),
        json(200, { delivery: detail(PUSH_FAILED) }),
      ],
    })
    const webhooks = freshStore()
    await webhooks.loadHooks()
    await webhooks.openDelivery(PUSH_QUEUED.deliveryId)
    expect(webhooks.details.get(PUSH_QUEUED.deliveryId)?.outcome).toBe('queued')
    await vi.advanceTimersByTimeAsync(PENDING_REFRESH_MS)
    expect(api.requestsTo(one)).toHaveLength(2)
    expect(webhooks.details.get(PUSH_QUEUED.deliveryId)).toMatchObject({
      outcome: 'failed',
      error: PUSH_FAILED.error,
    })
  })
})
