import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'

/** Where the dev server sends `/api`: the local API started by `pnpm start` or `pnpm dev`. */
const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:3000'

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
    },
  },
  server: {
    proxy: {
      '/api': { target: apiUrl, changeOrigin: true },
      // Share pages are rendered by the API, for link previews.
      '/m/': { target: apiUrl, changeOrigin: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target: apiUrl, changeOrigin: true },
      // Share pages are rendered by the API, for link previews.
      '/m/': { target: apiUrl, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
  },
})
