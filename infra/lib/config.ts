import type { App } from 'aws-cdk-lib'

/** What a deployment is set with, from CDK context (`cdk.json` or `-c name=value`). */
export interface DeploymentConfig {
  /** The site's origin, e.g. `https://memes.example.com`; unset: the CloudFront domain. */
  siteOrigin?: string
  /** Lambda architecture: `arm64` (deployed) or `x86_64` (a bundle this machine can run). */
  architecture: 'arm64' | 'x86_64'
  /** Per-key usage plan, as the app's USAGE_* settings. */
  usage: { rate: number; burst: number; quota: number; period: 'DAY' | 'WEEK' | 'MONTH' }
  /** Whether to add the CodePipeline fed by the archive bucket. */
  pipeline: boolean
  /** The archive the pipeline watches, `{owner}/{repo}/{branch}.zip`. */
  pipelineSourceKey: string
  /**
   * Bumped to rotate the admin API key: API Gateway keeps a key's value for good, and the
   * template's reference to the secret does not change when the secret does, so a new
   * generation replaces the key (and restarts the function) with the secret's current value.
   */
  adminKeyGeneration: number
}

function text(app: App, name: string): string | undefined {
  const value: unknown = app.node.tryGetContext(name)
  return value === undefined || value === null || value === '' ? undefined : String(value)
}

function whole(app: App, name: string, fallback: number): number {
  const raw = text(app, name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`context ${name} must be a whole number, got "${raw}"`)
  }
  return value
}

/** Reads and checks the context once; a bad value stops synth with a message naming it. */
export function loadDeploymentConfig(app: App): DeploymentConfig {
  const architecture = text(app, 'architecture') ?? 'arm64'
  if (architecture !== 'arm64' && architecture !== 'x86_64') {
    throw new Error(`context architecture must be arm64 or x86_64, got "${architecture}"`)
  }
  const period = text(app, 'usagePeriod') ?? 'DAY'
  if (period !== 'DAY' && period !== 'WEEK' && period !== 'MONTH') {
    throw new Error(`context usagePeriod must be DAY, WEEK or MONTH, got "${period}"`)
  }
  const siteOrigin = text(app, 'siteOrigin')
  const pipeline = text(app, 'pipeline')
  return {
    ...(siteOrigin ? { siteOrigin } : {}),
    architecture,
    usage: {
      rate: whole(app, 'usageRate', 10),
      burst: whole(app, 'usageBurst', 20),
      quota: whole(app, 'usageQuota', 10_000),
      period,
    },
    pipeline: pipeline === 'true' || pipeline === '1',
    pipelineSourceKey: text(app, 'pipelineSourceKey') ?? 'owner/repo/main.zip',
    adminKeyGeneration: whole(app, 'adminKeyGeneration', 1),
  }
}
