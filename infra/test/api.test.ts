import { Match, Template } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { functionForPath } from '../../api/src/entry-points.ts'
import type { AppStack } from '../lib/app-stack.ts'
import { buildTestApp, logicalIdOf, roleStatements } from './app-fixture.ts'

const CONTEXT = { usageRate: '7', usageBurst: '14', usageQuota: '4321', usagePeriod: 'WEEK' }

function synthAppStack(context: Record<string, string> = CONTEXT) {
  const { appStack: stack } = buildTestApp(context)
  return { stack, template: Template.fromStack(stack) }
}

interface CfnMethod {
  Properties: {
    HttpMethod: string
    ResourceId: { Ref: string } | { 'Fn::GetAtt': string[] }
    ApiKeyRequired?: boolean
    AuthorizationType?: string
    Integration?: { Uri: unknown }
  }
}
interface CfnResource {
  Properties: { PathPart: string; ParentId: { Ref: string } | { 'Fn::GetAtt': string[] } }
}

/** Each method's full path (`/api/jobs/{proxy+}`), from the resource tree in the template. */
function methodsByPath(template: Template) {
  const resources = template.findResources('AWS::ApiGateway::Resource') as Record<
    string,
    CfnResource
  >
  const pathOf = (ref: CfnMethod['Properties']['ResourceId']): string => {
    if (!('Ref' in ref)) return ''
    const resource = resources[ref.Ref]
    if (!resource) throw new Error(`no resource ${ref.Ref}`)
    return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`
  }
  const methods = Object.values(
    template.findResources('AWS::ApiGateway::Method') as Record<string, CfnMethod>,
  )
  return methods.map(({ Properties: p }) => ({
    path: pathOf(p.ResourceId) || '/',
    method: p.HttpMethod,
    apiKeyRequired: p.ApiKeyRequired === true,
    authorization: p.AuthorizationType ?? 'NONE',
    // Fn::Join [..., { "Fn::GetAtt": [<function>, "Arn"] }, "/invocations"]
    target: /"Fn::GetAtt":\["(\w+)","Arn"\]/.exec(JSON.stringify(p.Integration?.Uri))?.[1],
  }))
}

describe('AppStack', () => {
  let stack: AppStack
  let template: Template
  beforeAll(() => {
    ;({ stack, template } = synthAppStack())
  })
  const fnProps = (workload: 'render' | 'control') =>
    (
      template.findResources('AWS::Lambda::Function')[logicalIdOf(stack.functions[workload])] as {
        Properties: {
          MemorySize: number
          Timeout: number
          Environment: { Variables: Record<string, unknown> }
        }
      }
    ).Properties

  it('runs render and control on Node.js 22, arm64, each with its own memory', () => {
    expect(
      Object.keys(
        template.findResources('AWS::Lambda::Function', {
          Properties: { Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' },
        }),
      ).sort(),
    ).toEqual([logicalIdOf(stack.functions.control), logicalIdOf(stack.functions.render)].sort())
    expect(fnProps('render')).toMatchObject({ MemorySize: 1536, Timeout: 29 })
    // Control archives pushes from the queue too, where a download may take 90 s.
    expect(fnProps('control')).toMatchObject({ MemorySize: 512, Timeout: 180 })
    expect(fnProps('render').Environment.Variables).toMatchObject({
      MALLOC_ARENA_MAX: '2',
      MALLOC_MMAP_THRESHOLD_: '131072',
    })
    for (const workload of ['render', 'control'] as const) {
      expect(fnProps(workload).Environment.Variables).toMatchObject({
        S3_BUCKET: expect.anything(),
        ARCHIVE_BUCKET: expect.anything(),
        ADMIN_API_KEYS_SECRET_ARN: { Ref: expect.stringMatching(/AdminApiKey/) },
        GITHUB_WEBHOOK_SECRET_ARN: { Ref: expect.stringMatching(/GithubWebhookSecret/) },
        DISCORD_WEBHOOK_URL_SECRET_ARN: { Ref: expect.stringMatching(/DiscordWebhookUrl/) },
        EVENTS_AUTH: 'api-gateway-iam',
      })
    }
  })

  it('builds no network and keeps both functions out of a VPC unless fixedEgressIp is set', () => {
    template.resourceCountIs('AWS::EC2::VPC', 0)
    template.resourceCountIs('AWS::EC2::NatGateway', 0)
    for (const workload of ['render', 'control'] as const) {
      expect(fnProps(workload)).not.toHaveProperty('VpcConfig')
    }
    expect(template.findOutputs('EgressIp')).toEqual({})
  })

  it('reserves render concurrency only when asked', () => {
    expect(fnProps('render')).not.toHaveProperty('ReservedConcurrentExecutions')
    const { stack: reserved, template: t } = synthAppStack({ ...CONTEXT, renderConcurrency: '25' })
    expect(
      (
        t.findResources('AWS::Lambda::Function')[logicalIdOf(reserved.functions.render)] as {
          Properties: object
        }
      ).Properties,
    ).toMatchObject({ ReservedConcurrentExecutions: 25 })
  })

  it('keeps secrets out of the environment', () => {
    for (const workload of ['render', 'control'] as const) {
      const variables = Object.keys(fnProps(workload).Environment.Variables)
      for (const plain of [
        'ADMIN_API_KEYS',
        'GITHUB_WEBHOOK_SECRET',
        'DISCORD_WEBHOOK_URL',
        'GITHUB_TOKEN',
      ]) {
        expect(variables).not.toContain(plain)
      }
    }
  })

  it('wires the GitHub token secret, GitHub base URL and proxy from context', () => {
    expect(fnProps('control').Environment.Variables).not.toHaveProperty('GITHUB_TOKEN_SECRET_ARN')
    const { stack: s, template: t } = synthAppStack({
      ...CONTEXT,
      githubToken: 'true',
      githubBaseUrl: 'https://github.example.com/',
      httpsProxy: 'http://proxy.internal:3128',
    })
    const vars = (
      t.findResources('AWS::Lambda::Function')[logicalIdOf(s.functions.control)] as {
        Properties: { Environment: { Variables: Record<string, unknown> } }
      }
    ).Properties.Environment.Variables
    expect(vars).toMatchObject({
      GITHUB_TOKEN_SECRET_ARN: { Ref: expect.stringMatching(/GithubToken/) },
      GITHUB_BASE_URL: 'https://github.example.com',
      HTTPS_PROXY: 'http://proxy.internal:3128',
    })
  })

  it('builds for x86_64 when the context asks', () => {
    const { template: x86 } = synthAppStack({ ...CONTEXT, architecture: 'x86_64' })
    x86.resourcePropertiesCountIs('AWS::Lambda::Function', { Architectures: ['x86_64'] }, 2)
  })

  it('passes every media type through as binary', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['*/*'] })
  })

  it('sends each path to the function entry-points.ts names (RENDER_PATHS)', () => {
    const ids = {
      [logicalIdOf(stack.functions.render)]: 'render',
      [logicalIdOf(stack.functions.control)]: 'control',
    }
    const routed = methodsByPath(template).map((m) => [m.path, ids[m.target ?? '']])
    const expected = routed.map(([path]) => {
      // A concrete path the method serves: `{proxy+}` stands for any further segment.
      const sample = String(path).replace('{proxy+}', 'x')
      return [path, functionForPath(sample)]
    })
    expect(routed).toEqual(expected)
    expect(routed).toEqual(
      expect.arrayContaining([
        ['/api/meme', 'render'],
        ['/m/{proxy+}', 'render'],
        // The jobs API records and queues; render takes the jobs from the queue.
        ['/api/jobs', 'control'],
        ['/api/jobs/{proxy+}', 'control'],
        ['/api/shares/{proxy+}', 'render'],
        ['/api/{proxy+}', 'control'],
        ['/api/admin/{proxy+}', 'control'],
        ['/api/events', 'control'],
        ['/{proxy+}', 'control'],
      ]),
    )
  })

  it('requires the API key on the admin and jobs methods and nowhere else', () => {
    const methods = methodsByPath(template)
    const keyed = methods.filter((m) => m.apiKeyRequired).map((m) => `${m.method} ${m.path}`)
    expect(keyed.sort()).toEqual([
      'ANY /api/admin/{proxy+}',
      'ANY /api/jobs',
      'ANY /api/jobs/{proxy+}',
    ])
  })

  it('signs /api/events with AWS_IAM and leaves every other method open or keyed', () => {
    const methods = methodsByPath(template)
    expect(
      methods
        .filter((m) => m.authorization === 'AWS_IAM')
        .map(({ path, method, apiKeyRequired }) => ({ path, method, apiKeyRequired })),
    ).toEqual([{ path: '/api/events', method: 'POST', apiKeyRequired: false }])
    expect(methods.filter((m) => !['NONE', 'AWS_IAM'].includes(m.authorization))).toEqual([])
  })

  it('gives event senders a managed policy on POST /api/events and the URL to sign', () => {
    const invoke = {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':execute-api:',
          { Ref: 'AWS::Region' },
          ':',
          { Ref: 'AWS::AccountId' },
          ':',
          { Ref: Match.stringLikeRegexp('^Api') },
          '/prod/POST/api/events',
        ],
      ],
    }
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: invoke }],
      },
    })
    template.hasOutput('EventsInvokeArn', { Value: invoke })
    template.hasOutput('EventsCallerPolicyArn', { Value: { Ref: Match.anyValue() } })
    // API Gateway's own host and the stage's path, which the SigV4 signature covers.
    template.hasOutput('EventsUrl', {
      Value: {
        'Fn::Join': [
          '',
          [
            'https://',
            { Ref: Match.stringLikeRegexp('^Api') },
            '.execute-api.',
            { Ref: 'AWS::Region' },
            '.',
            { Ref: 'AWS::URLSuffix' },
            '/prod/api/events',
          ],
        ],
      },
    })
  })

  it('outputs every secret’s ARN and the command that prints each API key', () => {
    for (const [output, secret] of [
      ['AdminApiKeySecretArn', 'AdminApiKey'],
      ['ToolsApiKeySecretArn', 'ToolsApiKey'],
      ['JobsApiKeySecretArn', 'JobsApiKey'],
      ['GithubWebhookSecretArn', 'GithubWebhookSecret'],
      ['DiscordWebhookUrlSecretArn', 'DiscordWebhookUrl'],
      ['GithubTokenSecretArn', 'GithubToken'],
    ] as const) {
      template.hasOutput(output, { Value: { Ref: Match.stringLikeRegexp(`^${secret}`) } })
    }
    for (const [output, secret] of [
      ['AdminApiKeyCommand', 'AdminApiKey'],
      ['ToolsApiKeyCommand', 'ToolsApiKey'],
      ['JobsApiKeyCommand', 'JobsApiKey'],
    ] as const) {
      const command = JSON.stringify(template.findOutputs(output))
      expect(command).toContain('aws secretsmanager get-secret-value --region ')
      expect(command).toMatch(new RegExp(String.raw`--secret-id ",\{"Ref":"${secret}\w+"\}`))
      expect(command).toContain('--query SecretString --output text')
    }
  })

  it('limits each key by the usage plan from context', () => {
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      Throttle: { RateLimit: 7, BurstLimit: 14 },
      Quota: { Limit: 4321, Period: 'WEEK' },
      ApiStages: [Match.objectLike({ Stage: Match.anyValue() })],
    })
  })

  it('has one API key per scope in the usage plan, each valued from its own secret', () => {
    const keys = template.findResources('AWS::ApiGateway::ApiKey') as Record<
      string,
      { Properties: { Name: string; Value: unknown } }
    >
    expect(
      Object.values(keys)
        .map((k) => k.Properties.Name)
        .sort(),
    ).toEqual(['meme-studio-dev-admin-1', 'meme-studio-dev-jobs-1', 'meme-studio-dev-tools-1'])
    // Each value is its secret's, resolved by CloudFormation at deploy time.
    for (const [id, { Properties: key }] of Object.entries(keys)) {
      const scope = /-(admin|tools|jobs)-1$/.exec(key.Name)?.[1] as string
      const secret = `${scope[0]?.toUpperCase()}${scope.slice(1)}ApiKey`
      expect(JSON.stringify(key.Value), id).toMatch(
        new RegExp(
          String.raw`\{\{resolve:secretsmanager:",\{"Ref":"${secret}\w+"\},":SecretString:::\}\}`,
        ),
      )
    }
    // All three are in the one usage plan, so each has its own throttle and quota.
    const planKeys = Object.values(
      template.findResources('AWS::ApiGateway::UsagePlanKey') as Record<
        string,
        { Properties: { KeyId: { Ref: string }; KeyType: string; UsagePlanId: { Ref: string } } }
      >,
    )
    expect(planKeys.map((k) => k.Properties.KeyId.Ref).sort()).toEqual(Object.keys(keys).sort())
    expect(new Set(planKeys.map((k) => k.Properties.UsagePlanId.Ref)).size).toBe(1)
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', 1)
  })

  it('gives control the scoped keys’ secrets, and the hook secrets’ key to control alone', () => {
    const control = fnProps('control').Environment.Variables
    expect(control).toMatchObject({
      TOOLS_API_KEY_SECRET_ARN: { Ref: expect.stringMatching(/^ToolsApiKey/) },
      JOBS_API_KEY_SECRET_ARN: { Ref: expect.stringMatching(/^JobsApiKey/) },
      HOOK_SECRETS_KEY_SECRET_ARN: { Ref: expect.stringMatching(/^HookSecretsKey/) },
    })
    const render = fnProps('render').Environment.Variables
    for (const name of [
      'TOOLS_API_KEY_SECRET_ARN',
      'JOBS_API_KEY_SECRET_ARN',
      'HOOK_SECRETS_KEY_SECRET_ARN',
    ]) {
      expect(render).not.toHaveProperty(name)
    }
    const readable = (workload: 'render' | 'control') =>
      roleStatements(template, stack.functions[workload])
        .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
        .map((s) => JSON.stringify(s.Resource))
        .join(' ')
    for (const secret of ['ToolsApiKey', 'JobsApiKey', 'HookSecretsKey', 'AdminApiKey']) {
      expect(readable('control')).toMatch(new RegExp(`"Ref":"${secret}\\w+"`))
    }
    for (const secret of ['ToolsApiKey', 'JobsApiKey', 'HookSecretsKey']) {
      expect(readable('render')).not.toContain(`"Ref":"${secret}`)
    }
    // 64 characters without punctuation, generated by Secrets Manager.
    const secrets = template.findResources('AWS::SecretsManager::Secret') as Record<
      string,
      { Properties: { GenerateSecretString?: object } }
    >
    const hookKey = Object.entries(secrets).find(([id]) => id.startsWith('HookSecretsKey'))
    expect(hookKey?.[1].Properties.GenerateSecretString).toEqual({
      PasswordLength: 64,
      ExcludePunctuation: true,
    })
  })

  it('replaces every API key and restarts the functions for a new key generation', () => {
    const keysOf = (t: Template) =>
      Object.entries(
        t.findResources('AWS::ApiGateway::ApiKey') as Record<
          string,
          { Properties: { Name: string } }
        >,
      )
    const first = keysOf(template)
    const next = synthAppStack({ ...CONTEXT, adminKeyGeneration: '2' }).template
    const second = keysOf(next)
    const ids = (keys: typeof first) => keys.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()
    expect(ids(first)).toEqual(['AdminKey', 'JobsKey', 'ToolsKey'])
    // New logical ids and names: CloudFormation creates keys with the secrets' values now.
    expect(ids(second)).toEqual(['AdminKey2', 'JobsKey2', 'ToolsKey2'])
    expect(second.map(([, key]) => key.Properties.Name).sort()).toEqual([
      'meme-studio-dev-admin-2',
      'meme-studio-dev-jobs-2',
      'meme-studio-dev-tools-2',
    ])
    next.resourceCountIs('AWS::ApiGateway::UsagePlanKey', 3)
    next.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Environment: { Variables: Match.objectLike({ ADMIN_KEY_GENERATION: '2' }) } },
      2,
    )
  })

  it('throttles the stage and writes JSON access logs', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
        }),
      ]),
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
    })
  })

  it('creates the account’s API Gateway CloudWatch role only with apiGatewayAccountRole', () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 0)
    const { template: withRole } = synthAppStack({ ...CONTEXT, apiGatewayAccountRole: 'true' })
    withRole.hasResourceProperties('AWS::ApiGateway::Account', {
      CloudWatchRoleArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
    })
    withRole.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })],
      },
    })
  })

  it('lets control list app/ for health and read the old records once, and write none of them', () => {
    const control = roleStatements(template, stack.functions.control)
    const list = control.find((s) => [s.Action].flat().includes('s3:ListBucket'))
    expect(list?.Condition?.StringLike?.['s3:prefix']).toEqual(
      expect.arrayContaining(['app/*', 'hooks/*', 'webhooks/*', 'jobs/*', 'events/*']),
    )
    // The records are in the table: the bucket is written only where bytes go.
    const writes = (workload: 'render' | 'control') =>
      roleStatements(template, stack.functions[workload])
        .filter((s) =>
          [s.Action].flat().some((a) => a === 's3:PutObject' || a === 's3:DeleteObject'),
        )
        .map((s) => JSON.stringify(s.Resource))
        .join(' ')
    for (const prefix of ['hooks/', 'webhooks/', 'jobs/', 'events/', 'app/']) {
      expect(writes('render')).not.toContain(`/${prefix}*`)
      expect(writes('control')).not.toContain(`/${prefix}*`)
    }
  })

  it('grants the records table, the queues and the state machine only what the app calls', () => {
    const actionsOn = (workload: 'render' | 'control', service: string) =>
      roleStatements(template, stack.functions[workload])
        .flatMap((s) => [s.Action].flat())
        .filter((a) => a.startsWith(`${service}:`))
        .sort()
    const records = [
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
    ]
    expect(actionsOn('render', 'dynamodb')).toEqual(records)
    expect(actionsOn('control', 'dynamodb')).toEqual(records)
    // Render consumes jobs; control sends jobs and archives and consumes archives.
    expect(actionsOn('render', 'sqs')).toEqual([
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
    ])
    expect(actionsOn('control', 'sqs')).toEqual([
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
      'sqs:SendMessage',
    ])
    expect(actionsOn('render', 'states')).toEqual(['states:StartExecution'])
    expect(actionsOn('control', 'states')).toEqual(['states:StartExecution'])
  })

  it('never grants s3:* or an object wildcard across the whole bucket', () => {
    for (const workload of ['render', 'control'] as const) {
      for (const statement of roleStatements(template, stack.functions[workload])) {
        const actions = [statement.Action].flat()
        expect(actions).not.toContain('s3:*')
        if (!actions.some((a) => a.startsWith('s3:'))) continue
        for (const resource of [statement.Resource].flat()) {
          const json = JSON.stringify(resource)
          // The archive bucket holds only archives; the uploads bucket only by prefix.
          if (!json.includes('Archives')) expect(json).not.toMatch(/"\/\*"\]\]\}$/)
        }
      }
    }
  })

  it('alarms on function errors and throttles, API 5XX, p99 latency, dead letters, failed deliveries', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { MetricName: string; ExtendedStatistic?: string; AlarmActions: unknown[] }
    }[]
    expect(alarms.map((a) => a.Properties.MetricName).sort()).toEqual(
      [
        '5XXError',
        'Errors',
        'Errors',
        'Latency',
        'Throttles',
        'Throttles',
        // The jobs' and archives' dead-letter queues, and the Discord deliveries.
        'ApproximateNumberOfMessagesVisible',
        'ApproximateNumberOfMessagesVisible',
        'ExecutionsFailed',
      ].sort(),
    )
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1)
    template.resourceCountIs('AWS::SNS::Subscription', 0)
    synthAppStack({ ...CONTEXT, alarmEmail: 'ops@example.com' }).template.hasResourceProperties(
      'AWS::SNS::Subscription',
      { Protocol: 'email', Endpoint: 'ops@example.com' },
    )
  })
})
