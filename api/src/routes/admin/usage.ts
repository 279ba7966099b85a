import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppConfig } from '../../config.ts'

const isoInstant = (description: string) => Type.String({ format: 'date-time', description })

export const KeyUsageSchema = Type.Object(
  {
    keyId: Type.String({ description: 'Names the key without being it (a short hash)' }),
    period: Type.Union([Type.Literal('DAY'), Type.Literal('WEEK'), Type.Literal('MONTH')], {
      description: 'The quota period: a UTC day, a week from Sunday, or a calendar month',
    }),
    periodStart: isoInstant('When this period began (UTC)'),
    periodEnd: isoInstant('When the quota resets: the next period begins (UTC)'),
    used: Type.Integer({
      minimum: 0,
      description: 'Requests admitted this period, this one included',
    }),
    remaining: Type.Integer({ minimum: 0, description: 'Requests left this period' }),
    quota: Type.Integer({ description: 'Requests allowed per period' }),
    rate: Type.Number({ description: 'Steady requests per second' }),
    burst: Type.Integer({ description: 'Requests that may arrive at once' }),
  },
  { additionalProperties: false },
)

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
