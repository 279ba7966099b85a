import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each file starts its own S3 server on a free loopback port.
    testTimeout: 20_000,
    // The AWS calls the app makes while serving the tests' requests, for the infra tests'
    // permission checks: recorded in each file, merged and checked at the end.
    setupFiles: ['test/support/aws-call-recorder.ts'],
    globalSetup: [
      'test/support/aws-calls-global-setup.ts',
      'test/support/dynamodb-global-setup.ts',
    ],
  },
})
