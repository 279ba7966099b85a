import { S3Client } from '@aws-sdk/client-s3'
import fp from 'fastify-plugin'
import type { S3Settings } from '../../config.ts'

declare module 'fastify' {
  interface FastifyInstance {
    s3: S3Client
  }
}

export function createS3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    // Checksums only where S3 requires them: S3-compatible servers differ on the rest.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 15_000 },
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
