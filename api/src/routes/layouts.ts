import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LayoutRequestSchema, LayoutResultSchema } from '@meme-studio/meme-core/schema'
import type { AppConfig } from '../config.ts'
import { errorResponses } from '../schemas/errors.ts'
import { makeLayout } from '../services/layouts/layout-service.ts'
import { RenderLimiter } from '../services/meme/render-limiter.ts'

/** A kind and four keys fit in well under a kilobyte. */
const LAYOUT_BODY_LIMIT = 4 * 1024

/** A full queue drains in a second or two, as for renders. */
const RETRY_AFTER_SECONDS = 2

/** `/api/layouts`: several uploads put into one picture, one per panel. */
const layoutRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app, { config }) => {
  const deps = {
    s3: app.s3,
    bucket: config.uploadBucket,
    maxPixels: config.maxPixels,
    maxEdge: config.maxEdge,
    maxUploadBytes: config.maxUploadBytes,
    limiter: new RenderLimiter({
      maxBytesInFlight: config.render.maxBytesInFlight,
      maxQueued: config.render.maxQueued,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    }),
  }
  app.post(
    '/layouts',
    {
      bodyLimit: LAYOUT_BODY_LIMIT,
      schema: {
        summary: 'Put uploaded pictures into a layout, one per panel, as a new upload',
        description:
          'Each key is read and checked as `POST /api/meme` checks its picture (same error codes). ' +
          'The answer is a new upload: caption it with `POST /api/meme {image: key}`.',
        body: LayoutRequestSchema,
        response: {
          201: LayoutResultSchema,
          ...errorResponses(400, 404, 413, 415, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const layout = await makeLayout(deps, request.body)
      return reply.status(201).header('cache-control', 'no-store').send(layout)
    },
  )
}

export default layoutRoutes
