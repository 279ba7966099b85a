import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import fp from 'fastify-plugin'

/**
 * OpenAPI generated from the route schemas; the UI at /api/docs. The local server has it, with
 * every route (`app.ts`); the Lambda functions leave it out.
 */
export default fp(
  async (app) => {
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
