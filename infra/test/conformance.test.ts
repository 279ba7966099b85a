/**
 * The stack checked against what the app does, so a grant, a lifecycle rule or a variable the
 * app needs can't go missing unnoticed:
 * - permissions: every AWS call the api's tests recorded (`fixtures/aws-calls.json`, written by
 *   the api suite) against the synthesized IAM policy of the function that makes it on AWS:
 *   the one serving its route, the one whose event source mapping takes a worker's queue, the
 *   one the state machine's Task states invoke; and the calls Lambda and Step Functions make
 *   with those roles (the mappings' receives and deletes, the state machine's invocations);
 * - lifecycle: no lasting record under an expiring rule;
 * - environment: every variable the api's `loadConfig` reads is set on each function, comes
 *   from a secret, or has a default that is right on Lambda; the table, queues and state
 *   machine variables name the stack's own, and the queue settings the app assumes are the
 *   queues';
 * - links: `PUBLIC_ORIGIN` is the site's URL, the custom domain's when there is one.
 * Each check is a pure function, and each is also run against a stack with one thing taken
 * away, to show it fails and says what is missing.
 */
import { readFileSync } from 'node:fs'
import { Template } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../api/src/config.ts'
import { SECRET_VARIABLES } from '../../api/src/lambda-secrets.ts'
import type { QueueName } from '../../api/src/services/queue/types.ts'
import type { Workload } from '../lib/api-bundling.ts'
import { MAX_RECEIVE_COUNT, QUEUE_URL_VARIABLES, type AppStack } from '../lib/app-stack.ts'
import { DELIVERY_FUNCTION_SUBSTITUTION } from '../lib/discord-delivery.ts'
import type { StorageStack } from '../lib/storage-stack.ts'
import {
  buildTestApp,
  DOMAIN_WITH_ZONE,
  logicalIdOf,
  roleStatements,
  roleStatementsOf,
  type PolicyStatementJson,
} from './app-fixture.ts'

interface AwsCall {
  function: Workload
  route: string
  action: string
  bucket?: 'uploads' | 'archives'
  key?: string
  prefix?: string
  secret?: string
  table?: 'records'
  queue?: QueueName
  stateMachine?: 'discord-delivery'
  /** Calls the stack implies rather than the api recorded: the resource they are made on. */
  resource?: string
}

/** The api suite's record; `AWS_CALLS_FILE` checks another (a run recorded elsewhere). */
const calls = JSON.parse(
  readFileSync(
    process.env.AWS_CALLS_FILE ?? new URL('fixtures/aws-calls.json', import.meta.url),
    'utf8',
  ),
) as AwsCall[]

const QUEUES = Object.keys(QUEUE_URL_VARIABLES) as QueueName[]

/** Stands in for an id the recording generalised to `*`. */
const SAMPLE_ID = 'a1b2c3d4-0000-4000-8000-00000000000f'

/**
 * A template value as a string: refs and attributes as `{LogicalId}` / `{LogicalId.Attr}`,
 * the partition as `aws`, the storage stack's exported bucket ARNs as `arn:aws:s3:::uploads`
 * / `arn:aws:s3:::archives`, the names the recordings use, and its other exports (the
 * table's) as the ref or attribute they export.
 */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value
  const v = value as Record<string, unknown>
  if ('Ref' in v) return v.Ref === 'AWS::Partition' ? 'aws' : `{${String(v.Ref)}}`
  if ('Fn::GetAtt' in v) return `{${(v['Fn::GetAtt'] as string[]).join('.')}}`
  if ('Fn::Join' in v) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]]
    return parts.map(flatten).join(separator)
  }
  if ('Fn::ImportValue' in v) {
    const name = String(v['Fn::ImportValue'])
    const bucket = /FnGetAtt(Uploads|Archives)[0-9A-F]{8}Arn/.exec(name)
    if (bucket) return `arn:aws:s3:::${bucket[1]!.toLowerCase()}`
    // `<stack>:ExportsOutputRef<LogicalId><hash>`, `…FnGetAtt<LogicalId><Attr><hash>`: CDK's
    // logical ids end in 8 hex digits, as the export's hash does.
    const ref = /:ExportsOutputRef(\w+?[0-9A-F]{8})[0-9A-F]{8}$/.exec(name)
    if (ref) return `{${ref[1]}}`
    const attribute = /:ExportsOutputFnGetAtt(\w+?[0-9A-F]{8})([A-Za-z]+)[0-9A-F]{8}$/.exec(name)
    if (attribute) return `{${attribute[1]}.${attribute[2]}}`
  }
  throw new Error(`cannot read ${JSON.stringify(value)}`)
}

/** The ARN of the resource a `{LogicalId}` ref names (a queue's URL, a table's name). */
function arnOfRef(flattened: string): string {
  return /^\{\w+\}$/.test(flattened)
    ? `${flattened.slice(0, -1)}.Arn}`
    : `(not a ref: ${flattened})`
}

