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
  /** `domainName` and where its certificate and DNS records come from; unset: no custom domain. */
  domain?: SiteDomain
  /**
   * The site's origin, `https://<domainName>`: the functions' `PUBLIC_ORIGIN` and the uploads
   * bucket's CORS origin. Unset without a domain: the CloudFront domain, known only at deploy.
   */
  siteOrigin?: string
  /**
   * `fixedEgressIp`: the control function runs in a VPC whose one NAT gateway has an Elastic IP,
   * so its GitHub downloads and Discord deliveries leave from one known address.
   */
  fixedEgressIp: boolean
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

/** The site's own host name (`-c domainName=`) and how it gets a certificate and DNS records. */
export interface SiteDomain {
  /** `domainName`: the host name the site answers on, e.g. `memes.example.com`. */
  name: string
  /**
   * `hostedZoneId` and `hostedZoneName`: the Route 53 zone holding `name`. The stack adds A and
   * AAAA alias records to the distribution there and, without `certificateArn`, validates the
   * certificate it makes through the zone.
   */
  hostedZone?: { id: string; name: string }
  /** `certificateArn`: a certificate for `name` in us-east-1 to use instead of making one. */
  certificateArn?: string
}

/** The only region CloudFront takes certificates from. */
export const CERTIFICATE_REGION = 'us-east-1'

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

const HOST_NAME =
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/

function hostName(app: App, name: string, example: string): string | undefined {
  const raw = text(app, name)
  if (raw === undefined) return undefined
  const host = raw.toLowerCase().replace(/\.$/, '')
  if (!HOST_NAME.test(host)) {
    throw new Error(
      `context ${name} must be a host name such as ${example} (no https://, no path), got "${raw}"`,
    )
  }
  return host
}

/**
 * `domainName` with `hostedZoneId` + `hostedZoneName` (the stack makes the certificate and the
 * records) and/or `certificateArn` (one you made, in us-east-1). Any of them without
 * `domainName`, or a domain with no way to get a certificate, stops synth.
 */
function siteDomain(app: App): SiteDomain | undefined {
  if (text(app, 'siteOrigin') !== undefined) {
    throw new Error(
      'context siteOrigin is replaced by domainName: the site answers on a custom domain only ' +
        'when CloudFront has it as an alias with a certificate. Use -c domainName=memes.example.com ' +
        'with -c hostedZoneId=… -c hostedZoneName=… or -c certificateArn=… (infra/README.md, ' +
        'Custom domain)',
    )
  }
  const name = hostName(app, 'domainName', 'memes.example.com')
  const zoneId = text(app, 'hostedZoneId')
  const zoneName = hostName(app, 'hostedZoneName', 'example.com')
  const certificateArn = text(app, 'certificateArn')
  if (name === undefined) {
    const given = Object.entries({ hostedZoneId: zoneId, hostedZoneName: zoneName, certificateArn })
      .filter(([, value]) => value !== undefined)
      .map(([key]) => key)
    if (given.length > 0) {
      throw new Error(`context ${given.join(' and ')} needs domainName, the site's host name`)
    }
    return undefined
  }
  if ((zoneId === undefined) !== (zoneName === undefined)) {
    throw new Error(
      'context hostedZoneId and hostedZoneName go together: the zone’s id (Z…) and its name ' +
        '(example.com), as Route 53 lists them',
    )
  }
  if (zoneId !== undefined && !/^Z[A-Z0-9]{1,32}$/.test(zoneId)) {
    throw new Error(
      `context hostedZoneId must be a Route 53 zone id such as Z0123456789ABC, got "${zoneId}"`,
    )
  }
  if (zoneName !== undefined && name !== zoneName && !name.endsWith(`.${zoneName}`)) {
    throw new Error(`context domainName ${name} is not in the hosted zone ${zoneName}`)
  }
  if (certificateArn !== undefined) {
    const region = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]+$/.exec(
      certificateArn,
    )?.[1]
    if (region !== CERTIFICATE_REGION) {
      throw new Error(
        `context certificateArn must be an ACM certificate in ${CERTIFICATE_REGION} ` +
          `(CloudFront takes certificates from no other region), got "${certificateArn}"`,
      )
    }
  }
  if (zoneId === undefined && certificateArn === undefined) {
    throw new Error(
      `context domainName ${name} needs a certificate: give -c hostedZoneId=… -c hostedZoneName=… ` +
        '(the stack makes one, validated through the zone) or -c certificateArn=' +
        `arn:aws:acm:${CERTIFICATE_REGION}:… (one you made)`,
    )
  }
  return {
    name,
    ...(zoneId !== undefined && zoneName !== undefined
      ? { hostedZone: { id: zoneId, name: zoneName } }
      : {}),
    ...(certificateArn !== undefined ? { certificateArn } : {}),
  }
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
  const domain = siteDomain(app)
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
    ...(domain ? { domain, siteOrigin: `https://${domain.name}` } : {}),
    fixedEgressIp: flag(app, 'fixedEgressIp'),
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
