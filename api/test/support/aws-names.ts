import { loadConfig, type AppConfig } from '../../src/config.ts'

/**
 * The buckets and secrets of the apps a test file built, by role: what the AWS call recorder
 * writes instead of names, which differ from test to test (and from the stack's).
 */
const defaults = loadConfig({})
const buckets = new Map<string, 'uploads' | 'archives'>([
  [defaults.uploadBucket, 'uploads'],
  [defaults.archiveBucket, 'archives'],
])
const secrets = new Map<string, string>()

/** Called for every app the test support builds. */
export function rememberAwsNames(config: AppConfig): void {
  buckets.set(config.uploadBucket, 'uploads')
  buckets.set(config.archiveBucket, 'archives')
  if (config.discordWebhookUrlSecretArn) {
    secrets.set(config.discordWebhookUrlSecretArn, 'DISCORD_WEBHOOK_URL')
  }
}

export function knownBucket(name: string): 'uploads' | 'archives' | undefined {
  return buckets.get(name)
}

export function knownSecret(secretId: string): string | undefined {
  return secrets.get(secretId)
}