/** IAM's `*` and `?` wildcards. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html */
function wildcardMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${source}$`).test(value)
}

/**
 * The request a call makes, as IAM sees it: action, resource ARN, condition keys. The table,
 * queue and state machine are the ones the function's environment names, as the app
 * addresses them: a variable missing or naming another resource is denied like a grant.
 */
function requestOf(call: AwsCall, environment: Record<string, unknown>) {
  const concrete = (text: string) => text.replaceAll('*', SAMPLE_ID)
  const none = {} as Record<string, string>
  const fromVariable = (variable: string, toArn: (value: string) => string) => {
    const value = environment[variable]
    return {
      resource: value === undefined ? `(no ${variable} in the environment)` : toArn(flatten(value)),
      conditions: none,
    }
  }
  if (call.resource) return { resource: call.resource, conditions: none }
  if (call.table) return fromVariable('RECORDS_TABLE', arnOfRef)
  if (call.queue) return fromVariable(QUEUE_URL_VARIABLES[call.queue], arnOfRef)
  if (call.stateMachine) return fromVariable('EVENTS_STATE_MACHINE_ARN', (arn) => arn)
  if (call.secret) {
    const variable =
      (SECRET_VARIABLES as Record<string, string>)[call.secret] ?? `${call.secret}_SECRET_ARN`
    const arn = environment[variable]
    return {
      resource: arn === undefined ? `(no ${variable} in the environment)` : flatten(arn),
      conditions: {} as Record<string, string>,
    }
  }
  const bucketArn = `arn:aws:s3:::${call.bucket}`
  if (call.action === 's3:ListBucket') {
    return { resource: bucketArn, conditions: { 's3:prefix': concrete(call.prefix ?? '') } }
  }
  return { resource: `${bucketArn}/${concrete(call.key ?? '')}`, conditions: {} }
}

/** Why a statement does not allow the request, or undefined when it does. */
function mismatch(
  statement: PolicyStatementJson,
  action: string,
  request: ReturnType<typeof requestOf>,
): string | undefined {
  if (![statement.Action].flat().some((a) => wildcardMatches(a, action))) return 'action'
  const resources = [statement.Resource].flat().map(flatten)
  if (!resources.some((r) => wildcardMatches(r, request.resource))) {
    return `resource: grants ${resources.join(', ')}`
  }
  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    for (const [key, allowed] of Object.entries(entries)) {
      const given = request.conditions[key]
      const values = [allowed].flat()
      const ok =
        given !== undefined &&
        (operator === 'StringLike'
          ? values.some((p) => wildcardMatches(p, given))
          : operator === 'StringEquals' && values.includes(given))
      if (!ok)
        return `condition ${operator} ${key} ${JSON.stringify(values)}, asked ${JSON.stringify(given ?? null)}`
    }
  }
  return undefined
}

/** Who makes calls: a function, or the state machine (its own role, for its Task states). */
type Principal = Workload | 'state machine'

/** Each recorded call the function's policy would deny, with what the policy lacks. */
function deniedCalls(
  recorded: (Omit<AwsCall, 'function'> & { function: Principal })[],
  policies: Record<Principal, PolicyStatementJson[]>,
  environments: Record<Workload, Record<string, unknown>>,
): string[] {
  return recorded.flatMap((call) => {
    const statements = policies[call.function]
    const request = requestOf(
      call as AwsCall,
      call.function === 'state machine' ? {} : environments[call.function],
    )
    const verdicts = statements.map((s) => ({ s, why: mismatch(s, call.action, request) }))
    const denied = verdicts.some(({ s, why }) => s.Effect === 'Deny' && why === undefined)
    if (!denied && verdicts.some(({ s, why }) => s.Effect === 'Allow' && why === undefined))
      return []
    const near = verdicts
      .filter(({ why }) => why !== 'action')
      .map(({ s, why }) => `${s.Sid ?? '(no Sid)'}: ${why ?? 'a Deny matches'}`)
    const target =
      call.key ?? call.prefix ?? call.secret ?? call.table ?? call.queue ?? call.stateMachine
    return [
      `${call.function} role denies ${call.action} on ${request.resource} ` +
        `(${call.route}${target ? `, recorded ${target}` : ''})${Object.keys(request.conditions).length ? ` with ${JSON.stringify(request.conditions)}` : ''}: ` +
        (near.length
          ? `statements with ${call.action} don't match: ${near.join('; ')}`
          : `no statement grants ${call.action}`),
    ]
  })
}

interface LifecycleRule {
  Id?: string
  Status: string
  Prefix?: string
  Filter?: { Prefix?: string }
  ExpirationInDays?: number
}

