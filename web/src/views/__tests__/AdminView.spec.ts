import type { KeyUsage } from '@meme-studio/meme-core/schema'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import App from '@/App.vue'
import { buttonNamed, byLabel, fillAndSubmit } from '@/components/admin/__tests__/admin-test-kit.ts'
import { routes } from '@/router/index.ts'
import { API_KEY_STORAGE_KEY } from '@/stores/admin-session.ts'

const USAGE: KeyUsage = {
  keyId: '3f9a1c0d',
  period: 'DAY',
  periodStart: '2026-01-01T00:00:00.000Z',
  periodEnd: '2026-01-02T00:00:00.000Z',
  used: 12,
  remaining: 9988,
  quota: 10000,
  rate: 10,
  burst: 20,
}
const ADMIN = { keyId: USAGE.keyId, scope: 'admin' }
const TOOLS = { keyId: '7c2e4b91', scope: 'tools' }
const REFUSED =
  "That API key wasn't accepted: the server doesn't know it, or it is no longer valid. Check the key and enter it again."
const HMAC = { hex: '5bdcc146', base64: 'W9zBRg==' }

let wrapper: VueWrapper | undefined
afterEach(() => wrapper?.unmount())
beforeEach(() => sessionStorage.clear())

async function openApp(path: string) {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push(path)
  await router.isReady()
  wrapper = mount(App, { global: { plugins: [createPinia(), router] }, attachTo: document.body })
  // A kept key is checked at once, by the admin client the store fetches on first use.
  await vi.dynamicImportSettled()
  await flushPromises()
  return { view: wrapper, router }
}

const keyForm = (view: VueWrapper) => view.find('[aria-labelledby="key-form-title"]')

