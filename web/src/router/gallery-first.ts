import type { Router } from 'vue-router'

/** How long a navigation to the editor waits at most for the gallery's first page. */
export const GALLERY_WAIT_MS = 500

/**
 * Lets a navigation to the editor (the route named `editor`) finish once the gallery's first
 * page has arrived, or after `waitMs`, whichever comes first. The first one is the app's
 * mount (`mountWhenReady`): the editor's page preloads that page (web/build/editor-page.ts),
 * so it is usually in before the scripts have run, and the first paint shows the templates.
 * Without the wait, they came after it, and laying the page out again for them was the
 * longest task a phone's main thread ran once the page showed. A slow or failing API delays
 * the first paint by `waitMs` at most: the gallery then shows placeholders, and its error if
 * one comes, as before. `start` loads the gallery and does nothing once it has.
 */
export function galleryFirst(
  router: Router,
  start: () => Promise<void>,
  waitMs = GALLERY_WAIT_MS,
): void {
  router.beforeResolve(async (to) => {
    if (to.name !== 'editor') return
    let timer: ReturnType<typeof setTimeout> | undefined
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))
    await Promise.race([start().catch(() => undefined), waited])
    clearTimeout(timer)
  })
}
