import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { IMAGE_TYPES, pictureShapeLimits } from '@meme-studio/meme-core'
import { LimitsSchema } from '@meme-studio/meme-core/schema'
import { HealthSchema } from '@meme-studio/meme-core/schema'
import { checkRecords } from '../services/records/record-store.ts'
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
      const [storage, records] = await Promise.all([
        checkBucket(app.s3, config.uploadBucket),
        checkRecords(app.records),
      ])
      reply.header('cache-control', 'no-store')
      const body = {
        storage: storage.ok ? 'ok' : storage.problem,
        records: records.ok ? 'ok' : records.problem,
      }
      return storage.ok && records.ok
        ? { status: 'ok' as const, ...body }
        : reply.status(503).send({ status: 'error' as const, ...body })
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
      ...pictureShapeLimits(config.maxEdge),
    }),
  )
}

export default storageRoutes