/**
 * Prefixes whose objects must last: hooks (settings and secrets GitHub's deliveries need), the
 * app's settings, and templates' pictures (a template, and every URL that names it, lives until
 * it is deleted). Every other prefix the app writes must be one an expiring rule covers.
 */
const LASTING_PREFIXES = ['hooks/', 'app/', 'templates/']

/** Lasting prefixes under an expiring rule, and written prefixes no rule accounts for. */
function lifecycleViolations(rules: LifecycleRule[], written: string[]): string[] {
  const expiring = rules.filter((r) => r.Status === 'Enabled' && r.ExpirationInDays !== undefined)
  const prefixOf = (rule: LifecycleRule) => rule.Prefix ?? rule.Filter?.Prefix ?? ''
  const problems: string[] = []
  for (const lasting of LASTING_PREFIXES) {
    for (const rule of expiring) {
      const prefix = prefixOf(rule)
      if (lasting.startsWith(prefix) || prefix.startsWith(lasting)) {
        problems.push(
          `${lasting} must last, but rule ${rule.Id ?? '(no id)'} expires ${prefix || 'the whole bucket'} after ${rule.ExpirationInDays} days`,
        )
      }
    }
  }
  for (const key of written) {
    if (LASTING_PREFIXES.some((p) => key.startsWith(p))) continue
    if (!expiring.some((rule) => prefixOf(rule) !== '' && key.startsWith(prefixOf(rule)))) {
      problems.push(`${key} is written but is neither a lasting prefix nor under an expiring rule`)
    }
  }
  return problems
}

/**
 * Variables the api's config reads whose default is right on Lambda, each with the reason.
 * Anything else it reads must be set by the stack (or come from a secret's ARN).
 */
const LAMBDA_DEFAULTS: Record<string, string> = {
  HOST: 'the local server’s listen address; on Lambda nothing listens',
  PORT: 'the local server’s port; on Lambda nothing listens',
  EMBEDDED_S3_HOST: 'the local runner’s embedded S3; on Lambda S3 is AWS’s',
  LOG_LEVEL: 'INFO is what the functions should log',
  S3_ENDPOINT: 'unset is the AWS endpoint of S3_REGION, which is what Lambda uses',
  DYNAMODB_ENDPOINT: 'unset is the AWS endpoint of the region, which Lambda uses',
  SQS_ENDPOINT: 'unset is the AWS endpoint of the region (the queue URLs’), which Lambda uses',
  STEP_FUNCTIONS_ENDPOINT: 'unset is the AWS endpoint of the region, which Lambda uses',
  SECRETS_MANAGER_ENDPOINT: 'unset is the AWS endpoint of the region, which Lambda uses',
  S3_FORCE_PATH_STYLE: 'false without an endpoint: virtual-hosted addressing, as AWS wants',
  MAX_UPLOAD_BYTES: 'the app’s 10 MiB matches the POST policy it signs',
  MAX_PIXELS: 'the decoder’s 40-megapixel cap the render memory was sized for',
  MAX_EDGE: 'output size; the same locally and on Lambda',
  RENDER_MEMORY_BYTES: '256 MiB of renders in flight, within render’s 1536 MB (README)',
  RENDER_QUEUE_LENGTH: 'renders waiting for a turn or memory before 503 BUSY; no reason to differ',
  RENDER_CONCURRENCY: 'renders at once, the cores; an instance is sent one request at a time',
  PICTURE_CACHE_BYTES: '32 MiB of decoded pictures kept, within render’s 1536 MB',
  GITHUB_BASE_URL: 'github.com unless -c githubBaseUrl sets it',
  HTTPS_PROXY: 'direct unless -c httpsProxy sets it',
  EVENTS_ACCESS_KEY_ID: 'unused: EVENTS_AUTH=api-gateway-iam, API Gateway checks the signature',
  EVENTS_SECRET_ACCESS_KEY: 'unused, as EVENTS_ACCESS_KEY_ID',
  GITHUB_TOKEN: 'anonymous downloads (public repositories) unless -c githubToken=true',
}

/** Every variable `loadConfig` reads, found by handing it an environment that records reads. */
function variablesRead(): string[] {
  const read = new Set<string>()
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_target, name) => {
      if (typeof name === 'string') read.add(name)
      return undefined
    },
  })
  loadConfig(env)
  return [...read]
}

/**
 * Variables one function does without, each with the reason: unset, the app would use the
 * embedded queue for that work, which is right only where the function never sends it and
 * has no worker for it (so nothing polls it either).
 */
const NOT_NEEDED_ON: Record<Workload, Record<string, string>> = {
  render: {
    ARCHIVES_QUEUE_URL: 'render neither sends push archives nor works them',
    HOOK_SECRETS_KEY: 'render serves no webhook routes: it stores and reads no hook secrets',
  },
  control: {},
}

