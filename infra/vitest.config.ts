import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Synthesis bundles the Lambda with esbuild; a cold synth takes a while on 2 cores.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
})
