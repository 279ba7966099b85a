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
    rolldownOptions: {
      treeshake: {
        // TypeBox and meme-core's schema files only define values, but neither package says
        // so (no `sideEffects` in its package.json). Said here, the admin pages' answer checks
        // take only what they use and share nothing new with the editor: without it the
        // editor loaded an extra runtime chunk, and meme-core's shared chunk grew.
        moduleSideEffects: [
          {
            test: /\/node_modules\/typebox\/|\/meme-core\/src\/[a-z-]*schema\.ts$/,
            sideEffects: false,
          },
        ],
      },
    },
  },
})