/** Variables a function's config reads that it is not given and whose default is wrong there. */
function unsetVariables(environment: Record<string, unknown>, workload: Workload): string[] {
  const fromSecret = SECRET_VARIABLES as Record<string, string>
  return variablesRead().filter(
    (name) =>
      !(name in environment) &&
      !(name in fromSecret && fromSecret[name]! in environment) &&
      !(name in LAMBDA_DEFAULTS) &&
      !(name in NOT_NEEDED_ON[workload]),
  )
}

type ImpliedCall = Omit<AwsCall, 'function'> & { function: Principal; resource: string }

interface EventSourceMappingJson {
  Properties: {
    FunctionName: { Ref: string }
    EventSourceArn: unknown
    FunctionResponseTypes?: string[]
  }
}

/** Each event source mapping: the function it invokes and the queue it reads, by its ARN. */
function eventSources(resources: Template, functionIds: Record<Workload, string>) {
  const mappings = resources.findResources('AWS::Lambda::EventSourceMapping') as Record<
    string,
    EventSourceMappingJson
  >
  return Object.values(mappings).map(({ Properties: p }) => ({
    workload: (Object.keys(functionIds) as Workload[]).find(
      (workload) => functionIds[workload] === p.FunctionName.Ref,
    ),
    queueArn: flatten(p.EventSourceArn),
    responseTypes: p.FunctionResponseTypes ?? [],
  }))
}

/** The queue (by the app's name) whose URL a function's environment gives for an ARN. */
function queueOfArn(arn: string, envs: Record<Workload, Record<string, unknown>>) {
  return QUEUES.find((queue) =>
    Object.values(envs).some((env) => {
      const url = env[QUEUE_URL_VARIABLES[queue]]
      return url !== undefined && arnOfRef(flatten(url)) === arn
    }),
  )
}

/**
 * What Lambda does with a consumer's role for its event source mapping: receive the queue's
 * messages, delete those the function did, read the queue's attributes. Written out here, not
 * taken from the stack, so that a grant dropped there fails this check.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions
 */
const EVENT_SOURCE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']

function eventSourceCalls(sources: ReturnType<typeof eventSources>): ImpliedCall[] {
  return sources.flatMap(({ workload, queueArn }) =>
    EVENT_SOURCE_ACTIONS.map((action) => ({
      function: workload ?? 'render',
      route: `event source mapping of ${queueOfArn(queueArn, environments) ?? queueArn}`,
      action,
      resource: queueArn,
    })),
  )
}

interface StateJson {
  Type: string
  Resource?: string
  Parameters?: Record<string, unknown>
  Branches?: { States: Record<string, StateJson> }[]
  ItemProcessor?: { States: Record<string, StateJson> }
  Iterator?: { States: Record<string, StateJson> }
}

/**
 * Each Task state of a state machine in the template, with the function it invokes: its
 * `Resource` (a Lambda ARN), or the `FunctionName` of the `lambda:invoke` integration, after
 * the definition's substitutions.
 */
function taskStates(machine: {
  Properties: { DefinitionString: string; DefinitionSubstitutions?: Record<string, unknown> }
}): { state: string; invokes: string }[] {
  const substitutions = machine.Properties.DefinitionSubstitutions ?? {}
  const substitute = (text: string) =>
    text.replace(/\$\{(\w+)\}/g, (whole, name: string) =>
      name in substitutions ? flatten(substitutions[name]) : whole,
    )
  const walk = (states: Record<string, StateJson>): { state: string; invokes: string }[] =>
    Object.entries(states).flatMap(([name, state]) => [
      ...(state.Type === 'Task' && state.Resource
        ? [
            {
              state: name,
              invokes: substitute(
                /^arn:aws:states:::lambda:invoke/.test(state.Resource)
                  ? String(state.Parameters?.FunctionName ?? '(no FunctionName)')
                  : state.Resource,
              ),
            },
          ]
        : []),
      ...(state.Branches ?? []).flatMap((branch) => walk(branch.States)),
      ...[state.ItemProcessor, state.Iterator].flatMap((inner) =>
        inner ? walk(inner.States) : [],
      ),
    ])
  const definition = JSON.parse(machine.Properties.DefinitionString) as {
    States: Record<string, StateJson>
  }
  return walk(definition.States)
}

/** What the state machine does with its own role: invoke each Task state's function. */
function stateMachineCalls(tasks: ReturnType<typeof taskStates>): ImpliedCall[] {
  return tasks.map(({ state, invokes }) => ({
    function: 'state machine',
    route: `state "${state}"`,
    action: 'lambda:InvokeFunction',
    resource: invokes,
  }))
}

/**
 * What earlier versions kept in the uploads bucket and the control function reads once, as
 * it starts, to move into the records table (`api/src/migrate-records.ts`): it lists each
 * prefix and reads what it finds. The move is recorded too (`migration <name>`), as far as
 * the tests' old records reach; these are every prefix it may read, whatever they hold.
 */
