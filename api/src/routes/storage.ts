import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IMAGE_TYPES } from '@meme-studio/meme-core'
import { LimitsSchema } from '@meme-studio/meme-core/schema'
import { HealthSchema } from '@meme-studio/meme-core/schema'
import { checkBucket } from '../services/storage/upload-store.ts'
import type { AppConfig } from '../config.ts'

const storageRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app, { config }) => {
  app.get(
    '/health',
    {
      schema: {
        summary: 'Whether the API and its storage are up',
        response: { 200: HealthSchema, 503: HealthSchema },
      },
    },
    async (_request, reply) => {
      const storage = await checkBucket(app.s3, config.uploadBucket)
      reply.header('cache-control', 'no-store')
      return storage.ok
        ? { status: 'ok' as const, storage: 'ok' }
        : reply.status(503).send({ status: 'error' as const, storage: storage.problem })
    },
  )

  app.get(
    '/limits',
    { schema: { summary: 'What uploads may be', response: { 200: LimitsSchema } } },
    async () => ({
      maxUploadBytes: config.maxUploadBytes,
      maxPixels: config.maxPixels,
      maxEdge: config.maxEdge,
      imageTypes: IMAGE_TYPES,
    }),
  )
}

export default storageRoutes
