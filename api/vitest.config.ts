import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file starts its own S3 server on a free loopback port.
    testTimeout: 20_000,
  },
})
