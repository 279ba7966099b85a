import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { NotificationsChangeSchema, NotificationsSchema } from '@meme-studio/meme-core/schema'
import type { AppConfig } from '../../config.ts'
import { errorResponses } from '../../schemas/errors.ts'

/** `/api/admin/notifications`: where events go, and which optional notifications are on. */
const notificationRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app) => {
  app.get(
    '/notifications',
    {
      schema: {
        summary: "Discord's state and the notification toggles",
        response: { 200: NotificationsSchema, ...errorResponses(503) },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'no-store')
      return app.notifier.view()
    },
  )

  app.put(
    '/notifications',
    {
      schema: {
        summary: 'Turn notifications on or off; reset Discord after a 404',
        body: NotificationsChangeSchema,
        response: { 200: NotificationsSchema, ...errorResponses(400, 503) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      return app.notifier.update(request.body)
    },
  )
}

export default notificationRoutes
