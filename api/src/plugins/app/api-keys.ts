import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../../config.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * An `onRequest` hook for the routes behind an API key (`/api/admin/*`, `/api/jobs*`):
     * answers as API Gateway does with a usage plan (403 Forbidden, 429 Too Many Requests,
     * 429 Limit Exceeded) or lets the request through.
     */
    apiKeyGuard(request: FastifyRequest, reply: FastifyReply): Promise<void>
  }
}

// Placeholder: the usage-plan guard is being written; until then every request passes.
export default fp<{ config: AppConfig }>(
  async (app) => {
    app.decorate('apiKeyGuard', async () => {})
  },
  { name: 'api-keys' },
)
