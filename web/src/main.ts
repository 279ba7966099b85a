import './assets/main.css'

import { createPinia } from 'pinia'
import { createApp } from 'vue'

import App from './App.vue'
import router from './router/index.ts'
import { mountWhenReady } from './router/mount-when-ready.ts'

const app = createApp(App)

app.use(createPinia())
app.use(router)

void mountWhenReady(app, router, '#app')
