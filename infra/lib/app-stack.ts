import { join } from 'node:path'
import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib'
import {
  AccessLogFormat,
  ApiKey,
  AuthorizationType,
  LambdaIntegration,
  LogGroupLogDestination,
  Period,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway'
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam'
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda'
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import { Secret } from 'aws-cdk-lib/aws-secretsmanager'
import type { Construct, IConstruct } from 'constructs'
import { apiBundling, REPO_ROOT } from './api-bundling.ts'
import type { DeploymentConfig } from './config.ts'

export interface ApiStackProps extends StackProps {
  config: DeploymentConfig
  uploadBucket: IBucket
  archiveBucket: IBucket
}

/**
 * Sizing from `pnpm bench` (README, Performance): the bundled app holds ~250 MB RSS after 500
 * renders (~195 MB with the malloc settings below), a 40-megapixel upload may take 160 MiB
 * more while libvips decodes it, and Lambda gives CPU in proportion to memory (one full vCPU
 * at 1769 MB). 1536 MB leaves room for the largest decode beside the render budget and buys
 * ~0.9 vCPU, so a 2000×1500 render stays near the bench's ~20 ms instead of being throttled.
 */
export const API_MEMORY_MB = 1536
/** API Gateway (REST) gives up on an integration after 29 s; running longer buys nothing. */
export const API_TIMEOUT = Duration.seconds(29)

/** Whole-stage limits in front of every route; the usage plan limits each admin key further. */
export const STAGE_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const

/**
 * The uploads bucket's prefixes the function reads and writes: pictures (written only through
 * the POST policies it signs), renders and share sidecars, jobs, webhook deliveries, events and
 * settings. Nothing else in the bucket is its business.
 */
export const APP_PREFIXES = ['uploads/', 'renders/', 'jobs/', 'webhooks/', 'events/', 'app/']

/** The Fastify app as one Lambda behind a REST API, with its key, usage plan and secrets. */
export class ApiStack extends Stack {
  readonly restApi: RestApi
  readonly apiUrl: string
  readonly webhookPayloadUrl: string

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props)
    const { config, uploadBucket, archiveBucket } = props

    // The app compares keys itself too (the same 403 locally and on AWS), so the key API
    // Gateway enforces and the one the app accepts are one value, kept in this secret.
    const adminApiKey = new Secret(this, 'AdminApiKey', {
      description: 'meme-studio admin API key: API Gateway key value and the app ADMIN_API_KEYS',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    })
    const githubWebhookSecret = new Secret(this, 'GithubWebhookSecret', {
      description: 'meme-studio: secret of the default GitHub webhook (paste into GitHub)',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    })
    const discordWebhookUrl = new Secret(this, 'DiscordWebhookUrl', {
      description: 'meme-studio: Discord webhook URL events are forwarded to (put the URL here)',
    })

    const logGroup = new LogGroup(this, 'ApiFunctionLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    const fn = new NodejsFunction(this, 'ApiFunction', {
      description: 'meme-studio API (Fastify)',
      entry: join(REPO_ROOT, 'api', 'src', 'lambda.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'pnpm-lock.yaml'),
      runtime: Runtime.NODEJS_22_X,
      architecture: config.architecture === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64,
      memorySize: API_MEMORY_MB,
      timeout: API_TIMEOUT,
      tracing: Tracing.ACTIVE,
      logGroup,
      bundling: apiBundling(config.architecture),
      environment: {
        S3_BUCKET: uploadBucket.bucketName,
        ARCHIVE_BUCKET: archiveBucket.bucketName,
        S3_REGION: this.region,
        DATA_DIR: '/tmp/meme-studio',
        USAGE_RATE: String(config.usage.rate),
        USAGE_BURST: String(config.usage.burst),
        USAGE_QUOTA: String(config.usage.quota),
        USAGE_QUOTA_PERIOD: config.usage.period,
        ...(config.siteOrigin ? { APP_ORIGINS: config.siteOrigin } : {}),
        ADMIN_API_KEYS_SECRET_ARN: adminApiKey.secretArn,
        GITHUB_WEBHOOK_SECRET_ARN: githubWebhookSecret.secretArn,
        DISCORD_WEBHOOK_URL_SECRET_ARN: discordWebhookUrl.secretArn,
        // POST /api/events has IAM authorization: API Gateway has verified the SigV4
        // signature before the app runs, so the app trusts that check instead of its own.
        EVENTS_AUTH: 'api-gateway-iam',
        // Changes with the key, so the function starts again and reads the new secret value.
        ADMIN_KEY_GENERATION: String(props.config.adminKeyGeneration),
        // Together these keep glibc from holding on to freed native memory (sharp, Skia):
        // 254 → 194 MB after 500 renders in the bench. MALLOC_ARENA_MAX: two arenas instead of
        // one per thread. MALLOC_MMAP_THRESHOLD_: a fixed 128 KiB, so big pixel buffers are
        // always mapped and given back when freed; by default glibc raises the threshold as
        // they are freed, and later ones stay in the heap. See mallopt(3), M_ARENA_MAX and
        // M_MMAP_THRESHOLD.
        MALLOC_ARENA_MAX: '2',
        MALLOC_MMAP_THRESHOLD_: '131072',
      },
    })
    for (const secret of [adminApiKey, githubWebhookSecret, discordWebhookUrl]) {
      secret.grantRead(fn)
    }

    const objects = (bucket: IBucket, ...prefixes: string[]) =>
      prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`))
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadUploadsAndAppRecords',
        effect: Effect.ALLOW,
        actions: ['s3:GetObject'],
        // renders/: share pages read the sidecar JSON; the rest are the app's own records.
        resources: objects(uploadBucket, ...APP_PREFIXES),
      }),
    )
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'WriteRendersAndAppRecords',
        effect: Effect.ALLOW,
        actions: ['s3:PutObject'],
        // uploads/: the browser uploads with a POST policy signed by this role, and S3 grants
        // such a POST only what the signer itself may do; the function never writes there.
        // @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-UsingHTTPPOST.html
        resources: objects(uploadBucket, ...APP_PREFIXES),
      }),
    )
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'CleanUpShares',
        effect: Effect.ALLOW,
        actions: ['s3:DeleteObject'],
        resources: objects(uploadBucket, 'renders/'),
      }),
    )
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'ListWebhookDeliveries',
        effect: Effect.ALLOW,
        actions: ['s3:ListBucket'],
        resources: [uploadBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': ['webhooks/*'] } },
      }),
    )
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'StoreArchives',
        effect: Effect.ALLOW,
        // Archives are streamed up in parts; a failed download aborts its upload.
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [archiveBucket.arnForObjects('*')],
      }),
    )

    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    // Pictures and rendered memes pass through as bytes: every type is binary to API Gateway,
    // and the handler base64-encodes any answer that is not text.
    const api = new RestApi(this, 'Api', {
      description: 'meme-studio API',
      binaryMediaTypes: ['*/*'],
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'prod',
        throttlingRateLimit: STAGE_THROTTLE.rateLimit,
        throttlingBurstLimit: STAGE_THROTTLE.burstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        tracingEnabled: true,
      },
    })
    this.restApi = api

    const app = new LambdaIntegration(fn)
    const withKey = { apiKeyRequired: true }
    api.root.addMethod('ANY', app)
    api.root.addResource('{proxy+}').addMethod('ANY', app)
    const apiPath = api.root.addResource('api')
    apiPath.addResource('{proxy+}').addMethod('ANY', app)
    apiPath.addResource('admin').addResource('{proxy+}').addMethod('ANY', app, withKey)
    const jobs = apiPath.addResource('jobs')
    jobs.addMethod('ANY', app, withKey)
    jobs.addResource('{proxy+}').addMethod('ANY', app, withKey)
    apiPath.addResource('events').addMethod('POST', app, {
      authorizationType: AuthorizationType.IAM,
    })

    // A new generation is a new key (name and logical id), created with the secret's value now.
    const generation = props.config.adminKeyGeneration
    const key = new ApiKey(this, generation === 1 ? 'AdminKey' : `AdminKey${generation}`, {
      apiKeyName: `meme-studio-admin-${generation}`,
      description: 'meme-studio admin key (value in the AdminApiKey secret)',
      value: adminApiKey.secretValue.unsafeUnwrap(),
    })
    const plan = api.addUsagePlan('AdminUsagePlan', {
      description: 'Limits per admin key on /api/admin/* and /api/jobs*',
      throttle: { rateLimit: config.usage.rate, burstLimit: config.usage.burst },
      quota: { limit: config.usage.quota, period: Period[config.usage.period] },
      apiStages: [{ api, stage: api.deploymentStage }],
    })
    plan.addApiKey(key)

    this.apiUrl = api.url
    this.webhookPayloadUrl = `${api.url}api/webhooks/github`
    new CfnOutput(this, 'ApiUrl', { value: this.apiUrl, description: 'The REST API stage URL' })
    new CfnOutput(this, 'WebhookPayloadUrl', {
      value: this.webhookPayloadUrl,
      description: 'GitHub webhook payload URL (content type application/json)',
    })
    new CfnOutput(this, 'AdminApiKeySecretArn', {
      value: adminApiKey.secretArn,
      description: 'Secret holding the admin API key',
    })

    acknowledge(fn, [
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords take no resource; this is the grant ' +
          'Tracing.ACTIVE adds and nothing else uses Resource *.',
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is what the app, its native binaries and the bench were tested on; moving ' +
          'to a newer runtime is a tested change, not a default.',
      },
    ])
    acknowledge(
      [adminApiKey, githubWebhookSecret, discordWebhookUrl],
      [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            'Rotating these needs a person on the other side (GitHub hook settings, Discord, ' +
            'admin clients); infra/README.md describes the manual rotation.',
        },
      ],
    )
    acknowledge(api, [
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Every Fastify route validates its request against a TypeBox schema and refuses ' +
          'unknown properties; gateway validation would duplicate it.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'Stage throttling and the per-key usage plan limit abuse; a WAF is a cost choice left to the deployer.',
      },
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'The public routes (editor, uploads, renders, shares, webhooks signed by GitHub) need ' +
          'no identity; admin and jobs require the API key, events require AWS_IAM.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason: 'No user pool: the site is anonymous; admin routes use an API key.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging needs an account-wide CloudWatch role; access logs (JSON) and ' +
          'X-Ray tracing are on, and the function logs every request.',
      },
    ])
  }
}

/** cdk-nag findings accepted on purpose, each with the reason a reviewer would want. */
function acknowledge(
  scopes: IConstruct | IConstruct[],
  rules: { id: string; reason: string }[],
): void {
  for (const scope of [scopes].flat()) {
    for (const { id, reason } of rules) {
      Validations.of(scope).acknowledge({ id: `AwsSolutions::${id}`, reason })
    }
  }
}