const MIGRATION_READS: AwsCall[] = [
  ...['hooks/', 'webhooks/', 'jobs/', 'events/', 'app/'].map((prefix) => ({
    function: 'control' as const,
    route: 'migration from S3',
    action: 's3:ListBucket',
    bucket: 'uploads' as const,
    prefix,
  })),
  ...[
    'hooks/*.json',
    'webhooks/*/hook.json',
    'webhooks/*/deliveries/*.json',
    'jobs/*.json',
    'events/*.json',
    'app/notifications.json',
  ].map((key) => ({
    function: 'control' as const,
    route: 'migration from S3',
    action: 's3:GetObject',
    bucket: 'uploads' as const,
    key,
  })),
]

/**
 * What saved templates make the render function do (api `plugins/app/templates.ts`), written
 * out so the grants are checked whatever the fixture holds: POST /api/templates reads the
 * upload, writes the picture and thumbnail under `templates/<id>/` and creates the record;
 * PUT edits it; DELETE removes it (a conditional DeleteItem), then the objects; POST /api/meme
 * by template id reads the record and the picture.
 */
const SAVED_TEMPLATE_CALLS: AwsCall[] = [
  ...(['uploads/*.jpg', 'uploads/*.gif'] as const).map((key) => ({
    function: 'render' as const,
    route: 'POST /api/templates',
    action: 's3:GetObject',
    bucket: 'uploads' as const,
    key,
  })),
  ...(['s3:PutObject', 's3:DeleteObject'] as const).flatMap((action) =>
    ['templates/*/1.jpg', 'templates/*/1.png', 'templates/*/1.thumb.webp'].map((key) => ({
      function: 'render' as const,
      route: 'POST /api/templates',
      action,
      bucket: 'uploads' as const,
      key,
    })),
  ),
  ...(
    ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'] as const
  ).map((action) => ({
    function: 'render' as const,
    route: 'saved templates',
    action,
    table: 'records' as const,
  })),
  {
    function: 'render',
    route: 'POST /api/meme',
    action: 's3:GetObject',
    bucket: 'uploads',
    key: 'templates/*/1.jpg',
  },
]

let appStack: AppStack
let storage: StorageStack
let template: Template
let policies: Record<Principal, PolicyStatementJson[]>
let environments: Record<Workload, Record<string, unknown>>
let functionIds: Record<Workload, string>
let uploadRules: LifecycleRule[]
let stateMachine: {
  Properties: {
    DefinitionString: string
    DefinitionSubstitutions?: Record<string, unknown>
    StateMachineName: string
  }
}

beforeAll(() => {
  // Every option that hands a function more (the GitHub token) is on: the recorded calls
  // include what those options enable.
  ;({ appStack, storage } = buildTestApp({ githubToken: 'true' }))
  template = Template.fromStack(appStack)
  const functions = template.findResources('AWS::Lambda::Function')
  const environmentOf = (workload: Workload) =>
    (
      functions[logicalIdOf(appStack.functions[workload])] as {
        Properties: { Environment: { Variables: Record<string, unknown> } }
      }
    ).Properties.Environment.Variables
  policies = {
    render: roleStatements(template, appStack.functions.render),
    control: roleStatements(template, appStack.functions.control),
    'state machine': roleStatementsOf(template, appStack.discordDelivery.stateMachine.role),
  }
  environments = { render: environmentOf('render'), control: environmentOf('control') }
  functionIds = {
    render: logicalIdOf(appStack.functions.render),
    control: logicalIdOf(appStack.functions.control),
  }
  stateMachine = template.findResources('AWS::StepFunctions::StateMachine')[
    appStack.getLogicalId(appStack.discordDelivery.stateMachine.node.defaultChild as never)
  ] as typeof stateMachine
  const storageTemplate = Template.fromStack(storage)
  const uploads = storageTemplate.findResources('AWS::S3::Bucket')[
    storage.getLogicalId(storage.uploadBucket.node.defaultChild as never)
  ] as { Properties: { LifecycleConfiguration: { Rules: LifecycleRule[] } } }
  uploadRules = uploads.Properties.LifecycleConfiguration.Rules
})

