import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../../config.ts'
import { documentApiKey } from '../../plugins/external/swagger.ts'
import { routeNotFound } from '../../services/shared/app-error.ts'
import hmacRoutes from './hmac.ts'
import notificationRoutes from './notifications.ts'
import s3PolicyRoutes from './s3-policy.ts'
import sigv4Routes from './sigv4.ts'
import usageRoutes from './usage.ts'
import webhookAdminRoutes from './webhooks.ts'

/** `/api/admin/*`: every route, and every path that matches none, sits behind the API key. */
const adminRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig; now?: () => number }> = async (
  admin,
  { config, now },
) => {
  admin.addHook('onRequest', admin.apiKeyGuard)
  admin.addHook('onRoute', documentApiKey)
  await admin.register(usageRoutes, { config })
  await admin.register(hmacRoutes, { config })
  await admin.register(sigv4Routes, { config })
  await admin.register(s3PolicyRoutes, { config })
  await admin.register(webhookAdminRoutes, { config, now })
  await admin.register(notificationRoutes, { config })
  admin.setNotFoundHandler({ preHandler: admin.apiKeyGuard }, async (request) => {
    throw routeNotFound(request)
  })
  // The web app's file server catches every path no route takes (`/*`); this keeps the paths
  // under /api/admin in this scope, behind the key, when the app serves the SPA too.
  admin.all('/*', { schema: { hide: true } }, async (_request, reply) => reply.callNotFound())
}

export default adminRoutes
