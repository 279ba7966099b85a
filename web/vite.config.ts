import { fileURLToPath, URL } from 'node:url'
import { constants } from 'node:zlib'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'
import { compression, defineAlgorithm } from 'vite-plugin-compression2'
import { editorPage } from './build/editor-page.ts'

/** Where the dev server sends `/api`: the local API started by `pnpm start` or `pnpm dev`. */
const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:3000'

export default defineConfig({
  plugins: [
    vue(),
    editorPage(),
    // Brotli and gzip copies of the text files (JS, CSS, HTML, SVG, JSON) beside each one, made
    // once at the strongest settings: the local server sends the one the browser accepts
    // (@fastify/static's preCompressed). On AWS CloudFront compresses, and the site's
    // deployment leaves these copies out.
    compression({
      threshold: 1024,
      algorithms: [
        defineAlgorithm('brotliCompress', {
          params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
        }),
        defineAlgorithm('gzip', { level: 9 }),
      ],
    }),
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
