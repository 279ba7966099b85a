import './assets/main.css'

import { createPinia } from 'pinia'
import { createApp } from 'vue'

import App from './App.vue'
import router from './router/index.ts'

const app = createApp(App)

app.use(createPinia())
app.use(router)

app.mount('#app')

/**
 * Resolves once the first page has its code, has been drawn in a frame, and the browser is
 * idle after it. Safari has no requestIdleCallback: there, just after that frame.
 */
function firstPageShown(): Promise<void> {
  const idle = (then: () => void) =>
    'requestIdleCallback' in window
      ? requestIdleCallback(then, { timeout: 2000 })
      : setTimeout(then)
  return router
    .isReady()
    .then(() => new Promise((shown) => requestAnimationFrame(() => idle(() => shown()))))
}

// Declares the caption faces, fetching none until text needs them; the header's wordmark
// is set in one of them. A chunk of its own: the faces' unicode ranges weigh 200 kB, so it
// is fetched once the first page shows, not beside that page's code (on a phone's
// connection, Lighthouse put the page's text 2 s later for it).
void firstPageShown()
  .then(() => import('./fonts/caption-fonts.ts'))
  .then(({ captionFonts }) => captionFonts())
