import './assets/main.css'

import { createPinia } from 'pinia'
import { createApp } from 'vue'

import App from './App.vue'
import router from './router/index.ts'

// Declares the caption faces, fetching none until text needs them; the header's wordmark
// is set in one of them. A chunk of its own: the faces' unicode ranges weigh 200 kB.
void import('./fonts/caption-fonts.ts').then(({ captionFonts }) => captionFonts())

const app = createApp(App)

app.use(createPinia())
app.use(router)

app.mount('#app')
