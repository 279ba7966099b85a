import {
  CfnOutput,
  Duration,
  Fn,
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
  type IResource as IApiResource,
} from 'aws-cdk-lib/aws-apigateway'
import { Alarm, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch'
import type { ITable } from 'aws-cdk-lib/aws-dynamodb'
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions'
import { Effect, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam'
import {
  Architecture,
  Function as LambdaFunction,
  Runtime,
  Tracing,
  type IFunction,
} from 'aws-cdk-lib/aws-lambda'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { HostedZone } from 'aws-cdk-lib/aws-route53'
import type { IBucket } from 'aws-cdk-lib/aws-s3'
import { Secret } from 'aws-cdk-lib/aws-secretsmanager'
import { Topic } from 'aws-cdk-lib/aws-sns'
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions'
import type { Construct, IConstruct } from 'constructs'
import type { QueueName } from '../../api/src/services/queue/types.ts'
import { functionForPath, RENDER_PATHS } from '../../api/src/entry-points.ts'
import { apiCode, type Workload } from './api-bundling.ts'
import { siteCertificate, type SiteCertificateSource } from './certificate-stack.ts'
import type { DeploymentConfig } from './config.ts'
import { DiscordDelivery } from './discord-delivery.ts'
import { EgressNetwork } from './egress-network.ts'
import { acknowledgeLibraryFunctions } from './nag-suppressions.ts'
import { Site, type SiteDomainProps } from './site.ts'
import { WorkQueue } from './work-queue.ts'

export interface AppStackProps extends StackProps {
  config: DeploymentConfig
  uploadBucket: IBucket
  archiveBucket: IBucket
  /** The app's records (storage-stack.ts). */
  recordsTable: ITable
  /** The built SPA (`web/dist`): a directory with `index.html`. */
  siteAssets: string
  /** With `config.domain`: the certificate's ARN, or the certificate stack's parameter. */
  siteCertificate?: SiteCertificateSource
}

/**
 * Each function's size, from measurement (README, Performance, and `pnpm bench`).
 *
 * render: the bundled app holds ~250 MB RSS after 500 renders (~195 MB with the malloc
 * settings below), a 40-megapixel upload may take 160 MiB more while libvips decodes it, and
 * Lambda gives CPU in proportion to memory (one full vCPU at 1769 MB). 1536 MB leaves room for
 * the largest decode beside the render budget (`RENDER_MEMORY_BYTES`, 256 MiB) and buys ~0.9
 * vCPU, so a 2000×1500 render stays near the bench's ~20 ms instead of being throttled.
 *
 * control: no sharp, Skia or fonts; it signs, verifies, lists and streams archives to S3 in
 * 5 MiB parts. Node and the app without native packages hold well under 150 MB; 512 MB is
 * that with room for the upload's part buffers, at a third of render's price per millisecond.
 */
export const FUNCTION_SIZES: Record<Workload, { memoryMb: number; description: string }> = {
  render: {
    memoryMb: 1536,
    description: 'meme-studio render: memes, shares, job renders (sharp, Skia)',
  },
  control: {
    memoryMb: 512,
    description:
      'meme-studio control: health, uploads, admin, webhooks, events, jobs API, archives',
  },
}
/** API Gateway (REST) gives up on an integration after 29 s; running longer buys nothing. */
export const API_TIMEOUT = Duration.seconds(29)

/**
 * Each function's timeout. Render's is API Gateway's: a job from the queue is one render
 * like a request's. Control also archives pushes from the archives queue, where no gateway
 * waits: a download may take 90 s (`ARCHIVE_DOWNLOAD_TIMEOUT_MS`, 100 MiB at ~1.2 MB/s),
 * then the upload to S3 in 5 MiB parts and the delivery's record; 3 minutes holds that. Its
 * HTTP requests still end at API Gateway's 29 s, and the app bounds every call it makes.
 */
export const FUNCTION_TIMEOUTS: Record<Workload, Duration> = {
  render: API_TIMEOUT,
  control: Duration.minutes(3),
}

/**
 * The background work queues (`api/src/services/queue/types.ts`): which function sends to each
 * and which consumes it, and how the event source mapping hands it messages.
 *
 * Max concurrency caps the invocations a mapping runs at once. Without it the mapping scales
 * to as many as the queue keeps busy (up to 1,250 for one queue), out of the account's
 * concurrency (1,000 by default, 10 on some new accounts) that the API's requests share: a
 * burst of jobs could throttle every page. Two is the least Lambda allows and enough here:
 * a job's render takes ~20–60 ms, so two invocations of five jobs each keep up with far more
 * than the jobs API's usage plan admits (10 requests/s a key), and pushes come a few a minute.
 * A message that waits for a free invocation waits in the queue, which costs nothing.
 *
 * Batches: five jobs share an invocation (one cold start; the app renders two at a time
 * within its render budget); an archive is alone in its own, as one may take most of the
 * timeout.
 */
export const WORK_QUEUES = {
  jobs: { senders: ['control'], consumer: 'render', batchSize: 5, maxConcurrency: 2 },
  archives: { senders: ['control'], consumer: 'control', batchSize: 1, maxConcurrency: 2 },
} as const satisfies Record<
  QueueName,
  { senders: readonly Workload[]; consumer: Workload; batchSize: number; maxConcurrency: number }
>

/** Receives before a message is set aside in the dead-letter queue: a first try and two more. */
export const MAX_RECEIVE_COUNT = 3

/** The queue URL variable of each queue, as the api's config reads it. */
export const QUEUE_URL_VARIABLES: Record<QueueName, string> = {
  jobs: 'JOBS_QUEUE_URL',
  archives: 'ARCHIVES_QUEUE_URL',
}

/**
 * The DynamoDB actions the record store's calls need (`record-store.ts`: Get, Put with and
 * without a condition, Delete, Query), on the table only. No UpdateItem: on AWS only the
 * embedded queue, which runs where no queue URL is set, updates items.
 */
export const RECORDS_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
]

/** The REST API's one stage; the site's origin path and the events URL name it literally. */
export const API_STAGE = 'prod'

/**
 * Paths that need the API key, each with a resource of its own (and its `{proxy+}`): the
 * admin routes (`/api/admin/` only under it) and the jobs API.
 */
const KEYED_PATHS = ['/api/admin/', '/api/jobs']

/** Whole-stage limits in front of every route; the usage plan limits each admin key further. */
export const STAGE_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const

/**
 * The uploads bucket's prefixes each function may touch, by what it does there. `uploads/` is
 * written by the browser, with a POST policy signed by the control function's role: S3
 * grants such a POST only what the signer itself may do; and by the render function, which
 * stores a layout's composed picture there as a new upload (`POST /api/layouts`).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-UsingHTTPPOST.html
 *
 * The bucket holds bytes: uploads, and renders with their share metadata (`renders/`). The
 * records earlier versions kept here as JSON (`hooks/`, `webhooks/`, `jobs/`, `events/`,
 * `app/`) are in the records table now; control lists and reads them once, as it starts, to
 * move them (`migrate-from-s3.ts`), and no function writes or deletes them any more.
 */
export const BUCKET_ACCESS: Record<
  Workload,
  { read: string[]; write: string[]; remove: string[]; list: string[] }
> = {
  render: {
    // templates/: template pictures, drawn (starters) or copied from an upload, and read back.
    read: ['uploads/', 'renders/', 'templates/'],
    // uploads/: a layout's composed picture, a new upload like the browser's.
    write: ['uploads/', 'renders/', 'templates/'],
    // renders/: a job's image, when its record could not be written after it (nothing half-done).
    // templates/: a deleted template's pictures.
    remove: ['renders/', 'templates/'],
    list: [],
  },
  control: {
    read: ['hooks/', 'webhooks/', 'jobs/', 'events/', 'app/'],
    write: ['uploads/'],
    remove: [],
    // app/: the health check's one-key listing; the rest: the move of old records.
    list: ['app/', 'hooks/', 'webhooks/', 'jobs/', 'events/'],
  },
}

/** The AWS CLI command that prints a secret's value (a stack output per API key). */
function readSecretCommand(region: string, secretArn: string): string {
  return `aws secretsmanager get-secret-value --region ${region} --secret-id ${secretArn} --query SecretString --output text`
}

/** Every uploads-bucket prefix some function is granted (cdk-nag's wildcard findings). */
export const APP_PREFIXES = [
  ...new Set(Object.values(BUCKET_ACCESS).flatMap((a) => [...a.read, ...a.write, ...a.remove])),
]

/**
 * The app on AWS: the render and control functions behind one REST API, its key, usage plan
 * and secrets, and the site (CloudFront) in front of both. API and site share a stack because
 * each needs the other: the functions' `PUBLIC_ORIGIN` is the site's URL and the site's API
 * origin is the REST API; across two stacks that is a cycle of exports CloudFormation refuses.
 */
export class AppStack extends Stack {
  readonly restApi: RestApi
  readonly functions: Record<Workload, LambdaFunction>
  readonly queues: Record<QueueName, WorkQueue>
  readonly discordDelivery: DiscordDelivery
  readonly site: Site
  readonly siteUrl: string
  readonly eventsInvokeArn: string
  readonly eventsUrl: string
  /** With `-c fixedEgressIp=true`: the control function's network and its Elastic IP. */
  readonly egress?: EgressNetwork

  constructor(scope: Construct, id: string, props: AppStackProps) {
    super(scope, id, props)
    const { config, uploadBucket, archiveBucket, recordsTable } = props
    const jobsConcurrency = WORK_QUEUES.jobs.maxConcurrency
    if (config.renderConcurrency > 0 && config.renderConcurrency <= jobsConcurrency) {
      // Lambda throttles the mapping's invocations beyond the reservation, and a throttled
      // batch counts as a receive: jobs would reach the dead-letter queue without being tried.
      throw new Error(
        `context renderConcurrency must be 0 or more than the jobs queue's ${jobsConcurrency} ` +
          `concurrent invocations (leaving some for the API's requests), got ${config.renderConcurrency}`,
      )
    }

    // The app compares keys itself too (the same 403 locally and on AWS), so the key API
    // Gateway enforces and the one the app accepts are one value, kept in a secret per scope.
    // API Gateway admits any key of the usage plan to any method that needs one: the app
    // checks the scope (tools: the signature tools, jobs: the jobs API, admin: everything).
    const adminApiKey = new Secret(this, 'AdminApiKey', {
      description: 'meme-studio admin API key: API Gateway key value and the app ADMIN_API_KEYS',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    })
    const scopedApiKeys = {
      tools: new Secret(this, 'ToolsApiKey', {
        description: 'meme-studio tools API key (signature tools only): API Gateway key value',
        generateSecretString: { passwordLength: 40, excludePunctuation: true },
      }),
      jobs: new Secret(this, 'JobsApiKey', {
        description: 'meme-studio jobs API key (the jobs API only): API Gateway key value',
        generateSecretString: { passwordLength: 40, excludePunctuation: true },
      }),
    }
    // The key the app encrypts webhook secrets with at rest; only control reads it.
    const hookSecretsKey = new Secret(this, 'HookSecretsKey', {
      description: 'meme-studio: key that encrypts webhook secrets at rest (control only)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    })
    const githubWebhookSecret = new Secret(this, 'GithubWebhookSecret', {
      description: 'meme-studio: secret of the default GitHub webhook (paste into GitHub)',
      generateSecretString: { passwordLength: 40, excludePunctuation: true },
    })
    const discordWebhookUrl = new Secret(this, 'DiscordWebhookUrl', {
      description: 'meme-studio: Discord webhook URL events are forwarded to (put the URL here)',
    })
    const githubToken = new Secret(this, 'GithubToken', {
      description:
        'meme-studio: GitHub token for private repositories’ archives (put it here, then ' +
        'deploy with -c githubToken=true)',
    })

    // API Gateway first, without its methods: the site needs only its id, and the functions
    // need the site's URL.
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    // Pictures and rendered memes pass through as bytes: every type is binary to API Gateway,
    // and the handler base64-encodes any answer that is not text.
    const api = new RestApi(this, 'Api', {
      description: 'meme-studio API',
      binaryMediaTypes: ['*/*'],
      // Access logging needs the account's API Gateway CloudWatch role; without
      // `-c apiGatewayAccountRole=true` it must exist already (infra/README.md, Prerequisites).
      cloudWatchRole: config.apiGatewayAccountRole,
      deployOptions: {
        stageName: API_STAGE,
        throttlingRateLimit: STAGE_THROTTLE.rateLimit,
        throttlingBurstLimit: STAGE_THROTTLE.burstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        tracingEnabled: true,
      },
    })
    this.restApi = api

    this.site = new Site(this, 'Web', {
      siteAssets: props.siteAssets,
      uploadBucket,
      restApi: api,
      apiStageName: API_STAGE,
      ...(config.domain ? { domain: this.siteDomain(config.domain, props.siteCertificate) } : {}),
    })
    this.siteUrl = config.siteOrigin ?? `https://${this.site.distribution.distributionDomainName}`

    const environment: Record<string, string> = {
      S3_BUCKET: uploadBucket.bucketName,
      ARCHIVE_BUCKET: archiveBucket.bucketName,
      S3_REGION: this.region,
      RECORDS_TABLE: recordsTable.tableName,
      // The workers' last try records the failure: they must know which receive is the last.
      QUEUE_MAX_RECEIVES: String(MAX_RECEIVE_COUNT),
      // Lambda's only writable folder; the app keeps nothing there that must last.
      DATA_DIR: '/tmp/meme-studio',
      PUBLIC_ORIGIN: this.siteUrl,
      APP_ORIGINS: this.siteUrl,
      USAGE_RATE: String(config.usage.rate),
      USAGE_BURST: String(config.usage.burst),
      USAGE_QUOTA: String(config.usage.quota),
      USAGE_QUOTA_PERIOD: config.usage.period,
      ADMIN_API_KEYS_SECRET_ARN: adminApiKey.secretArn,
      GITHUB_WEBHOOK_SECRET_ARN: githubWebhookSecret.secretArn,
      DISCORD_WEBHOOK_URL_SECRET_ARN: discordWebhookUrl.secretArn,
      ...(config.githubToken ? { GITHUB_TOKEN_SECRET_ARN: githubToken.secretArn } : {}),
      ...(config.githubBaseUrl ? { GITHUB_BASE_URL: config.githubBaseUrl } : {}),
      ...(config.httpsProxy ? { HTTPS_PROXY: config.httpsProxy } : {}),
      // POST /api/events has IAM authorization: API Gateway has verified the SigV4
      // signature before the app runs, so the app trusts that check instead of its own.
      EVENTS_AUTH: 'api-gateway-iam',
      // Changes with the key, so the function starts again and reads the new secret value.
      ADMIN_KEY_GENERATION: String(config.adminKeyGeneration),
    }
    // Together these keep glibc from holding on to freed native memory (sharp, Skia): 254 →
    // 194 MB after 500 renders in the bench. MALLOC_ARENA_MAX: two arenas instead of one per
    // thread. MALLOC_MMAP_THRESHOLD_: a fixed 128 KiB, so big pixel buffers are always mapped
    // and given back when freed; by default glibc raises the threshold as they are freed, and
    // later ones stay in the heap. See mallopt(3), M_ARENA_MAX and M_MMAP_THRESHOLD.
    const renderMemory = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' }

    // Control is what downloads from GitHub and forwards events to Discord. Render stays out:
    // it is the hot path, and in the one-zone VPC it would share the NAT gateway's fate; its
    // one call out, a Discord notice per share, does not need the fixed address (README).
    this.egress = config.fixedEgressIp ? new EgressNetwork(this, 'Egress') : undefined
    const network = this.egress
      ? { vpc: this.egress.vpc, vpcSubnets: this.egress.functionSubnets }
      : {}

    const makeFunction = (workload: Workload, extra: Record<string, string>) => {
      const id = workload === 'render' ? 'RenderFunction' : 'ControlFunction'
      const logGroup = new LogGroup(this, `${id}Logs`, {
        retention: RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      })
      return new LambdaFunction(this, id, {
        description: FUNCTION_SIZES[workload].description,
        code: apiCode(config.architecture, workload),
        handler: 'index.handler',
        runtime: Runtime.NODEJS_22_X,
        architecture: config.architecture === 'arm64' ? Architecture.ARM_64 : Architecture.X86_64,
        memorySize: FUNCTION_SIZES[workload].memoryMb,
        timeout: FUNCTION_TIMEOUTS[workload],
        tracing: Tracing.ACTIVE,
        logGroup,
        environment: { ...environment, ...extra },
        // Reserved concurrency both guarantees and caps; unset by default because an account
        // must keep 10 unreserved, and new accounts may have only 10 in all (README).
        ...(workload === 'render' && config.renderConcurrency > 0
          ? { reservedConcurrentExecutions: config.renderConcurrency }
          : {}),
        ...(workload === 'control' ? network : {}),
      })
    }
    const render = makeFunction('render', renderMemory)
    // Only control serves routes behind a key (/api/admin/*, /api/jobs*): the scoped keys and
    // the hook secrets' key are its alone.
    const control = makeFunction('control', {
      TOOLS_API_KEY_SECRET_ARN: scopedApiKeys.tools.secretArn,
      JOBS_API_KEY_SECRET_ARN: scopedApiKeys.jobs.secretArn,
      HOOK_SECRETS_KEY_SECRET_ARN: hookSecretsKey.secretArn,
    })
    this.functions = { render, control }

    // Secrets are read at cold start and again at any time (the Discord URL is re-read when it
    // changes), so the grant is GetSecretValue on each, not a value baked into the template.
    for (const secret of [adminApiKey, discordWebhookUrl]) secret.grantRead(render)
    for (const secret of [
      adminApiKey,
      scopedApiKeys.tools,
      scopedApiKeys.jobs,
      hookSecretsKey,
      githubWebhookSecret,
      discordWebhookUrl,
      githubToken,
    ]) {
      secret.grantRead(control)
    }
    for (const workload of ['render', 'control'] as const) {
      grantBucketAccess(this.functions[workload], uploadBucket, BUCKET_ACCESS[workload])
    }
    for (const fn of [render, control]) {
      fn.addToRolePolicy(
        new PolicyStatement({
          sid: 'ReadWriteRecords',
          effect: Effect.ALLOW,
          actions: RECORDS_ACTIONS,
          resources: [recordsTable.tableArn],
        }),
      )
    }
    this.queues = this.workQueues()
    this.discordDelivery = new DiscordDelivery(this, 'DiscordDelivery', {
      stage: config.stage,
      deliveryFunction: control,
    })
    // Control starts an execution for each event; render for the notice of a share.
    for (const fn of [render, control]) {
      fn.addEnvironment('EVENTS_STATE_MACHINE_ARN', this.discordDelivery.stateMachineArn)
      fn.addToRolePolicy(
        new PolicyStatement({
          sid: 'StartDiscordDelivery',
          effect: Effect.ALLOW,
          actions: ['states:StartExecution'],
          resources: [this.discordDelivery.stateMachineArn],
        }),
      )
    }
    control.addToRolePolicy(
      new PolicyStatement({
        sid: 'StoreArchives',
        effect: Effect.ALLOW,
        // Archives are streamed up in parts; a failed download aborts its upload. GetObject is
        // for HeadObject: a try that takes over from one that died checks whether that one
        // stored the archive already (its `delivery` metadata), rather than storing it twice.
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject'],
        resources: [archiveBucket.arnForObjects('*')],
      }),
    )

    this.routeByFunction(api, { render, control })

    const plan = api.addUsagePlan('AdminUsagePlan', {
      description: 'Limits per API key (admin, tools, jobs) on /api/admin/* and /api/jobs*',
      throttle: { rateLimit: config.usage.rate, burstLimit: config.usage.burst },
      quota: { limit: config.usage.quota, period: Period[config.usage.period] },
      apiStages: [{ api, stage: api.deploymentStage }],
    })
    // A new generation is a new key for each scope (name and logical id), created with its
    // secret's value now: rotating one secret is a new generation for all three.
    const generation = config.adminKeyGeneration
    const keySecrets = { admin: adminApiKey, ...scopedApiKeys }
    for (const [scope, secret] of Object.entries(keySecrets)) {
      const title = `${scope[0]?.toUpperCase()}${scope.slice(1)}`
      const key = new ApiKey(this, generation === 1 ? `${title}Key` : `${title}Key${generation}`, {
        apiKeyName: `meme-studio-${config.stage}-${scope}-${generation}`,
        description: `meme-studio ${scope} key (value in the ${title}ApiKey secret)`,
        value: secret.secretValue.unsafeUnwrap(),
      })
      plan.addApiKey(key)
    }

    // Events are signed with SigV4 for API Gateway's own host and the stage's path: a
    // signature made for the CloudFront URL breaks, since host and path change on the way.
    const apiHost = `${api.restApiId}.execute-api.${this.region}.${this.urlSuffix}`
    this.eventsUrl = `https://${apiHost}/${API_STAGE}/api/events`
    this.eventsInvokeArn = api.arnForExecuteApi('POST', '/api/events', API_STAGE)
    const eventsCaller = new ManagedPolicy(this, 'EventsCallerPolicy', {
      description: 'meme-studio: may POST /api/events (attach to the sender’s user or role)',
      statements: [
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['execute-api:Invoke'],
          resources: [this.eventsInvokeArn],
        }),
      ],
    })

    this.addAlarms(api, { render, control }, config.alarmEmail, [
      ...Object.values(this.queues).map((queue) => queue.deadLetterAlarm),
      this.discordDelivery.failedAlarm,
    ])
    acknowledgeLibraryFunctions(this, this.site.bucket)

    const outputs: Record<string, { value: string; description: string }> = {
      SiteUrl: { value: this.siteUrl, description: 'The studio' },
      ApiUrl: { value: api.urlForPath('/'), description: 'The REST API stage URL' },
      WebhookPayloadUrl: {
        value: `${this.siteUrl}/api/webhooks/github`,
        description: 'GitHub webhook payload URL (content type application/json)',
      },
      EventsUrl: {
        value: this.eventsUrl,
        description: 'The URL send-event signs and posts to (API Gateway’s host, not CloudFront’s)',
      },
      EventsInvokeArn: {
        value: this.eventsInvokeArn,
        description: 'execute-api:Invoke resource of POST /api/events',
      },
      EventsCallerPolicyArn: {
        value: eventsCaller.managedPolicyArn,
        description: 'Managed policy to attach to whoever sends events',
      },
      AdminApiKeySecretArn: {
        value: adminApiKey.secretArn,
        description: 'Secret holding the admin API key',
      },
      AdminApiKeyCommand: {
        value: readSecretCommand(this.region, adminApiKey.secretArn),
        description: 'Prints the admin API key (everything)',
      },
      ToolsApiKeySecretArn: {
        value: scopedApiKeys.tools.secretArn,
        description: 'Secret holding the tools API key',
      },
      ToolsApiKeyCommand: {
        value: readSecretCommand(this.region, scopedApiKeys.tools.secretArn),
        description: 'Prints the tools API key (the signature tools only)',
      },
      JobsApiKeySecretArn: {
        value: scopedApiKeys.jobs.secretArn,
        description: 'Secret holding the jobs API key',
      },
      JobsApiKeyCommand: {
        value: readSecretCommand(this.region, scopedApiKeys.jobs.secretArn),
        description: 'Prints the jobs API key (the jobs API only)',
      },
      GithubWebhookSecretArn: {
        value: githubWebhookSecret.secretArn,
        description: 'Secret of the default GitHub webhook',
      },
      DiscordWebhookUrlSecretArn: {
        value: discordWebhookUrl.secretArn,
        description: 'Put the Discord webhook URL in this secret',
      },
      GithubTokenSecretArn: {
        value: githubToken.secretArn,
        description: 'Put a GitHub token here for private repositories (-c githubToken=true)',
      },
      DiscordDeliveryStateMachineArn: {
        value: this.discordDelivery.stateMachineArn,
        description: 'The state machine that posts events to Discord (its executions, its logs)',
      },
      JobsDeadLetterQueueUrl: {
        value: this.queues.jobs.deadLetterQueue.queueUrl,
        description: 'Jobs that failed three times (inspect, then redrive from the SQS console)',
      },
      ArchivesDeadLetterQueueUrl: {
        value: this.queues.archives.deadLetterQueue.queueUrl,
        description: 'Push archives that failed three times (inspect, then redrive)',
      },
      DistributionId: {
        value: this.site.distribution.distributionId,
        description: 'For cache invalidations',
      },
      DistributionDomainName: {
        value: this.site.distribution.distributionDomainName,
        description: 'CloudFront’s own host: where a custom domain’s CNAME or alias points',
      },
      ...(this.egress
        ? {
            EgressIp: {
              value: this.egress.egressIp.attrPublicIp,
              description: 'The address the control function’s GitHub and Discord calls come from',
            },
          }
        : {}),
    }
    for (const [name, output] of Object.entries(outputs)) new CfnOutput(this, name, output)

    this.acknowledgeFindings(
      [render, control],
      [
        adminApiKey,
        scopedApiKeys.tools,
        scopedApiKeys.jobs,
        hookSecretsKey,
        githubWebhookSecret,
        discordWebhookUrl,
        githubToken,
      ],
      api,
    )
    if (this.egress) {
      acknowledge(control, [
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
          reason:
            'With -c fixedEgressIp=true: the AWS-managed policy Lambda documents for a function ' +
            'in a VPC, letting it create and delete its own network interfaces.',
        },
      ])
    }
  }

  /**
   * Each work queue with its dead-letter queue and event source mapping; its senders may send
   * to it, and its senders and consumer are given its URL (the api's config: an SQS queue
   * carries that work, not the embedded one).
   */
  private workQueues(): Record<QueueName, WorkQueue> {
    const make = (name: QueueName): WorkQueue => {
      const settings = WORK_QUEUES[name]
      const title = name === 'jobs' ? 'Jobs' : 'Archives'
      const queue = new WorkQueue(this, `${title}Queue`, {
        name,
        consumer: this.functions[settings.consumer],
        consumerTimeout: FUNCTION_TIMEOUTS[settings.consumer],
        batchSize: settings.batchSize,
        maxConcurrency: settings.maxConcurrency,
        maxReceiveCount: MAX_RECEIVE_COUNT,
      })
      for (const sender of settings.senders) {
        this.functions[sender].addToRolePolicy(
          new PolicyStatement({
            sid: `Send${title}`,
            effect: Effect.ALLOW,
            actions: ['sqs:SendMessage'],
            resources: [queue.queue.queueArn],
          }),
        )
      }
      for (const workload of new Set<Workload>([...settings.senders, settings.consumer])) {
        this.functions[workload].addEnvironment(QUEUE_URL_VARIABLES[name], queue.queue.queueUrl)
      }
      // The worker's own idea of the queue's visibility timeout (a job's lease is half of it).
      this.functions[settings.consumer].addEnvironment(
        'QUEUE_VISIBILITY_SECONDS',
        String(queue.visibilityTimeout.toSeconds()),
      )
      return queue
    }
    return { jobs: make('jobs'), archives: make('archives') }
  }

  /**
   * The zones the stack places subnets in: the region's first two, looked up by CloudFormation
   * (`Fn::GetAZs`) when it deploys. CDK would otherwise look them up at synth whenever the
   * account and region are known, which needs credentials and writes `cdk.context.json`.
   */
  override get availabilityZones(): string[] {
    return [0, 1].map((index) => Fn.select(index, Fn.getAzs()))
  }

  private siteDomain(
    domain: NonNullable<DeploymentConfig['domain']>,
    certificate: SiteCertificateSource | undefined,
  ): SiteDomainProps {
    if (!certificate) throw new Error(`AppStack: domain ${domain.name} needs siteCertificate`)
    return {
      name: domain.name,
      certificate: siteCertificate(this, certificate),
      ...(domain.hostedZone
        ? {
            hostedZone: HostedZone.fromHostedZoneAttributes(this, 'SiteZone', {
              hostedZoneId: domain.hostedZone.id,
              zoneName: domain.hostedZone.name,
            }),
          }
        : {}),
    }
  }

  /**
   * API Gateway sends each path to the function that serves it (`functionForPath`, from the
   * api's one list `RENDER_PATHS`): a resource for each render path and each keyed path,
   * everything else to control. Admin and jobs require the API key; `POST /api/events`
   * requires AWS_IAM.
   */
  private routeByFunction(api: RestApi, fns: Record<Workload, IFunction>): void {
    const integrations = {
      render: new LambdaIntegration(fns.render),
      control: new LambdaIntegration(fns.control),
    }
    const route = (resource: IApiResource, path: string, own: boolean) => {
      const keyed = KEYED_PATHS.some((keyedPath) => keyedPath.replace(/\/$/, '') === path)
      const options = keyed ? { apiKeyRequired: true } : {}
      if (own) resource.addMethod('ANY', integrations[functionForPath(path || '/')], options)
      // `{proxy+}` is any path below: `x` stands for one.
      resource
        .addResource('{proxy+}')
        .addMethod('ANY', integrations[functionForPath(`${path}/x`)], options)
    }
    route(api.root, '', true)
    const apiPath = api.root.addResource('api')
    route(apiPath, '/api', false)
    for (const prefix of new Set<string>([...RENDER_PATHS, ...KEYED_PATHS])) {
      // `/m/` serves only what is under it; `/api/meme` and `/api/jobs` are routes themselves.
      const path = prefix.replace(/\/$/, '')
      let resource: IApiResource = api.root
      for (const part of path.split('/').filter(Boolean)) {
        resource = resource.getResource(part) ?? resource.addResource(part)
      }
      route(resource, path, !prefix.endsWith('/'))
    }
    apiPath.addResource('events').addMethod('POST', integrations.control, {
      authorizationType: AuthorizationType.IAM,
    })
  }

  /**
   * Errors and throttles per function, the API's 5XX and p99 latency, and `more` (the
   * dead-letter queues, failed deliveries), to one SNS topic.
   */
  private addAlarms(
    api: RestApi,
    fns: Record<Workload, IFunction>,
    email: string | undefined,
    more: Alarm[],
  ): void {
    const topic = new Topic(this, 'Alarms', {
      displayName: 'meme-studio alarms',
      enforceSSL: true,
    })
    if (email) topic.addSubscription(new EmailSubscription(email))
    const action = new SnsAction(topic)
    const fiveMinutes = Duration.minutes(5)
    const alarms = [
      ...(['render', 'control'] as const).flatMap((workload) => [
        new Alarm(this, `${workload}Errors`, {
          alarmDescription: `The ${workload} function threw or timed out`,
          metric: fns[workload].metricErrors({ period: fiveMinutes }),
          threshold: 5,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
        new Alarm(this, `${workload}Throttles`, {
          alarmDescription: `The ${workload} function was throttled (concurrency limit)`,
          metric: fns[workload].metricThrottles({ period: fiveMinutes }),
          threshold: 1,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      ]),
      new Alarm(this, 'Api5xx', {
        alarmDescription: 'The API answered 5XX (storage down, function errors, timeouts)',
        metric: api.metricServerError({ period: fiveMinutes }),
        threshold: 5,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'ApiLatencyP99', {
        alarmDescription: 'p99 latency over 3 s for 15 minutes (cold starts are ~0.5 s)',
        metric: api.metricLatency({ period: fiveMinutes, statistic: 'p99' }),
        threshold: 3000,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      ...more,
    ]
    for (const alarm of alarms) alarm.addAlarmAction(action)
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names and metric values, nothing secret; a KMS key ' +
        'would cost $1 a month and need a key policy for CloudWatch.',
    })
  }

  private acknowledgeFindings(fns: IConstruct[], secrets: IConstruct[], api: RestApi): void {
    acknowledge(fns, [
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
    acknowledge(secrets, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotating these needs a person on the other side (GitHub hook settings, Discord, ' +
          'API key holders) or, for the hook secrets’ key, re-encrypting the stored hook ' +
          'secrets; infra/README.md describes the manual rotation.',
      },
    ])
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
          'Execution logging writes every request and response body to CloudWatch; access logs ' +
          '(JSON) and X-Ray tracing are on, and the functions log every request.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'With -c apiGatewayAccountRole=true: the account role API Gateway writes access logs ' +
          'with; the AWS-managed policy is the one API Gateway documents for it.',
      },
    ])
  }
}

/** The function's S3 grants on one bucket, prefix by prefix, by what it does there. */
function grantBucketAccess(
  fn: IFunction,
  bucket: IBucket,
  access: (typeof BUCKET_ACCESS)[Workload],
): void {
  const objects = (prefixes: string[]) => prefixes.map((p) => bucket.arnForObjects(`${p}*`))
  const statements = [
    { sid: 'ReadAppObjects', actions: ['s3:GetObject'], prefixes: access.read },
    { sid: 'WriteAppObjects', actions: ['s3:PutObject'], prefixes: access.write },
    { sid: 'DeleteAppObjects', actions: ['s3:DeleteObject'], prefixes: access.remove },
  ]
  for (const { sid, actions, prefixes } of statements) {
    if (prefixes.length === 0) continue
    fn.addToRolePolicy(
      new PolicyStatement({ sid, effect: Effect.ALLOW, actions, resources: objects(prefixes) }),
    )
  }
  if (access.list.length === 0) return
  // ListObjectsV2 is ListBucket on the bucket, narrowed by the `s3:prefix` it is asked for;
  // `app/*` also matches the health check's `Prefix: 'app/'` (`*` matches nothing too).
  fn.addToRolePolicy(
    new PolicyStatement({
      sid: 'ListAppPrefixes',
      effect: Effect.ALLOW,
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': access.list.map((p) => `${p}*`) } },
    }),
  )
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