describe('permissions: every recorded AWS call is allowed by its function’s role', () => {
  it('has recordings from both functions, of every service, from requests, workers and tasks', () => {
    expect(new Set(calls.map((c) => c.function))).toEqual(new Set(['render', 'control']))
    for (const action of [
      'secretsmanager:GetSecretValue',
      's3:ListBucket',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'sqs:SendMessage',
      'states:StartExecution',
    ]) {
      expect(
        calls.some((c) => c.action === action),
        action,
      ).toBe(true)
    }
    for (const route of ['queue jobs', 'queue archives', 'discord task ']) {
      expect(
        calls.some((c) => c.route.startsWith(route)),
        route,
      ).toBe(true)
    }
  })

  it('allows each call', () => {
    expect(deniedCalls(calls, policies, environments)).toEqual([])
  })

  it('gives a worker’s calls to the function its queue’s mapping invokes, a task’s to the state machine’s', () => {
    const sources = eventSources(template, functionIds)
    const consumerOf = (queue: QueueName) =>
      sources.find((source) => queueOfArn(source.queueArn, environments) === queue)?.workload
    const taskFunctions = new Set(
      taskStates(stateMachine).map(({ invokes }) =>
        (Object.keys(functionIds) as Workload[]).find(
          (workload) => invokes === `{${functionIds[workload]}.Arn}`,
        ),
      ),
    )
    const misplaced = calls.flatMap((call) => {
      const queue = /^queue (\w+)$/.exec(call.route)?.[1] as QueueName | undefined
      if (queue && consumerOf(queue) !== call.function) {
        return [
          `${call.route} is recorded as ${call.function}'s, but ${consumerOf(queue) ?? 'no function'} consumes ${queue}`,
        ]
      }
      if (call.route.startsWith('discord task ') && !taskFunctions.has(call.function)) {
        return [
          `${call.route} is recorded as ${call.function}'s, but the state machine invokes ${[...taskFunctions].join(', ')}`,
        ]
      }
      return []
    })
    expect(misplaced).toEqual([])
  })

  it('lets Lambda receive and delete each queue’s messages with its consumer’s role', () => {
    const sources = eventSources(template, functionIds)
    expect(sources.map((source) => queueOfArn(source.queueArn, environments)).sort()).toEqual(
      [...QUEUES].sort(),
    )
    for (const source of sources) expect(source.responseTypes).toEqual(['ReportBatchItemFailures'])
    expect(deniedCalls(eventSourceCalls(sources), policies, environments)).toEqual([])
  })

  it('lets the state machine invoke the control function, and nothing else', () => {
    const tasks = taskStates(stateMachine)
    expect(tasks.length).toBeGreaterThan(0)
    expect(new Set(tasks.map((task) => task.invokes))).toEqual(
      new Set([`{${functionIds.control}.Arn}`]),
    )
    expect(Object.keys(stateMachine.Properties.DefinitionSubstitutions ?? {})).toEqual([
      DELIVERY_FUNCTION_SUBSTITUTION,
    ])
    expect(deniedCalls(stateMachineCalls(tasks), policies, environments)).toEqual([])
    const invokes = policies['state machine'].filter((statement) =>
      [statement.Action].flat().some((action) => action.startsWith('lambda:')),
    )
    expect(invokes.flatMap((statement) => [statement.Resource].flat().map(flatten))).toEqual([
      `{${functionIds.control}.Arn}`,
    ])
  })

  it('lets control read what the one-time move from S3 reads', () => {
    expect(deniedCalls(MIGRATION_READS, policies, environments)).toEqual([])
  })

  it('lets render save, edit, delete and draw on saved templates', () => {
    expect(deniedCalls(SAVED_TEMPLATE_CALLS, policies, environments)).toEqual([])
    // Not by chance: without templates/ in its delete grant, a deleted template's pictures stay.
    const withoutTemplateDeletes = {
      ...policies,
      render: policies.render.map((statement) =>
        statement.Sid === 'DeleteAppObjects'
          ? {
              ...statement,
              Resource: [statement.Resource]
                .flat()
                .filter((r) => !flatten(r).includes('/templates/')),
            }
          : statement,
      ),
    }
    const deletes = SAVED_TEMPLATE_CALLS.filter((call) => call.action === 's3:DeleteObject')
    expect(deniedCalls(deletes, withoutTemplateDeletes, environments)).toHaveLength(deletes.length)
  })

  it('fails, naming the call and what is missing, when a grant is taken away', () => {
    // Calls of each kind the api makes, written out so the check is shown failing whatever
    // the fixture holds.
    const sendJob: AwsCall = {
      function: 'control',
      route: 'POST /api/jobs',
      action: 'sqs:SendMessage',
      queue: 'jobs',
    }
    const putRecord: AwsCall = {
      function: 'render',
      route: 'queue jobs',
      action: 'dynamodb:PutItem',
      table: 'records',
    }
    const startDelivery: AwsCall = {
      function: 'render',
      route: 'POST /api/shares',
      action: 'states:StartExecution',
      stateMachine: 'discord-delivery',
    }
    const deleteHook: AwsCall = {
      function: 'control',
      route: 'DELETE /api/admin/webhooks/:hookId',
      action: 's3:DeleteObject',
      bucket: 'uploads',
      key: 'hooks/*.json',
    }
    const without = (workload: Workload, sid: string) => ({
      ...policies,
      [workload]: policies[workload].filter((statement) => statement.Sid !== sid),
    })
    expect(deniedCalls([sendJob, putRecord, startDelivery], policies, environments)).toEqual([])

    expect(deniedCalls([sendJob], without('control', 'SendJobs'), environments)).toEqual([
      `control role denies sqs:SendMessage on {${logicalIdOf(appStack.queues.jobs.queue)}.Arn} ` +
        "(POST /api/jobs, recorded jobs): statements with sqs:SendMessage don't match: " +
        `SendArchives: resource: grants {${logicalIdOf(appStack.queues.archives.queue)}.Arn}`,
    ])
    const putless = {
      ...policies,
      render: policies.render.map((statement) =>
        statement.Sid === 'ReadWriteRecords'
          ? {
              ...statement,
              Action: [statement.Action].flat().filter((a) => a !== 'dynamodb:PutItem'),
            }
          : statement,
      ),
    }
    expect(deniedCalls([putRecord], putless, environments)).toEqual([
      expect.stringMatching(
        /^render role denies dynamodb:PutItem on \{Records\w+\.Arn\} \(queue jobs, recorded records\): no statement grants dynamodb:PutItem$/,
      ),
    ])
    expect(
      deniedCalls([startDelivery], without('render', 'StartDiscordDelivery'), environments),
    ).toEqual([
      expect.stringMatching(
        /^render role denies states:StartExecution on arn:aws:states:\{AWS::Region\}:\{AWS::AccountId\}:stateMachine:meme-studio-dev-discord-delivery/,
      ),
    ])
    // A variable gone is a call to nowhere the role could allow.
    const noQueueUrl = {
      ...environments,
      control: Object.fromEntries(
        Object.entries(environments.control).filter(([name]) => name !== 'JOBS_QUEUE_URL'),
      ),
    }
    expect(deniedCalls([sendJob], policies, noQueueUrl)[0]).toMatch(
      /^control role denies sqs:SendMessage on \(no JOBS_QUEUE_URL in the environment\).*SendJobs: resource: grants \{JobsQueue\w+\.Arn\}/,
    )

    const withoutHookDeletes = {
      ...policies,
      control: policies.control.map((statement) =>
        statement.Sid === 'DeleteAppObjects'
          ? {
              ...statement,
              Resource: [statement.Resource].flat().filter((r) => !flatten(r).includes('/hooks/')),
            }
          : statement,
      ),
    }
    const denied = deniedCalls([deleteHook], withoutHookDeletes, environments)
    expect(denied[0] ?? '').toMatch(
      /^control role denies s3:DeleteObject on arn:aws:s3:::uploads\/hooks\/|no statement grants s3:DeleteObject/,
    )

    const consumeless = without('render', 'ConsumeJobs')
    expect(
      deniedCalls(eventSourceCalls(eventSources(template, functionIds)), consumeless, environments),
    ).toEqual(
      EVENT_SOURCE_ACTIONS.map(
        (action) =>
          `render role denies ${action} on {${logicalIdOf(appStack.queues.jobs.queue)}.Arn} ` +
          `(event source mapping of jobs): no statement grants ${action}`,
      ),
    )
    const uninvoked = {
      ...policies,
      'state machine': policies['state machine'].filter(
        (statement) => statement.Sid !== 'InvokeDeliveryFunction',
      ),
    }
    expect(
      deniedCalls(stateMachineCalls(taskStates(stateMachine)), uninvoked, environments)[0],
    ).toMatch(
      /^state machine role denies lambda:InvokeFunction on \{ControlFunction\w+\.Arn\} \(state "[^"]+"\): no statement grants lambda:InvokeFunction$/,
    )
  })
})

