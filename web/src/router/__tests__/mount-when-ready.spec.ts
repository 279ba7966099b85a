import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApp, defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { mountWhenReady } from '../mount-when-ready.ts'

const Shell = defineComponent(() => () => [h('header', 'meme-studio'), h(RouterView)])

function setUp(page: () => Promise<unknown>) {
  document.body.innerHTML = '<div id="app"></div>'
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/', component: page }],
  })
  const app = createApp(Shell)
  app.use(router)
  return { app, router }
}

afterEach(() => {
  document.body.innerHTML = ''
})

describe('mountWhenReady', () => {
  it('mounts only once the first page has arrived, header and page together', async () => {
    let arrive!: (page: unknown) => void
    const { app, router } = setUp(() => new Promise((resolve) => (arrive = resolve)))
    const mounted = mountWhenReady(app, router, '#app')
    // The navigation waits for the page's chunk; nothing is mounted meanwhile.
    const navigated = router.push('/')
    await flushPromises()
    expect(document.body.textContent).toBe('')

    arrive({ default: defineComponent(() => () => h('h1', 'Make a meme')) })
    await navigated
    await mounted
    expect(document.querySelector('header')?.textContent).toBe('meme-studio')
    expect(document.querySelector('h1')?.textContent).toBe('Make a meme')
  })

  it('mounts the header when the first page fails to load, and says why in the console', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const failure = new Error('Failed to fetch dynamically imported module')
    const { app, router } = setUp(() => Promise.reject(failure))
    const mounted = mountWhenReady(app, router, '#app')
    await router.push('/').catch(() => undefined)
    // Resolves: no unhandled rejection is left behind.
    await expect(mounted).resolves.toBeUndefined()
    expect(document.querySelector('header')?.textContent).toBe('meme-studio')
    expect(logged).toHaveBeenCalledWith('meme-studio: the first page did not load', failure)
  })
})
