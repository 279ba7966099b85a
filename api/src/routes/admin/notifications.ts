import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { AppConfig } from '../../config.ts'
import { errorResponses } from '../../schemas/errors.ts'

export const NotificationsSchema = Type.Object(
  {
    discord: Type.Object(
      {
        configured: Type.Boolean({ description: 'DISCORD_WEBHOOK_URL is set' }),
        state: Type.Union([Type.Literal('ok'), Type.Literal('unused'), Type.Literal('disabled')], {
          description:
            'ok: messages go to Discord; unused: no DISCORD_WEBHOOK_URL; disabled: Discord ' +
            'answered 404 for the URL (the webhook was deleted), so it is no longer called ' +
            'until the URL changes or the state is reset',
        }),
        reason: Type.Optional(Type.String({ description: 'Why Discord is disabled' })),
        lastDeliveredAt: Type.Optional(Type.String({ format: 'date-time' })),
        lastError: Type.Optional(Type.String({ description: 'When and why the last try failed' })),
      },
      { additionalProperties: false },
    ),
    notifyOnArchive: Type.Boolean({ description: 'Post a message when a push is archived' }),
    notifyOnShare: Type.Boolean({ description: 'Post a message when a meme is shared' }),
  },
  { additionalProperties: false },
)

const NotificationsChangeSchema = Type.Object(
  {
    notifyOnArchive: Type.Optional(Type.Boolean()),
    notifyOnShare: Type.Optional(Type.Boolean()),
    resetDiscord: Type.Optional(
      Type.Boolean({ description: 'Use the Discord URL again after a 404 disabled it' }),
    ),
  },
  { additionalProperties: false },
)

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
