import type { RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { GatewayErrorSchema } from '@meme-studio/meme-core/schema'

/** The scheme routes behind the API key name in their `security`. */
export const API_KEY_SECURITY = [{ apiKey: [] }]

/**
 * An `onRoute` hook for a scope behind the API key: its routes say so in the OpenAPI, with
 * the gateway's 403 and 429 answers.
 */
export function documentApiKey(route: RouteOptions): void {
  const declared = (route.schema?.response ?? {}) as Record<string, unknown>
  const response = { 403: GatewayErrorSchema, 429: GatewayErrorSchema, ...declared }
  route.schema = { ...route.schema, security: API_KEY_SECURITY, response }
}

/**
 * OpenAPI generated from the route schemas; the UI at /api/docs. Both packages load here, not
 * with this module: the routes that import `documentApiKey` run where the docs are not served
 * (the render function), and there they cost nothing.
 */
export default fp(
  async (app) => {
    const [{ default: swagger }, { default: swaggerUi }] = await Promise.all([
      import('@fastify/swagger'),
      import('@fastify/swagger-ui'),
    ])
    await app.register(swagger, {
      openapi: {
        info: {
          title: 'meme-studio API',
          description: 'Upload a picture to S3 under a signed policy, then render captions on it.',
          version: '0.1.0',
        },
        components: {
          securitySchemes: {
            apiKey: {
              type: 'apiKey',
              in: 'header',
              name: 'x-api-key',
              description: 'Needed for /api/admin/* and /api/jobs*',
            },
          },
        },
      },
    })
    await app.register(swaggerUi, { routePrefix: '/api/docs' })
  },
  { name: 'swagger' },
)
