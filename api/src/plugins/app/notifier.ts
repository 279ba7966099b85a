import fp from 'fastify-plugin'
import type { AppConfig } from '../../config.ts'
import {
  DEFAULT_DISCORD_SETTINGS,
  type NotificationKind,
} from '../../services/notifications/discord.ts'
import { Notifier } from '../../services/notifications/notifier.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Posts an optional notification to Discord when its toggle is on (`archived`: a push was
     * archived; `shared`: a meme was shared). Never throws: safe to call without awaiting.
     */
    notify(kind: NotificationKind, details: Record<string, unknown>): Promise<void>
    /** Events and notifications to Discord, and their settings. */
    notifier: Notifier
  }
}

/** `app.notify` and `app.notifier`: Discord deliveries with their settings and state. */
export default fp<{ config: AppConfig }>(
  async (app, { config }) => {
    const discord = config.discordWebhookUrl
      ? {
          ...DEFAULT_DISCORD_SETTINGS,
          webhookUrl: config.discordWebhookUrl,
          ...(config.httpsProxy ? { proxy: config.httpsProxy } : {}),
        }
      : undefined
    const notifier = new Notifier(app.s3, config.uploadBucket, discord, app.log)
    app.decorate('notifier', notifier)
    app.decorate('notify', (kind: NotificationKind, details: Record<string, unknown>) =>
      notifier.notify(kind, details),
    )
    app.addHook('onClose', async () => notifier.settled())
  },
  { name: 'notifier', dependencies: ['storage'] },
)
