import { loadConfig, type AppConfig } from '../../src/config.ts'
import type { QueueName } from '../../src/services/queue/types.ts'

/**
 * The buckets, secrets, tables, queues and state machines of the apps a test file built, by
 * role: what the AWS call recorder writes instead of names, which differ from test to test
 * (and from the stack's).
 */
const defaults = loadConfig({})
const buckets = new Map<string, 'uploads' | 'archives'>([
  [defaults.uploadBucket, 'uploads'],
  [defaults.archiveBucket, 'archives'],
])
const secrets = new Map<string, string>()
const tables = new Map<string, 'records'>([[defaults.recordsTable, 'records']])
const queues = new Map<string, QueueName>()
const stateMachines = new Map<string, 'discord-delivery'>()

/** Called for every app the test support builds. */
export function rememberAwsNames(config: AppConfig): void {
  buckets.set(config.uploadBucket, 'uploads')
  buckets.set(config.archiveBucket, 'archives')
  if (config.discordWebhookUrlSecretArn) {
    secrets.set(config.discordWebhookUrlSecretArn, 'DISCORD_WEBHOOK_URL')
  }
  tables.set(config.recordsTable, 'records')
  if (config.queues.jobsUrl) queues.set(config.queues.jobsUrl, 'jobs')
  if (config.queues.archivesUrl) queues.set(config.queues.archivesUrl, 'archives')
  if (config.events.stateMachineArn) {
    stateMachines.set(config.events.stateMachineArn, 'discord-delivery')
  }
}

export function knownBucket(name: string): 'uploads' | 'archives' | undefined {
  return buckets.get(name)
}

export function knownSecret(secretId: string): string | undefined {
  return secrets.get(secretId)
}

export function knownTable(name: string): 'records' | undefined {
  return tables.get(name)
}

/** A queue by its URL, as the app sends to it. */
export function knownQueue(url: string): QueueName | undefined {
  return queues.get(url)
}

export function knownStateMachine(arn: string): 'discord-delivery' | undefined {
  return stateMachines.get(arn)
}
