import { flushPromises, mount, type DOMWrapper, type VueWrapper } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { fakeApi, json } from '@/api/__tests__/fake-network.ts'
import App from '@/App.vue'
import { buttonNamed, fillAndSubmit } from '@/components/admin/__tests__/admin-test-kit.ts'
import {
  DEFAULT_HOOK,
  PONG,
  PONG_DETAILS,
  PUSH,
  PUSH_ARCHIVING,
  PUSH_FAILED,
  PUSH_QUEUED,
  SECRET,
  SITE_HOOK,
} from '@/components/webhooks/__tests__/webhook-fixtures.ts'
import { routes } from '@/router/index.ts'
import { API_KEY_STORAGE_KEY } from '@/stores/admin-session.ts'

const HOOKS = '/api/admin/webhooks'
const SITE = `${HOOKS}/${SITE_HOOK.hookId}`
const NOTIFICATIONS = {
  '/api/admin/notifications': json(200, {
    discord: { configured: false, state: 'unused' },
    notifyOnArchive: false,
    notifyOnShare: false,
    allowMentions: false,
  }),
}

let wrapper: VueWrapper | undefined
afterEach(() => {
  wrapper?.unmount()
  vi.useRealTimers()
})
beforeEach(() => {
  sessionStorage.clear()
  sessionStorage.setItem(API_KEY_STORAGE_KEY, 'key-1')
})

async function openPage() {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push('/admin/webhooks')
  await router.isReady()
  wrapper = mount(App, { global: { plugins: [createPinia(), router] }, attachTo: document.body })
  await flushPromises()
  return wrapper
}

const hookItem = (view: VueWrapper, name: string) => {
  const item = view.findAll('li.hook').find((li) => li.find('h3').text() === name)
  expect(item, `a hook "${name}"`).toBeDefined()
  return item!
}
const buttonsOf = (element: ReturnType<VueWrapper['get']>) =>
  element.findAll('.hook__actions button').map((button) => button.text())
const deliveryRows = (view: VueWrapper) => view.findAll('tr.deliveries__row')

/** A button inside part of the page, by its text. */
function buttonIn(scope: DOMWrapper<Element> | undefined, name: string) {
  const button = scope?.findAll('button').find((candidate) => candidate.text() === name)
  expect(button, `a button "${name}"`).toBeDefined()
  return button!
}

/** The value a labelled output inside part of the page shows. */
function outputIn(scope: Pick<DOMWrapper<Element>, 'findAll'>, label: string) {
  const figure = scope.findAll('figure').find((f) => f.find('figcaption').text() === label)
  expect(figure, `an output "${label}"`).toBeDefined()
  return figure!.get('pre')
}