describe('lifecycle: nothing that must last sits under an expiring rule', () => {
  const written = () =>
    calls.filter((c) => c.action === 's3:PutObject' && c.bucket === 'uploads').map((c) => c.key!)

  it('keeps hooks/ and app/ and expires only what may expire', () => {
    expect(lifecycleViolations(uploadRules, written())).toEqual([])
  })

  it('fails when a rule would expire lasting records', () => {
    const rules = [
      ...uploadRules,
      { Id: 'expire-hooks', Status: 'Enabled', Prefix: 'hooks/', ExpirationInDays: 30 },
    ]
    expect(lifecycleViolations(rules, written())).toEqual([
      'hooks/ must last, but rule expire-hooks expires hooks/ after 30 days',
    ])
    const wholeBucket = [
      ...uploadRules,
      { Id: 'expire-all', Status: 'Enabled', ExpirationInDays: 90 },
    ]
    expect(lifecycleViolations(wholeBucket, written())).toHaveLength(LASTING_PREFIXES.length)
  })
})

describe('environment: every variable the config reads is set on Lambda or right by default', () => {
  it.each(['render', 'control'] as const)('%s', (workload) => {
    expect(unsetVariables(environments[workload], workload)).toEqual([])
  })

  it('lists only variables the config reads, and keeps PUBLIC_ORIGIN, buckets and engines off the list', () => {
    const read = variablesRead()
    for (const name of Object.keys(LAMBDA_DEFAULTS)) expect(read).toContain(name)
    for (const names of Object.values(NOT_NEEDED_ON)) {
      for (const name of Object.keys(names)) expect(read).toContain(name)
    }
    for (const name of [
      'PUBLIC_ORIGIN',
      'S3_BUCKET',
      'ARCHIVE_BUCKET',
      'S3_REGION',
      'RECORDS_TABLE',
      'JOBS_QUEUE_URL',
      'ARCHIVES_QUEUE_URL',
      'EVENTS_STATE_MACHINE_ARN',
      'QUEUE_VISIBILITY_SECONDS',
      'QUEUE_MAX_RECEIVES',
    ]) {
      expect(read).toContain(name)
      expect(LAMBDA_DEFAULTS).not.toHaveProperty(name)
    }
  })

  it('fails when a variable is taken away', () => {
    const without = (name: string) =>
      Object.fromEntries(Object.entries(environments.control).filter(([key]) => key !== name))
    expect(unsetVariables(without('PUBLIC_ORIGIN'), 'control')).toEqual(['PUBLIC_ORIGIN'])
    expect(unsetVariables(without('ADMIN_API_KEYS_SECRET_ARN'), 'control')).toEqual([
      'ADMIN_API_KEYS',
    ])
    for (const name of ['RECORDS_TABLE', 'EVENTS_STATE_MACHINE_ARN', 'ARCHIVES_QUEUE_URL']) {
      expect(unsetVariables(without(name), 'control')).toEqual([name])
    }
  })

  it('names the stack’s own table, queues and state machine', () => {
    const table = `{${logicalIdOf(storage.recordsTable)}}`
    const stateMachineArn = flatten(appStack.resolve(appStack.discordDelivery.stateMachineArn))
    expect(stateMachineArn).toMatch(
      new RegExp(`:stateMachine:${stateMachine.Properties.StateMachineName}$`),
    )
    for (const workload of ['render', 'control'] as const) {
      const env = environments[workload]
      expect(flatten(env.RECORDS_TABLE)).toBe(table)
      expect(flatten(env.EVENTS_STATE_MACHINE_ARN)).toBe(stateMachineArn)
      for (const queue of QUEUES) {
        const url = env[QUEUE_URL_VARIABLES[queue]]
        if (url === undefined) continue
        expect(flatten(url)).toBe(`{${logicalIdOf(appStack.queues[queue].queue)}}`)
      }
    }
  })

  it('gives each consumer its queue’s visibility timeout and every function the receive count', () => {
    const queues = template.findResources('AWS::SQS::Queue') as Record<
      string,
      { Properties: { VisibilityTimeout?: number; RedrivePolicy?: { maxReceiveCount: number } } }
    >
    for (const source of eventSources(template, functionIds)) {
      const id = /^\{(\w+)\.Arn\}$/.exec(source.queueArn)?.[1] ?? ''
      const env = environments[source.workload!]
      expect(env.QUEUE_VISIBILITY_SECONDS).toBe(String(queues[id]?.Properties.VisibilityTimeout))
    }
    for (const queue of QUEUES) {
      const props = queues[logicalIdOf(appStack.queues[queue].queue)]!.Properties
      expect(props.RedrivePolicy?.maxReceiveCount).toBe(MAX_RECEIVE_COUNT)
      for (const workload of ['render', 'control'] as const) {
        expect(environments[workload].QUEUE_MAX_RECEIVES).toBe(String(MAX_RECEIVE_COUNT))
      }
    }
  })
})

describe('links: PUBLIC_ORIGIN is the site’s URL', () => {
  it.each(['render', 'control'] as const)('%s links to the CloudFront domain', (workload) => {
    const siteUrl = template.findOutputs('SiteUrl').SiteUrl?.Value as unknown
    expect(environments[workload].PUBLIC_ORIGIN).toEqual(siteUrl)
    expect(flatten(siteUrl)).toMatch(/^https:\/\/\{WebDistribution\w+\.DomainName\}$/)
  })

  it('links to the custom domain when one is set', () => {
    const { appStack: custom } = buildTestApp(DOMAIN_WITH_ZONE)
    const customTemplate = Template.fromStack(custom)
    const functions = customTemplate.findResources('AWS::Lambda::Function')
    customTemplate.hasOutput('SiteUrl', { Value: 'https://memes.example.com' })
    for (const workload of ['render', 'control'] as const) {
      const fn = functions[logicalIdOf(custom.functions[workload])] as {
        Properties: { Environment: { Variables: Record<string, unknown> } }
      }
      expect(fn.Properties.Environment.Variables.PUBLIC_ORIGIN).toBe('https://memes.example.com')
    }
  })
})
