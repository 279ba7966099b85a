import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'
import { compression, defineAlgorithm } from 'vite-plugin-compression2'
import { compileHints } from './build/compile-hints.ts'
import { BROTLI, COMPRESSED_FROM_BYTES, GZIP } from './build/compression.ts'
import { editorPage } from './build/editor-page.ts'

/** Where the dev server sends `/api`: the local API started by `pnpm start` or `pnpm dev`. */
const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:3000'

export default defineConfig({
  plugins: [
    vue(),
    editorPage(),
    // Brotli and gzip copies of the text files (build/compression.ts).
    compression({
      threshold: COMPRESSED_FROM_BYTES,
      algorithms: [defineAlgorithm('brotliCompress', BROTLI), defineAlgorithm('gzip', GZIP)],
    }),
    compileHints(),
  ],
  define: {
    // Every component is written with <script setup>: Vue's Options API is left out of the
    // bundle: 1.5 kB less (Brotli) to fetch and parse before the first paint.
    __VUE_OPTIONS_API__: 'false',
  },
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
