import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { EDIT_TOKEN_HEADER } from '@meme-studio/meme-core'
import { Type } from 'typebox'
import {
  TemplateCreatedSchema,
  TemplateCreateSchema,
  TemplateDeleteQuerySchema,
  TemplateEditHeadersSchema,
  TemplatePageSchema,
  TemplateParamsSchema,
  TemplateQuerySchema,
  TemplateSchema,
  TemplateUpdateSchema,
} from '@meme-studio/meme-core/schema'
import type { FastifyRequest } from 'fastify'
import { errorResponses } from '../schemas/errors.ts'
import type { EditCredentials } from '../services/templates/saved-templates.ts'

/** Answers carry presigned URLs: the browser may keep them a minute, shared caches never. */
const TEMPLATE_CACHE_CONTROL = 'private, max-age=60'

/** A key, a name, ten tags and ten boxes fit in a few kilobytes, as a meme request does. */
const TEMPLATE_BODY_LIMIT = 64 * 1024

function credentials(request: FastifyRequest): EditCredentials {
  return { apiKey: request.headers['x-api-key'], editToken: request.headers[EDIT_TOKEN_HEADER] }
}

/** `/api/templates`: the gallery's templates, and saving, editing and deleting one's own. */
const templateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/templates',
    {
      schema: {
        summary:
          'Templates: search by name and tag, a page at a time, saved ones newest first, then the starters',
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

  app.post(
    '/templates',
    {
      bodyLimit: TEMPLATE_BODY_LIMIT,
      schema: {
        summary: 'Save an upload and its boxes as a template',
        description:
          'The picture is checked as a render checks it, kept upright, scaled to MAX_EDGE and ' +
          `without metadata, with a WebP thumbnail. The answer's \`editToken\` (shown once) is ` +
          `what \`${EDIT_TOKEN_HEADER}\` takes to edit or delete the template.`,
        body: TemplateCreateSchema,
        response: {
          201: TemplateCreatedSchema,
          ...errorResponses(400, 404, 413, 415, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const created = await app.templates.create(request.body)
      return reply
        .status(201)
        .header('location', `/api/templates/${created.template.id}`)
        .header('cache-control', 'no-store')
        .send(created)
    },
  )

  app.put(
    '/templates/:id',
    {
      bodyLimit: TEMPLATE_BODY_LIMIT,
      schema: {
        summary: "Edit a saved template's name, tags, boxes or source",
        description:
          `Needs the template's \`${EDIT_TOKEN_HEADER}\` or an admin-scope \`x-api-key\`, and ` +
          'the `version` last read: another is 409 CONFLICT. Each edit adds one to the version. ' +
          'Starters are read-only (403 TEMPLATE_READ_ONLY).',
        params: TemplateParamsSchema,
        headers: TemplateEditHeadersSchema,
        body: TemplateUpdateSchema,
        response: {
          200: TemplateSchema,
          ...errorResponses(400, 403, 404, 409, 413, 415, 503),
        },
      },
    },
    async (request, reply) => {
      const template = await app.templates.update(
        request.params.id,
        request.body,
        credentials(request),
      )
      reply.header('cache-control', 'no-store')
      return template
    },
  )

  app.delete(
    '/templates/:id',
    {
      schema: {
        summary: 'Delete a saved template and its pictures',
        description:
          `Needs the template's \`${EDIT_TOKEN_HEADER}\` or an admin-scope \`x-api-key\`, and ` +
          'the `version` last read: another is 409 CONFLICT.',
        params: TemplateParamsSchema,
        headers: TemplateEditHeadersSchema,
        querystring: TemplateDeleteQuerySchema,
        response: { 204: Type.Null(), ...errorResponses(400, 403, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      await app.templates.remove(request.params.id, request.query.version, credentials(request))
      return reply.status(204).send(null)
    },
  )
}

export default templateRoutes
