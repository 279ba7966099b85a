import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../config.ts'

// Placeholder: routes arrive with the webhook setup.
const routes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async () => {}

export default routes
