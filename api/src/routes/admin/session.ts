import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { KeySessionSchema, type ApiKeyScope } from '@meme-studio/meme-core/schema'

/**
 * `GET /api/admin/session`: which key this is and what it may use, so the admin pages show
 * only the tools the key may use. Any valid key may ask.
 */
const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/session',
    {
      schema: {
        summary: 'This API key: its id and its scope (tools, jobs or admin)',
        description:
          'tools: the signature tools (/api/admin/hmac*, /api/admin/sigv4*, /api/admin/s3-policy*); ' +
          'jobs: /api/jobs*; admin: everything. A key outside its scope is answered 403 Forbidden.',
        response: { 200: KeySessionSchema },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      // The scope's guard has admitted the request, so it names the key and its scope.
      return { keyId: request.apiKeyId as string, scope: request.apiKeyScope as ApiKeyScope }
    },
  )
}

export default sessionRoutes
