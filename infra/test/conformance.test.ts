/**
 * The stack checked against what the app does, so a grant, a lifecycle rule or a variable the
 * app needs can't go missing unnoticed:
 * - permissions: every AWS call the api's tests recorded (`fixtures/aws-calls.json`, written by
 *   the api suite) against the synthesized IAM policy of the function that serves its route;
 * - lifecycle: no lasting record under an expiring rule;
 * - environment: every variable the api's `loadConfig` reads is set on each function, comes
 *   from a secret, or has a default that is right on Lambda;
 * - links: `PUBLIC_ORIGIN` is the site's URL, the custom domain's when there is one.
 * Each check is a pure function, and each is also run against a stack with one thing taken
 * away, to show it fails and says what is missing.
 */
import { readFileSync } from 'node:fs'
import { Template } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../api/src/config.ts'
import { SECRET_VARIABLES } from '../../api/src/lambda-secrets.ts'
import type { Workload } from '../lib/api-bundling.ts'
import type { AppStack } from '../lib/app-stack.ts'
import type { StorageStack } from '../lib/storage-stack.ts'
import {
  buildTestApp,
  DOMAIN_WITH_ZONE,
  logicalIdOf,
  roleStatements,
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
}

const calls = JSON.parse(
  readFileSync(new URL('fixtures/aws-calls.json', import.meta.url), 'utf8'),
) as AwsCall[]

/** Stands in for an id the recording generalised to `*`. */
const SAMPLE_ID = 'a1b2c3d4-0000-4000-8000-00000000000f'

/**
 * A template value as a string: refs and attributes as `{LogicalId}` / `{LogicalId.Attr}`,
 * the partition as `aws`, and the storage stack's exported bucket ARNs as
 * `arn:aws:s3:::uploads` / `arn:aws:s3:::archives`, the names the recordings use.
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
    const bucket = /FnGetAtt(Uploads|Archives)[0-9A-F]{8}Arn/.exec(String(v['Fn::ImportValue']))
    if (bucket) return `arn:aws:s3:::${bucket[1]!.toLowerCase()}`
  }
  throw new Error(`cannot read ${JSON.stringify(value)}`)
}

/** IAM's `*` and `?` wildcards. @see https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html */
function wildcardMatches(pattern: string, value: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.')
  return new RegExp(`^${source}$`).test(value)
}

