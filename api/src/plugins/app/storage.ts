import { S3Client } from '@aws-sdk/client-s3'
import fp from 'fastify-plugin'
import type { S3Settings } from '../../config.ts'

declare module 'fastify' {
  interface FastifyInstance {
    s3: S3Client
  }
}

/**
 * Every S3 call gives up within about `S3_MAX_ATTEMPTS × S3_REQUEST_TIMEOUT_MS` plus the
 * retry's backoff (at most 100 ms for a timeout, the SDK's transient-error base): 8.1 s, so a
 * stalled store is a 503 `STORAGE_UNAVAILABLE` inside API Gateway's 10 s that the issue asks
 * for. The request timeout runs from sending the request (its body included) to the
 * response's headers; it does not cover reading a response body, so a store that sends the
 * headers and then stalls is not bounded by it. 4 s is far above what the app's objects take
 * in region (an upload part of 5 MB at most; S3's first byte takes tens of ms).
 */
const S3_REQUEST_TIMEOUT_MS = 4000
/** An in-region TCP connect takes milliseconds; one that takes a second will not complete. */
const S3_CONNECTION_TIMEOUT_MS = 1000
const S3_MAX_ATTEMPTS = 2

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    // Checksums only where S3 requires them: S3-compatible servers differ on the rest.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: S3_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: S3_CONNECTION_TIMEOUT_MS,
      requestTimeout: S3_REQUEST_TIMEOUT_MS,
      // Without this, an expired requestTimeout only logs a warning and the call waits for
      // ever on a store that accepted the connection and never answers (issue 12).
      throwOnRequestTimeout: true,
    },
  })
}

/** The S3 client every route shares; closed with the app. */
export default fp<{ settings: S3Settings }>(
  async (app, { settings }) => {
    const s3 = createS3Client(settings)
    app.decorate('s3', s3)
    app.addHook('onClose', async () => s3.destroy())
  },
  { name: 'storage' },
)
