import type { App } from 'vue'
import type { Router } from 'vue-router'

/**
 * Mounts the app once the first route's chunk has arrived, so the header and the page paint
 * together in one task: mounted at once, the header painted alone first and the page's own
 * (longer) mount came after the first paint, where it blocked a phone's main thread. A first
 * navigation that fails (its chunk did not load) is reported and the app mounts all the same,
 * so the header shows rather than a blank page.
 */
export async function mountWhenReady(app: App, router: Router, selector: string): Promise<void> {
  try {
    await router.isReady()
  } catch (error) {
    console.error('meme-studio: the first page did not load', error)
  }
  app.mount(selector)
}
