import type { App } from 'aws-cdk-lib'

/** What a deployment is set with, from CDK context (`cdk.json` or `-c name=value`). */
export interface DeploymentConfig {
  /**
   * `stage`: prefixes every stack name (`dev-MemeStudioStorage`), so two copies of the app
   * (dev and prod) fit in one account and region.
   */
  stage: string
  /** `account`/`region`, else `CDK_DEFAULT_ACCOUNT`/`CDK_DEFAULT_REGION` (the CLI's profile). */
  env: { account?: string; region?: string }
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
  /**
   * `apiGatewayAccountRole`: create the account's API Gateway CloudWatch Logs role
   * (`AWS::ApiGateway::Account`). Stage access logging fails without one; it is one setting per
   * account and region, so only one stack (or a person, once) should own it.
   */
  apiGatewayAccountRole: boolean
  /** `githubBaseUrl`: the app's `GITHUB_BASE_URL` (GitHub Enterprise); unset: github.com. */
  githubBaseUrl?: string
  /** `httpsProxy`: the app's `HTTPS_PROXY` for GitHub and Discord; unset: direct. */
  httpsProxy?: string
  /** `githubToken`: hand the functions the GitHub token secret (private repositories). */
  githubToken: boolean
  /** `alarmEmail`: an address subscribed to the alarm topic (it confirms by e-mail). */
  alarmEmail?: string
  /** `renderConcurrency`: reserved concurrency of the render function; 0 reserves none. */
  renderConcurrency: number
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

function flag(app: App, name: string): boolean {
  const raw = text(app, name)
  if (raw === undefined || raw === 'false' || raw === '0') return false
  if (raw === 'true' || raw === '1') return true
  throw new Error(`context ${name} must be true or false, got "${raw}"`)
}

function httpUrl(app: App, name: string): string | undefined {
  const raw = text(app, name)
  if (raw === undefined) return undefined
  if (!/^https?:\/\/[^/\s]+/.test(raw)) {
    throw new Error(`context ${name} must be an http(s) URL, got "${raw}"`)
  }
  return raw.replace(/\/+$/, '')
}

/** Reads and checks the context once; a bad value stops synth with a message naming it. */
export function loadDeploymentConfig(app: App): DeploymentConfig {
  const stage = text(app, 'stage') ?? 'dev'
  if (!/^[a-z][a-z0-9]{0,11}$/.test(stage)) {
    throw new Error(
      `context stage must be lower-case letters and digits (dev, prod), got "${stage}"`,
    )
  }
  const architecture = text(app, 'architecture') ?? 'arm64'
  if (architecture !== 'arm64' && architecture !== 'x86_64') {
    throw new Error(`context architecture must be arm64 or x86_64, got "${architecture}"`)
  }
  const period = text(app, 'usagePeriod') ?? 'DAY'
  if (period !== 'DAY' && period !== 'WEEK' && period !== 'MONTH') {
    throw new Error(`context usagePeriod must be DAY, WEEK or MONTH, got "${period}"`)
  }
  const siteOrigin = text(app, 'siteOrigin')
  if (siteOrigin !== undefined && !/^https:\/\/[^/]+$/.test(siteOrigin)) {
    throw new Error(
      `context siteOrigin must be an https origin without a path, got "${siteOrigin}"`,
    )
  }
  const account = text(app, 'account') ?? process.env.CDK_DEFAULT_ACCOUNT
  const region = text(app, 'region') ?? process.env.CDK_DEFAULT_REGION
  const githubBaseUrl = httpUrl(app, 'githubBaseUrl')
  const httpsProxy = httpUrl(app, 'httpsProxy')
  const alarmEmail = text(app, 'alarmEmail')
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(alarmEmail)) {
    throw new Error(`context alarmEmail must be an e-mail address, got "${alarmEmail}"`)
  }
  return {
    stage,
    env: { ...(account ? { account } : {}), ...(region ? { region } : {}) },
    ...(siteOrigin ? { siteOrigin } : {}),
    architecture,
    usage: {
      rate: whole(app, 'usageRate', 10),
      burst: whole(app, 'usageBurst', 20),
      quota: whole(app, 'usageQuota', 10_000),
      period,
    },
    pipeline: flag(app, 'pipeline'),
    pipelineSourceKey: text(app, 'pipelineSourceKey') ?? 'owner/repo/main.zip',
    adminKeyGeneration: whole(app, 'adminKeyGeneration', 1),
    apiGatewayAccountRole: flag(app, 'apiGatewayAccountRole'),
    ...(githubBaseUrl ? { githubBaseUrl } : {}),
    ...(httpsProxy ? { httpsProxy } : {}),
    githubToken: flag(app, 'githubToken'),
    ...(alarmEmail ? { alarmEmail } : {}),
    renderConcurrency: whole(app, 'renderConcurrency', 0),
  }
}
