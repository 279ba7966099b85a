import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../../config.ts'
import {
  DEFAULT_DISCORD_SETTINGS,
  type NotificationKind,
} from '../../services/notifications/discord.ts'
import { Notifier, type DiscordSource } from '../../services/notifications/notifier.ts'

/** How old the Discord URL read from its secret may get before a delivery reads it again. */
const DISCORD_SECRET_TTL_MS = 60_000

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

/**
 * The Discord URL, asked before each delivery: `DISCORD_WEBHOOK_URL` as given, or on Lambda
 * its secret's value, read again when a minute old (the first value is the one read at cold
 * start, as old as the app). Secrets Manager's client loads only when there is a secret to read.
 */
async function discordUrlSource(
  config: AppConfig,
  log: FastifyBaseLogger,
  clients: SecretsManagerClient[],
): Promise<() => Promise<string | undefined>> {
  const secretId = config.discordWebhookUrlSecretArn
  if (!secretId) return async () => config.discordWebhookUrl
  const { RefreshingSecret, discordUrlFromSecret, secretsManagerClient } =
    await import('../../lambda-secrets.ts')
  const secret = new RefreshingSecret({
    client: () => (clients[0] ??= secretsManagerClient(config.secretsManager)),
    name: 'DISCORD_WEBHOOK_URL',
    secretId,
    parse: discordUrlFromSecret,
    initial: config.discordWebhookUrl,
    ttlMs: DISCORD_SECRET_TTL_MS,
    onError: (error) => log.warn({ err: error }, 'keeping the Discord URL read before'),
  })
  return () => secret.value()
}

/** `app.notify` and `app.notifier`: Discord deliveries with their settings and state. */
export default fp<{ config: AppConfig }>(
  async (app, { config }) => {
    const clients: SecretsManagerClient[] = []
    const webhookUrl = await discordUrlSource(config, app.log, clients)
    const discord: DiscordSource = async () => {
      const url = await webhookUrl()
      return url
        ? {
            ...DEFAULT_DISCORD_SETTINGS,
            webhookUrl: url,
            ...(config.httpsProxy ? { proxy: config.httpsProxy } : {}),
          }
        : undefined
    }
    const notifier = new Notifier(app.s3, config.uploadBucket, discord, app.log)
    app.decorate('notifier', notifier)
    app.decorate('notify', (kind: NotificationKind, details: Record<string, unknown>) =>
      notifier.notify(kind, details),
    )
    app.addHook('onClose', async () => {
      await notifier.settled()
      clients[0]?.destroy()
    })
  },
  { name: 'notifier', dependencies: ['storage'] },
)
