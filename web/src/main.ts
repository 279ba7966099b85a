import './assets/main.css'

import { createPinia } from 'pinia'
import { createApp } from 'vue'

import App from './App.vue'
import router from './router/index.ts'

const app = createApp(App)

app.use(createPinia())
app.use(router)

// Mount once the first page's chunk has arrived, so the header and the page paint together in
// one task: mounted at once, the header painted alone first and the page's own (longer) mount
// came after the first paint, where it blocked a phone's main thread. A failed first navigation
// still mounts, so the page can say what went wrong.
void router.isReady().finally(() => app.mount('#app'))
