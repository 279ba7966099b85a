import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { AppConfig } from '../../config.ts'
import { documentApiKey } from '../../plugins/external/swagger.ts'
import { routeNotFound } from '../../services/shared/app-error.ts'
import hmacRoutes from './hmac.ts'
import notificationRoutes from './notifications.ts'
import s3PolicyRoutes from './s3-policy.ts'
import sessionRoutes from './session.ts'
import sigv4Routes from './sigv4.ts'
import usageRoutes from './usage.ts'
import webhookAdminRoutes from './webhooks.ts'

/**
 * `/api/admin/*`: every route, and every path that matches none, sits behind the API key. The
 * signature tools need a `tools` key, the rest an `admin` key (which may use everything);
 * `session` answers any key, so the web app can learn what the key may use.
 */
const adminRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig; now?: () => number }> = async (
  admin,
  { config, now },
) => {
  // Any valid key first (403 without one, whatever the path), then each group's scope.
  admin.addHook('onRequest', admin.apiKeyGuard())
  admin.addHook('onRoute', documentApiKey)
  await admin.register(sessionRoutes)
  await admin.register(async (tools) => {
    tools.addHook('onRequest', tools.apiKeyGuard('tools'))
    await tools.register(hmacRoutes, { config })
    await tools.register(sigv4Routes, { config })
    await tools.register(s3PolicyRoutes, { config })
  })
  await admin.register(async (full) => {
    full.addHook('onRequest', full.apiKeyGuard('admin'))
    await full.register(usageRoutes, { config })
    await full.register(webhookAdminRoutes, { config, now })
    await full.register(notificationRoutes, { config })
  })
  // A path that matches no route needs an admin key: a scoped key gets 403 there, as on the
  // routes it may not use, so it cannot tell which paths exist beyond its own.
  const adminOnly = admin.apiKeyGuard('admin')
  admin.setNotFoundHandler({ preHandler: adminOnly }, async (request) => {
    throw routeNotFound(request)
  })
  // The web app's file server catches every path no route takes (`/*`); this keeps the paths
  // under /api/admin in this scope, behind the key, when the app serves the SPA too.
  admin.all('/*', { schema: { hide: true }, onRequest: adminOnly }, async (_request, reply) =>
    reply.callNotFound(),
  )
}

export default adminRoutes