describe('admin webhooks page', () => {
  it('is in the admin nav, and lists the hooks, the default one read-only', async () => {
    fakeApi({
      ...NOTIFICATIONS,
      [HOOKS]: json(200, { hooks: [DEFAULT_HOOK, SITE_HOOK] }),
      [`${HOOKS}/default/deliveries`]: json(200, { deliveries: [] }),
    })
    const view = await openPage()

    const nav = view.get('nav[aria-label="Admin tools"]')
    expect(nav.findAll('a').map((a) => a.text())).toContain('Webhooks')
    expect(buttonsOf(hookItem(view, 'Default (GITHUB_WEBHOOK_SECRET)'))).toEqual([
      'Deliveries',
      'Ping',
    ])
    const site = hookItem(view, 'Site deploys')
    expect(buttonsOf(site)).toEqual(['Deliveries', 'Ping', 'Rotate secret', 'Edit', 'Delete'])
    expect(outputIn(site, 'Payload URL').text()).toBe(SITE_HOOK.payloadUrl)
    expect(site.text()).toContain('main, release/2.x')
    expect(site.text()).toContain('builds/')
    expect(view.text()).toContain('No deliveries yet.')
  })

  it('loads the hooks and the Discord state once a key is entered on the page', async () => {
    sessionStorage.clear()
    const api = fakeApi({
      ...NOTIFICATIONS,
      '/api/admin/session': json(200, { keyId: '3f9a1c0d', scope: 'admin' }),
      '/api/admin/usage': json(200, {
        keyId: '3f9a1c0d',
        period: 'DAY',
        periodStart: '2026-01-01T00:00:00.000Z',
        periodEnd: '2026-01-02T00:00:00.000Z',
        used: 1,
        remaining: 9,
        quota: 10,
        rate: 1,
        burst: 1,
      }),
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: json(200, { deliveries: [] }),
    })
    const view = await openPage()
    await fillAndSubmit(view, { 'API key': 'key-2' })
    await flushPromises()

    expect(api.requestsTo('/api/admin/session')[0]?.headers.get('x-api-key')).toBe('key-2')
    expect(hookItem(view, 'Site deploys').exists()).toBe(true)
    expect(view.get('.notifications__badge').text()).toBe('Not configured')
  })

  it('creates a GitLab hook with its base URL and token, and shows GitLab’s steps', async () => {
    const GITLAB_HOOK = {
      ...SITE_HOOK,
      provider: 'gitlab' as const,
      baseUrl: 'https://gitlab.example.com',
      hasAccessToken: true,
      payloadUrl: 'http://localhost/api/webhooks/gitlab/h1a2b3',
    }
    const api = fakeApi({
      ...NOTIFICATIONS,
      [HOOKS]: [json(200, { hooks: [] }), json(201, { hook: GITLAB_HOOK, secret: SECRET })],
      [`${SITE}/deliveries`]: json(200, { deliveries: [] }),
    })
    const view = await openPage()
    await buttonNamed(view, 'New hook').trigger('click')
    await view.get('input[type="radio"][value="gitlab"]').setValue(true)
    await fillAndSubmit(view, {
      Name: 'Site deploys',
      'Base URL': 'https://gitlab.example.com',
      'Access token': 'glpat-secret',
    })
    const created = api.requestsTo(HOOKS).find((request) => request.method === 'POST')
    expect(JSON.parse(created?.body ?? '')).toEqual({
      name: 'Site deploys',
      branches: [],
      prefix: '',
      stripRoot: true,
      provider: 'gitlab',
      baseUrl: 'https://gitlab.example.com',
      accessToken: 'glpat-secret',
    })
    const panel = view.get('.secret-panel')
    const text = panel.text().replace(/\s+/g, ' ')
    expect(text).toContain('In the project on GitLab: Settings → Webhooks, choose Add new webhook.')
    expect(text).toContain('Secret token')
    expect(text).toContain('Trigger: Push events')
    expect(text).not.toContain('Content type')
    await buttonNamed(view, "I've copied it").trigger('click')
    const item = hookItem(view, 'Site deploys')
    expect(item.text()).toContain('GitLab')
    expect(item.text()).toContain('Stored (never shown)')
    expect(item.get('details summary').text()).toBe('Set it up in GitLab')
    expect(view.text()).not.toContain('glpat-secret')
  })

  it('creates a hook and shows its secret once, with the steps for GitHub in order', async () => {
    const api = fakeApi({
      ...NOTIFICATIONS,
      [HOOKS]: [json(200, { hooks: [] }), json(201, { hook: SITE_HOOK, secret: SECRET })],
      [`${SITE}/deliveries`]: json(200, { deliveries: [] }),
    })
    const view = await openPage()
    expect(view.text()).toContain('No hooks yet.')

    await buttonNamed(view, 'New hook').trigger('click')
    await view.get('input[type="checkbox"]').setValue(false)
    await fillAndSubmit(view, {
      Name: 'Site deploys',
      Branches: 'main, release/2.x',
      'Archive prefix': 'builds',
    })

    const created = api.requestsTo(HOOKS).find((request) => request.method === 'POST')
    expect(JSON.parse(created?.body ?? '')).toEqual({
      name: 'Site deploys',
      branches: ['main', 'release/2.x'],
      prefix: 'builds/',
      stripRoot: false,
      provider: 'github',
    })
    const panel = view.get('.secret-panel')
    expect(panel.get('h3').text()).toBe("Copy it now: it won't be shown again")
    const steps = panel
      .findAll('li')
      .map((step) => [
        step.get('.secret-panel__text').text().replace(/\s+/g, ' '),
        step.find('code').exists() ? step.get('code').text() : undefined,
      ])
    expect(steps).toEqual([
      ['In the repository on GitHub: Settings → Webhooks, choose Add webhook.', undefined],
      ['Payload URL', SITE_HOOK.payloadUrl],
      ['Content type', 'application/json'],
      ['Secret', SECRET],
      ['Which events: Just the push event.', undefined],
      [
        'Save the webhook there. GitHub sends a ping when the webhook is added; Ping here sends one too.',
        undefined,
      ],
    ])
    expect(panel.findAll('button').map((button) => button.text())).toEqual([
      'Copy Payload URL',
      'Copy Content type',
      'Copy Secret',
      'Ping',
      "I've copied it",
    ])
    expect(view.find('form[aria-labelledby]').exists()).toBe(false)

    await buttonNamed(view, "I've copied it").trigger('click')
    expect(view.find('.secret-panel').exists()).toBe(false)
    expect(view.text()).not.toContain(SECRET)
    expect(hookItem(view, 'Site deploys').exists()).toBe(true)
  })

  it('says why a hook was not created, in a sentence naming the field', async () => {
    fakeApi({
      ...NOTIFICATIONS,
      [HOOKS]: [
        json(200, { hooks: [] }),
        json(400, {
          statusCode: 400,
          error: 'Bad Request',
          message: 'body/name must NOT have more than 100 characters',
          code: 'VALIDATION',
        }),
      ],
    })
    const view = await openPage()
    await buttonNamed(view, 'New hook').trigger('click')
    await fillAndSubmit(view, { Name: 'x'.repeat(101) })
    expect(view.get('[role="alert"]').text()).toContain(
      'Name must NOT have more than 100 characters.',
    )
  })

  it('pings a hook, then shows its deliveries again with the pong on top', async () => {
    const api = fakeApi({
      ...NOTIFICATIONS,
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: [
        json(200, { deliveries: [PUSH] }),
        json(200, { deliveries: [PONG, PUSH] }),
      ],
      [`${SITE}/ping`]: json(200, { delivery: PONG }),
    })
    const view = await openPage()
    expect(deliveryRows(view)).toHaveLength(1)

    await buttonIn(hookItem(view, 'Site deploys'), 'Ping').trigger('click')
    await flushPromises()

    expect(api.requestsTo(`${SITE}/ping`).map((request) => request.method)).toEqual(['POST'])
    expect(api.requestsTo(`${SITE}/deliveries`)).toHaveLength(2)
    expect(view.get('.hook__pinged').text()).toBe('Ping answered 200 (pong).')
    const cells = deliveryRows(view)[0]!
      .findAll('td')
      .map((cell) => cell.text())
    expect(cells.slice(1, 8)).toEqual(['ping', '—', '—', 'pong', '200', '12 ms', '—'])
    const push = deliveryRows(view)[1]!
      .findAll('td')
      .map((cell) => cell.text())
    expect(push.slice(1, 8)).toEqual([
      'push',
      'main',
      '0d1a26e',
      'archived',
      '202',
      '42 ms',
      'builds/octo/site/main.zip',
    ])
  })

  it('shows where a push is, refreshing itself until its archive is done or failed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const api = fakeApi({
      ...NOTIFICATIONS,
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: [
        json(200, { deliveries: [PUSH_QUEUED, PUSH] }),
        json(200, { deliveries: [PUSH_ARCHIVING, PUSH] }),
        json(200, { deliveries: [PUSH_FAILED, PUSH] }),
      ],
    })
    const view = await openPage()
    const outcome = () => deliveryRows(view)[0]!.findAll('td')[4]!.text()
    const pending = () => view.get('.deliveries [role="status"].deliveries__pending').text()
    expect(outcome()).toBe('queued')
    expect(deliveryRows(view)[0]!.findAll('td')[5]!.text()).toBe('202')
    expect(pending()).toBe(
      '1 push is queued or being archived; this list refreshes every 2 seconds until it is done.',
    )

    await vi.advanceTimersByTimeAsync(2000)
    await flushPromises()
    expect(outcome()).toBe('archiving')
    await vi.advanceTimersByTimeAsync(2000)
    await flushPromises()
    expect(outcome()).toBe('failed: GitHub answered 404 for the archive')
    expect(pending()).toBe('')
    await vi.advanceTimersByTimeAsync(10_000)
    expect(api.requestsTo(`${SITE}/deliveries`)).toHaveLength(3)
  })

  it('opens a delivery to its headers, payload and result, and redelivers it', async () => {
    const again = { ...PONG, deliveryId: 'd-ping-2', redeliveryOf: PONG.deliveryId }
    const api = fakeApi({
      ...NOTIFICATIONS,
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: [
        json(200, { deliveries: [PONG] }),
        json(200, { deliveries: [again, PONG] }),
      ],
      [`${SITE}/deliveries/${PONG.deliveryId}`]: json(200, { delivery: PONG_DETAILS }),
      [`${SITE}/deliveries/${PONG.deliveryId}/redeliver`]: json(200, { delivery: again }),
    })
    const view = await openPage()
    const toggle = deliveryRows(view)[0]!.get('button[aria-expanded]')
    expect(toggle.attributes('aria-expanded')).toBe('false')

    await toggle.trigger('click')
    await flushPromises()

    expect(toggle.attributes('aria-expanded')).toBe('true')
    const details = view.get(`#${CSS.escape(toggle.attributes('aria-controls')!)}`)
    expect(outputIn(details, 'Request headers').text()).toContain('X-GitHub-Event: ping')
    expect(outputIn(details, 'Payload').text()).toContain('"zen": "Keep it logically awesome."')
    expect(details.text()).toContain('Answered 200 (pong)')
    expect(details.text()).toContain('The signature matched the secret.')

    await toggle.trigger('click')
    expect(view.find(`#${CSS.escape(toggle.attributes('aria-controls')!)}`).exists()).toBe(false)

    await buttonIn(deliveryRows(view)[0], 'Redeliver').trigger('click')
    await flushPromises()
    const redelivered = api.requestsTo(`${SITE}/deliveries/${PONG.deliveryId}/redeliver`)
    expect(redelivered.map((request) => request.method)).toEqual(['POST'])
    expect(deliveryRows(view)).toHaveLength(2)
    expect(view.text()).toContain('Redelivered: answered 200 (pong).')
  })

  it('says how large a payload was when only part of it was kept', async () => {
    const cut = { ...PONG_DETAILS, truncated: true, payloadBytes: 812 * 1024 }
    fakeApi({
      ...NOTIFICATIONS,
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: json(200, { deliveries: [PONG] }),
      [`${SITE}/deliveries/${PONG.deliveryId}`]: json(200, { delivery: cut }),
    })
    const view = await openPage()
    await deliveryRows(view)[0]!.get('button[aria-expanded]').trigger('click')
    await flushPromises()
    // A no-break space between number and unit: a phone never wraps "64 KB" in two.
    expect(view.text()).toContain(
      'The payload was 812\u00a0KB: only its first 64\u00a0KB were kept.',
    )
  })

  it('rotates a secret after asking how long the old one keeps working', async () => {
    const rotated = { ...SITE_HOOK, previousSecretExpiresAt: '2026-03-02T10:00:00.000Z' }
    const api = fakeApi({
      ...NOTIFICATIONS,
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: json(200, { deliveries: [] }),
      [`${SITE}/rotate-secret`]: json(200, { hook: rotated, secret: 'whsec-new' }),
    })
    const view = await openPage()
    await buttonNamed(view, 'Rotate secret').trigger('click')
    await view.get('select').setValue('3600')
    await buttonNamed(view, 'Make a new secret').trigger('click')
    await flushPromises()

    expect(JSON.parse(api.requestsTo(`${SITE}/rotate-secret`)[0]?.body ?? '')).toEqual({
      graceSeconds: 3600,
    })
    const panel = view.get('.secret-panel')
    expect(panel.text()).toContain('whsec-new')
    expect(panel.text()).toContain('The old secret still works until')
    expect(hookItem(view, 'Site deploys').text()).toContain('Old secret works until')
  })

  it('deletes a hook only once confirmed', async () => {
    const api = fakeApi({
      ...NOTIFICATIONS,
      [HOOKS]: json(200, { hooks: [SITE_HOOK] }),
      [`${SITE}/deliveries`]: json(200, { deliveries: [] }),
      [SITE]: { status: 204, body: '' },
    })
    const view = await openPage()
    await buttonNamed(view, 'Delete').trigger('click')
    expect(api.requestsTo(SITE)).toHaveLength(0)
    expect(view.text()).toContain('Delete Site deploys?')

    await buttonNamed(view, 'Delete hook').trigger('click')
    await flushPromises()
    expect(api.requestsTo(SITE).map((request) => request.method)).toEqual(['DELETE'])
    expect(view.findAll('li.hook')).toHaveLength(0)
  })
})
