import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../../config.ts'
import {
  LocalExecutions,
  StepFunctionsExecutions,
  type DeliveryExecutions,
} from '../../services/notifications/delivery-executions.ts'
import {
  DEFAULT_DISCORD_SETTINGS,
  type NotificationKind,
} from '../../services/notifications/discord.ts'
import { DiscordTasks, type DiscordSource } from '../../services/notifications/discord-tasks.ts'
import { NotificationSettings } from '../../services/notifications/notification-settings.ts'
import { Notifier } from '../../services/notifications/notifier.ts'

/** How old the Discord URL read from its secret may get before a delivery reads it again. */
const DISCORD_SECRET_TTL_MS = 60_000

/**
 * On Lambda nothing runs after the response: a notification a route asked for is handed to
 * Step Functions before the response leaves, waiting at most this long. StartExecution takes
 * tens of ms in region; past this the response goes and the start may be lost.
 */
const HAND_OFF_WAIT_MS = 2000

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
 * The Discord URL, asked before each post: `DISCORD_WEBHOOK_URL` as given, or on Lambda
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

/**
 * `app.notify` and `app.notifier`: Discord deliveries through the delivery state machine,
 * Step Functions' (`EVENTS_STATE_MACHINE_ARN`) or the same definition in this process; the
 * state machine's tasks as a Lambda invocation kind (`{"task":"discord", …}`), which the
 * control function serves.
 */
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
    const settings = new NotificationSettings(app.records, app.log)
    const tasks = new DiscordTasks({ records: app.records, settings, discord, log: app.log })
    const { stateMachineArn } = config.events
    const executions: DeliveryExecutions = stateMachineArn
      ? new StepFunctionsExecutions(stateMachineArn, {
          region: config.s3.region,
          ...(config.events.stepFunctionsEndpoint
            ? { endpoint: config.events.stepFunctionsEndpoint }
            : {}),
          ...(config.events.stepFunctionsCredentials
            ? { credentials: config.events.stepFunctionsCredentials }
            : {}),
        })
      : new LocalExecutions((event) => tasks.handle(event), app.log)
    const notifier = new Notifier({
      records: app.records,
      settings,
      discord,
      executions,
      log: app.log,
    })

    app.decorate('notifier', notifier)
    app.decorate('notify', (kind: NotificationKind, details: Record<string, unknown>) =>
      notifier.notify(kind, details),
    )
    app.invocations.push({
      name: 'discord delivery task',
      claims: (event) =>
        typeof event === 'object' &&
        event !== null &&
        (event as { task?: unknown }).task === 'discord',
      handle: (event) => tasks.handle(event),
    })
    if (stateMachineArn) {
      app.addHook('onSend', async () => {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          notifier.handedOff(),
          new Promise((resolve) => (timer = setTimeout(resolve, HAND_OFF_WAIT_MS))),
        ])
        clearTimeout(timer)
      })
    }
    app.addHook('onClose', async () => {
      await notifier.settled()
      await executions.close()
      clients[0]?.destroy()
    })
  },
  { name: 'notifier', dependencies: ['storage', 'records', 'invocations'] },
)
