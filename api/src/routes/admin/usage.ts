import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { KeyUsageSchema } from '@meme-studio/meme-core/schema'
import type { AppConfig } from '../../config.ts'

/** `GET /api/admin/usage`: the calling key's quota and throttle, as the guard counts them. */
const usageRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app) => {
  app.get(
    '/usage',
    {
      schema: {
        summary:
          "This API key's usage plan: requests used and left in the quota period, and its limits",
        description:
          'Counts the requests this key made to /api/admin and /api/jobs that were let through, ' +
          'this one included; refused (403) and throttled or over-quota (429) ones do not count. ' +
          'The quota resets at periodEnd. Counted in memory by this process: on AWS each Lambda ' +
          "instance counts its own requests, and API Gateway's usage plan has the real numbers.",
        response: { 200: KeyUsageSchema },
      },
    },
    async (request, reply) => {
      // The scope's guard has admitted the request, so it names the key.
      const keyId = request.apiKeyId as string
      const usage = app.usagePlan.usage(keyId)
      reply.header('cache-control', 'no-store')
      return {
        keyId,
        ...usage,
        periodStart: new Date(usage.periodStart).toISOString(),
        periodEnd: new Date(usage.periodEnd).toISOString(),
      }
    },
  )
}

export default usageRoutes
