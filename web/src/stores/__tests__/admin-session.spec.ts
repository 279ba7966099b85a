import type { KeyUsage } from '@meme-studio/meme-core/schema'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { ADMIN_KEY_REFUSED } from '@/api/failure-messages.ts'
import { API_KEY_STORAGE_KEY, useAdminSessionStore } from '../admin-session.ts'

const USAGE: KeyUsage = {
  keyId: '3f9a1c0d',
  period: 'DAY',
  periodStart: '2026-01-01T00:00:00.000Z',
  periodEnd: '2026-01-02T00:00:00.000Z',
  used: 3,
  remaining: 9997,
  quota: 10000,
  rate: 10,
  burst: 20,
}

const ADMIN = { keyId: USAGE.keyId, scope: 'admin' }
const TOOLS = { keyId: '7c2e4b91', scope: 'tools' }

function freshStore() {
  setActivePinia(createPinia())
  return useAdminSessionStore()
}

beforeEach(() => sessionStorage.clear())

describe('admin session', () => {
  it("keeps an accepted key in this tab's session storage, and reads it back", async () => {
    const api = fakeApi({
      '/api/admin/session': json(200, ADMIN),
      '/api/admin/usage': json(200, USAGE),
    })
    const session = freshStore()
    expect(session.apiKey).toBeNull()

    await session.enterKey('key-1')
    expect(api.requestsTo('/api/admin/session')[0]?.headers.get('x-api-key')).toBe('key-1')
    expect(api.requestsTo('/api/admin/usage')[0]?.headers.get('x-api-key')).toBe('key-1')
    expect(session.apiKey).toBe('key-1')
    expect(session.scope).toBe('admin')
    expect(session.usage).toEqual(USAGE)
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBe('key-1')
    expect(localStorage.getItem(API_KEY_STORAGE_KEY)).toBeNull()

    expect(freshStore().apiKey).toBe('key-1')
  })

  it('forgets the key, in storage too', async () => {
    fakeApi({ '/api/admin/session': json(200, ADMIN), '/api/admin/usage': json(200, USAGE) })
    const session = freshStore()
    await session.enterKey('key-1')

    session.forgetKey()
    expect(session.apiKey).toBeNull()
    expect(session.usage).toBeNull()
    expect(session.scope).toBeNull()
    expect(session.refusal).toBeNull()
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBeNull()
  })

  it('keeps no refused key, and says why', async () => {
    fakeApi({ '/api/admin/session': json(403, { message: 'Forbidden' }) })
    const session = freshStore()
    await session.enterKey('wrong')
    expect(session.apiKey).toBeNull()
    expect(session.refusal).toBe(ADMIN_KEY_REFUSED)
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBeNull()
  })

  it('keeps no key it could not check, and says what went wrong', async () => {
    fakeApi({ '/api/admin/session': 'network-error' })
    const session = freshStore()
    await session.enterKey('key-1')
    expect(session.apiKey).toBeNull()
    expect(session.refusal).toBeNull()
    expect(session.checkError).toBe(
      "We couldn't reach meme-studio. Check your connection and try again.",
    )
  })

  it('forgets a key the server refuses later, and says why', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'revoked')
    fakeApi({ '/api/admin/usage': json(403, { message: 'Forbidden' }) })
    const session = freshStore()
    expect(session.apiKey).toBe('revoked')

    await session.refreshUsage()
    expect(session.apiKey).toBeNull()
    expect(session.refusal).toBe(ADMIN_KEY_REFUSED)
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBeNull()
  })

  it('keeps a tools key with its scope, and reads no usage for it', async () => {
    const api = fakeApi({ '/api/admin/session': json(200, TOOLS) })
    const session = freshStore()
    await session.enterKey('tools-key')
    expect(session.apiKey).toBe('tools-key')
    expect(session.scope).toBe('tools')
    expect(session.keyId).toBe('7c2e4b91')
    expect(session.mayUse('tools')).toBe(true)
    expect(session.mayUse('admin')).toBe(false)
    expect(session.mayUse('jobs')).toBe(false)
    await session.refreshUsage()
    expect(api.requestsTo('/api/admin/usage')).toHaveLength(0)
  })

  it('lets an admin key use everything, and shows everything while a kept key is unknown', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'kept')
    fakeApi({ '/api/admin/session': json(200, ADMIN) })
    const session = freshStore()
    expect(session.scope).toBeNull()
    expect(session.mayUse('admin')).toBe(true)
    await session.loadSession()
    expect(session.scope).toBe('admin')
    for (const scope of ['tools', 'jobs', 'admin'] as const)
      expect(session.mayUse(scope)).toBe(true)
  })

  it('keeps a key refused for its scope, and learns the scope instead', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'tools-key')
    fakeApi({
      '/api/admin/usage': json(403, { message: 'Forbidden' }),
      '/api/admin/session': json(200, TOOLS),
    })
    const session = freshStore()
    await session.refreshUsage()
    expect(session.apiKey).toBe('tools-key')
    expect(session.refusal).toBeNull()
    expect(session.scope).toBe('tools')
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBe('tools-key')
  })

  it('forgets a kept key the session route refuses, and says why', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'revoked')
    fakeApi({ '/api/admin/session': json(403, { message: 'Forbidden' }) })
    const session = freshStore()
    await session.loadSession()
    expect(session.apiKey).toBeNull()
    expect(session.refusal).toBe(ADMIN_KEY_REFUSED)
  })
})