describe('admin pages', () => {
  it('are linked from the header only once the tab holds a key, and open by URL without', async () => {
    const api = fakeApi({
      '/api/limits': json(200, {}),
      '/api/admin/session': json(200, ADMIN),
      '/api/admin/usage': json(200, USAGE),
    })
    const { view } = await openApp('/admin')
    const adminLink = () => view.findAll('header a').find((a) => a.text() === 'Admin')
    expect(adminLink()).toBeUndefined()
    expect(keyForm(view).exists()).toBe(true)

    await fillAndSubmit(view, { 'API key': 'key-5678' })
    expect(api.requestsTo('/api/admin/session')).toHaveLength(1)
    expect(adminLink()?.attributes('href')).toBe('/admin')

    await buttonNamed(view, 'Forget key').trigger('click')
    await flushPromises()
    expect(adminLink()).toBeUndefined()
  })

  it("ask for the key, check it, keep it in the tab's session and show its usage", async () => {
    const api = fakeApi({
      '/api/admin/session': json(200, ADMIN),
      '/api/admin/usage': json(200, USAGE),
    })
    const { view } = await openApp('/admin')
    expect(keyForm(view).exists()).toBe(true)
    const field = byLabel(view, 'API key')
    expect(field.attributes()).toMatchObject({ type: 'password', autocomplete: 'off' })
    expect(api.requests).toHaveLength(0)

    await fillAndSubmit(view, { 'API key': 'key-5678' })

    expect(keyForm(view).exists()).toBe(false)
    expect(api.requestsTo('/api/admin/session')).toHaveLength(1)
    expect(api.requestsTo('/api/admin/usage')).toHaveLength(1)
    expect(api.requests.map((request) => request.headers.get('x-api-key'))).toEqual([
      'key-5678',
      'key-5678',
    ])
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBe('key-5678')
    expect(view.text()).toContain('Key ID 3f9a1c0d')
    expect(view.text()).toContain('12 of 10,000 requests used today')
    expect(view.get('[role="meter"]').attributes()).toMatchObject({
      'aria-valuenow': '12',
      'aria-valuemax': '10000',
    })
    expect(view.text()).toContain('9,988')
    expect(view.text()).toContain('10 requests a second')
    expect(view.text()).toContain('20 requests at once')
    const nav = view.get('nav[aria-label="Admin tools"]')
    expect(nav.findAll('a').map((a) => [a.text(), a.attributes('href')])).toEqual([
      ['Overview', '/admin'],
      ['HMAC', '/admin/hmac'],
      ['SigV4', '/admin/sigv4'],
      ['Webhooks', '/admin/webhooks'],
    ])
  })

  it('keep a refused key out, and say why on the form', async () => {
    fakeApi({ '/api/admin/session': json(403, { message: 'Forbidden' }) })
    const { view } = await openApp('/admin')
    await fillAndSubmit(view, { 'API key': 'wrong' })

    expect(keyForm(view).exists()).toBe(true)
    expect(keyForm(view).get('[role="alert"]').text()).toBe(REFUSED)
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBeNull()
  })

  it('send the person back to the form, saying why, when a kept key is refused', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'revoked')
    fakeApi({ '/api/admin/session': json(403, { message: 'Forbidden' }) })
    const { view } = await openApp('/admin')

    expect(keyForm(view).exists()).toBe(true)
    expect(keyForm(view).get('[role="alert"]').text()).toBe(REFUSED)
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBeNull()
  })

  it('forget the key on Forget key', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'key-1')
    fakeApi({ '/api/admin/session': json(200, ADMIN), '/api/admin/usage': json(200, USAGE) })
    const { view } = await openApp('/admin')
    expect(view.text()).toContain('12 of 10,000')

    await buttonNamed(view, 'Forget key').trigger('click')
    expect(keyForm(view).exists()).toBe(true)
    expect(keyForm(view).find('[role="alert"]').exists()).toBe(false)
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBeNull()
  })

  it('leave nothing typed behind on Forget key', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'key-1')
    fakeApi({ '/api/admin/session': json(200, ADMIN), '/api/admin/usage': json(200, USAGE) })
    const { view } = await openApp('/admin/hmac')
    await byLabel(view, 'Client secret').setValue('s3cr3t-value')

    await buttonNamed(view, 'Forget key').trigger('click')
    await fillAndSubmit(view, { 'API key': 'key-2' })
    expect(byLabel(view, 'Client secret').element.value).toBe('')
  })

  it('return to a tool, what was typed in it kept, after a refused key is entered again', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'revoked')
    const api = fakeApi({
      '/api/admin/hmac': [json(403, { message: 'Forbidden' }), json(200, HMAC)],
      // Accepted when the page loads, refused once the key is revoked, then the new key.
      '/api/admin/session': [
        json(200, ADMIN),
        json(403, { message: 'Forbidden' }),
        json(200, ADMIN),
      ],
      '/api/admin/usage': json(200, USAGE),
    })
    const { view } = await openApp('/admin/hmac')
    expect(keyForm(view).exists()).toBe(false)
    await fillAndSubmit(view, { Key: 'Jefe', Message: 'what do ya want for nothing?' })

    expect(keyForm(view).get('[role="alert"]').text()).toBe(REFUSED)
    await fillAndSubmit(view, { 'API key': 'key-2' })
    expect(keyForm(view).exists()).toBe(false)
    expect(byLabel(view, 'Message').element.value).toBe('what do ya want for nothing?')

    await fillAndSubmit(view, { Key: 'Jefe' })
    const sent = api.requestsTo('/api/admin/hmac')
    expect(sent.map((request) => request.headers.get('x-api-key'))).toEqual(['revoked', 'key-2'])
    expect(view.text()).toContain('5bdcc146')
  })

  it.each([
    [
      'the rate',
      'Too Many Requests',
      'Too many requests with this API key in a short time. Wait a few seconds and try again.',
    ],
    [
      'the quota',
      'Limit Exceeded',
      'This API key has used up its request quota for the period. Try again once the quota resets, or use another key.',
    ],
  ])('say when a key is over %s, and keep it', async (_case, message, sentence) => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'busy-key')
    fakeApi({ '/api/admin/hmac': json(429, { message }) })
    const { view } = await openApp('/admin/hmac')
    await fillAndSubmit(view, { Key: 'Jefe', Message: 'hello' })

    expect(keyForm(view).exists()).toBe(false)
    expect(view.get('[role="alert"]').text()).toContain(sentence)
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBe('busy-key')
  })

  it('show a tools key the signature tools only, and say so on the webhooks page', async () => {
    const api = fakeApi({ '/api/admin/session': json(200, TOOLS) })
    const { view, router } = await openApp('/admin')
    await fillAndSubmit(view, { 'API key': 'tools-key' })

    const nav = view.get('nav[aria-label="Admin tools"]')
    expect(nav.findAll('a').map((a) => a.text())).toEqual(['Overview', 'HMAC', 'SigV4'])
    expect(view.text()).toContain('Key ID 7c2e4b91')
    expect(view.text()).toContain('A tools key: the signature tools')
    expect(view.text()).not.toContain('Webhooks')
    expect(view.find('[role="meter"]').exists()).toBe(false)
    // A tools key may not read usage: it is not asked for.
    expect(api.requestsTo('/api/admin/usage')).toHaveLength(0)

    await router.push('/admin/webhooks')
    await flushPromises()
    expect(view.get('.admin__out-of-scope').text()).toBe(
      'This key cannot use webhooks: it is a tools key, for the signature tools only. Forget key and enter an admin key to use webhooks.',
    )
    // The webhooks page is not mounted: nothing asked for hooks, and the key is kept.
    expect(api.requestsTo('/api/admin/webhooks')).toHaveLength(0)
    expect(sessionStorage.getItem(API_KEY_STORAGE_KEY)).toBe('tools-key')

    await router.push('/admin/hmac')
    await flushPromises()
    expect(view.find('.admin__out-of-scope').exists()).toBe(false)
    expect(byLabel(view, 'Message').exists()).toBe(true)
  })

  it('learn a kept key’s scope when the page loads, and hide what it may not use', async () => {
    sessionStorage.setItem(API_KEY_STORAGE_KEY, 'tools-key')
    fakeApi({ '/api/admin/session': json(200, TOOLS) })
    const { view } = await openApp('/admin/webhooks')
    expect(view.get('.admin__out-of-scope').text()).toContain('This key cannot use webhooks')
    const nav = view.get('nav[aria-label="Admin tools"]')
    expect(nav.findAll('a').map((a) => a.text())).toEqual(['Overview', 'HMAC', 'SigV4'])
  })
})
