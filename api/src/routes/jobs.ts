import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../config.ts'

/** `/api/jobs*`: programmatic renders behind the API key. Placeholder until the jobs API lands. */
const jobRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (jobs) => {
  jobs.addHook('onRequest', jobs.apiKeyGuard)
}

export default jobRoutes
