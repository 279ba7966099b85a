import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  TemplatePageSchema,
  TemplateParamsSchema,
  TemplateQuerySchema,
  TemplateSchema,
} from '@meme-studio/meme-core/schema'
import { errorResponses } from '../schemas/errors.ts'

/** Answers carry presigned URLs: the browser may keep them a minute, shared caches never. */
const TEMPLATE_CACHE_CONTROL = 'private, max-age=60'

/** `/api/templates`: the gallery's templates. */
const templateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/templates',
    {
      schema: {
        summary: 'Templates: search by name and tag, a page at a time, starters first',
        querystring: TemplateQuerySchema,
        response: { 200: TemplatePageSchema, ...errorResponses(400, 503) },
      },
    },
    async (request, reply) => {
      const page = await app.templates.list(request.query)
      reply.header('cache-control', TEMPLATE_CACHE_CONTROL)
      return page
    },
  )

  app.get(
    '/templates/:id',
    {
      schema: {
        summary: 'One template: its boxes and short-lived picture and thumbnail URLs',
        params: TemplateParamsSchema,
        response: { 200: TemplateSchema, ...errorResponses(404, 503) },
      },
    },
    async (request, reply) => {
      const template = await app.templates.get(request.params.id)
      reply.header('cache-control', TEMPLATE_CACHE_CONTROL)
      return template
    },
  )
}

export default templateRoutes