/** The request a call makes, as IAM sees it: action, resource ARN, condition keys. */
function requestOf(call: AwsCall, environment: Record<string, unknown>) {
  const concrete = (text: string) => text.replaceAll('*', SAMPLE_ID)
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

/** Each recorded call the function's policy would deny, with what the policy lacks. */
function deniedCalls(
  recorded: AwsCall[],
  policies: Record<Workload, PolicyStatementJson[]>,
  environments: Record<Workload, Record<string, unknown>>,
): string[] {
  return recorded.flatMap((call) => {
    const statements = policies[call.function]
    const request = requestOf(call, environments[call.function])
    const verdicts = statements.map((s) => ({ s, why: mismatch(s, call.action, request) }))
    const denied = verdicts.some(({ s, why }) => s.Effect === 'Deny' && why === undefined)
    if (!denied && verdicts.some(({ s, why }) => s.Effect === 'Allow' && why === undefined))
      return []
    const near = verdicts
      .filter(({ why }) => why !== 'action')
      .map(({ s, why }) => `${s.Sid ?? '(no Sid)'}: ${why ?? 'a Deny matches'}`)
    const target = call.key ?? call.prefix ?? call.secret
    return [
      `${call.function} role denies ${call.action} on ${request.resource} ` +
        `(${call.route}, recorded ${target})${Object.keys(request.conditions).length ? ` with ${JSON.stringify(request.conditions)}` : ''}: ` +
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
 * Prefixes whose records must last: hooks (settings and secrets GitHub's deliveries need) and
 * the app's settings. Every other prefix the app writes must be one an expiring rule covers.
 */
const LASTING_PREFIXES = ['hooks/', 'app/']

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
  LOG_LEVEL: 'INFO is what the functions should log',
  S3_ENDPOINT: 'unset is the AWS endpoint of S3_REGION, which is what Lambda uses',
  SECRETS_MANAGER_ENDPOINT: 'unset is the AWS endpoint of the region, which Lambda uses',
  S3_FORCE_PATH_STYLE: 'false without an endpoint: virtual-hosted addressing, as AWS wants',
  MAX_UPLOAD_BYTES: 'the app’s 10 MiB matches the POST policy it signs',
  MAX_PIXELS: 'the decoder’s 40-megapixel cap the render memory was sized for',
  MAX_EDGE: 'output size; the same locally and on Lambda',
  RENDER_MEMORY_BYTES: '256 MiB of renders in flight, within render’s 1536 MB (README)',
  RENDER_QUEUE_LENGTH: 'renders waiting for memory before 503 BUSY; no reason to differ',
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

/** Variables a function's config reads that it is not given and whose default is wrong there. */
function unsetVariables(environment: Record<string, unknown>): string[] {
  const fromSecret = SECRET_VARIABLES as Record<string, string>
  return variablesRead().filter(
    (name) =>
      !(name in environment) &&
      !(name in fromSecret && fromSecret[name]! in environment) &&
      !(name in LAMBDA_DEFAULTS),
  )
}

let appStack: AppStack
let storage: StorageStack
let template: Template
let policies: Record<Workload, PolicyStatementJson[]>
let environments: Record<Workload, Record<string, unknown>>
let uploadRules: LifecycleRule[]

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
  }
  environments = { render: environmentOf('render'), control: environmentOf('control') }
  const storageTemplate = Template.fromStack(storage)
  const uploads = storageTemplate.findResources('AWS::S3::Bucket')[
    storage.getLogicalId(storage.uploadBucket.node.defaultChild as never)
  ] as { Properties: { LifecycleConfiguration: { Rules: LifecycleRule[] } } }
  uploadRules = uploads.Properties.LifecycleConfiguration.Rules
})

describe('permissions: every recorded AWS call is allowed by its function’s role', () => {
  it('has recordings from both functions, of S3 and Secrets Manager', () => {
    expect(new Set(calls.map((c) => c.function))).toEqual(new Set(['render', 'control']))
    expect(calls.some((c) => c.action === 'secretsmanager:GetSecretValue')).toBe(true)
    expect(calls.some((c) => c.action === 's3:ListBucket')).toBe(true)
  })

  it('allows each call', () => {
    expect(deniedCalls(calls, policies, environments)).toEqual([])
  })

  it('fails, naming the call and what is missing, when a grant is taken away', () => {
    const withoutHookDeletes = {
      ...policies,
      control: policies.control.map((s) =>
        s.Sid === 'DeleteAppObjects'
          ? { ...s, Resource: [s.Resource].flat().filter((r) => !flatten(r).includes('/hooks/')) }
          : s,
      ),
    }
    const denied = deniedCalls(calls, withoutHookDeletes, environments)
    expect(denied.length).toBeGreaterThan(0)
    expect(denied[0]).toMatch(
      /^control role denies s3:DeleteObject on arn:aws:s3:::uploads\/hooks\//,
    )
    expect(denied[0]).toMatch(/DeleteAppObjects: resource: grants/)
    const withoutHealthList = {
      ...policies,
      control: policies.control.map((s) =>
        s.Sid === 'ListAppPrefixes'
          ? { ...s, Condition: { StringLike: { 's3:prefix': ['hooks/*', 'webhooks/*'] } } }
          : s,
      ),
    }
    expect(deniedCalls(calls, withoutHealthList, environments).join('\n')).toMatch(
      /denies s3:ListBucket on arn:aws:s3:::uploads .*"s3:prefix":"app\/".*condition StringLike s3:prefix/,
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
    expect(unsetVariables(environments[workload])).toEqual([])
  })

  it('lists only variables the config reads, and keeps PUBLIC_ORIGIN and buckets off the list', () => {
    const read = variablesRead()
    for (const name of Object.keys(LAMBDA_DEFAULTS)) expect(read).toContain(name)
    for (const name of ['PUBLIC_ORIGIN', 'S3_BUCKET', 'ARCHIVE_BUCKET', 'S3_REGION']) {
      expect(read).toContain(name)
      expect(LAMBDA_DEFAULTS).not.toHaveProperty(name)
    }
  })

  it('fails when a variable is taken away', () => {
    const without = (name: string) =>
      Object.fromEntries(Object.entries(environments.control).filter(([key]) => key !== name))
    expect(unsetVariables(without('PUBLIC_ORIGIN'))).toEqual(['PUBLIC_ORIGIN'])
    expect(unsetVariables(without('ADMIN_API_KEYS_SECRET_ARN'))).toEqual(['ADMIN_API_KEYS'])
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
