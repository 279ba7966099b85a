import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runInNewContext } from 'node:vm'
import { Stack } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import type { CfnBucket } from 'aws-cdk-lib/aws-s3'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  API_PATH_PATTERNS,
  FRAME_OPTIONS,
  REFERRER_POLICY,
  sitePolicy,
  STRICT_TRANSPORT_SECURITY,
} from '../../api/src/pages/security-headers.ts'
import { buildTestApp } from './app-fixture.ts'

/** CloudFront's managed policies, by the ids AWS publishes. */
const cachingDisabled = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad'
const allViewerExceptHostHeader = 'b689b0a8-53d0-40ab-baf2-68738e2966ac'
const allMethods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']

interface Origin {
  Id: string
  DomainName: unknown
  OriginAccessControlId?: unknown
  S3OriginConfig?: unknown
  CustomOriginConfig?: { OriginProtocolPolicy: string }
}
interface Behavior {
  PathPattern?: string
  TargetOriginId: string
  AllowedMethods: string[]
  CachePolicyId: string
  OriginRequestPolicyId?: string
  ViewerProtocolPolicy: string
  FunctionAssociations?: { EventType: string; FunctionARN: { 'Fn::GetAtt': [string, string] } }[]
  ResponseHeadersPolicyId: { Ref: string }
}
interface DistributionConfig {
  Origins: Origin[]
  DefaultCacheBehavior: Behavior
  CacheBehaviors: Behavior[]
  CustomErrorResponses?: unknown
  Aliases?: string[]
}

let template: Template
let config: DistributionConfig
let uploadsId: string

function originOf(behavior: Behavior): Origin {
  const origin = config.Origins.find((candidate) => candidate.Id === behavior.TargetOriginId)
  if (!origin) throw new Error(`no origin ${behavior.TargetOriginId}`)
  return origin
}

function headersPolicy(behavior: Behavior): Record<string, unknown> {
  const policy = template.findResources('AWS::CloudFront::ResponseHeadersPolicy')[
    behavior.ResponseHeadersPolicyId.Ref
  ] as { Properties: { ResponseHeadersPolicyConfig: { SecurityHeadersConfig: object } } }
  return policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig as Record<
    string,
    unknown
  >
}

beforeAll(() => {
  const { appStack: web, storage } = buildTestApp()
  template = Template.fromStack(web)
  const distributions = Object.values(template.findResources('AWS::CloudFront::Distribution'))
  expect(distributions).toHaveLength(1)
  config = (distributions[0] as { Properties: { DistributionConfig: DistributionConfig } })
    .Properties.DistributionConfig
  uploadsId = Stack.of(storage).getLogicalId(storage.uploadBucket.node.defaultChild as CfnBucket)
})

describe('web stack', () => {
  it('serves the SPA from a private bucket through origin access control', () => {
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    })
    const site = originOf(config.DefaultCacheBehavior)
    expect(site.OriginAccessControlId).toBeDefined()
    expect(site.S3OriginConfig).toEqual({ OriginAccessIdentity: '' })
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    })
    // Only CloudFront, for this distribution, may read the site's files.
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    })
  })

  it('caches memes by URL at the edge, first, keyed on the path and the image options only', () => {
    expect(config.CacheBehaviors[0]?.PathPattern).toBe('/api/images/*')
    const behavior = config.CacheBehaviors[0]!
    expect(behavior).toMatchObject({
      AllowedMethods: ['GET', 'HEAD'],
      OriginRequestPolicyId: allViewerExceptHostHeader,
      ViewerProtocolPolicy: 'redirect-to-https',
    })
    expect(JSON.stringify(originOf(behavior).DomainName)).toContain('.execute-api.')
    const policyId = (behavior.CachePolicyId as unknown as { Ref: string }).Ref
    const policy = template.findResources('AWS::CloudFront::CachePolicy')[policyId]
    expect(policy?.Properties.CachePolicyConfig).toMatchObject({
      // The API's Cache-Control decides (a year, immutable; errors no-store).
      DefaultTTL: 0,
      MinTTL: 0,
      MaxTTL: 31536000,
      ParametersInCacheKeyAndForwardedToOrigin: {
        CookiesConfig: { CookieBehavior: 'none' },
        HeadersConfig: { HeaderBehavior: 'none' },
        QueryStringsConfig: {
          QueryStringBehavior: 'whitelist',
          QueryStrings: ['width', 'height', 'font', 'color', 'layout', 'background', 'v'],
        },
      },
    })
  })

  it("caches shares' images at the edge, before /api/*, keyed on the path alone", () => {
    const patterns = config.CacheBehaviors.map((behavior) => behavior.PathPattern)
    expect(patterns.indexOf('/api/shares/*/image')).toBeLessThan(patterns.indexOf('/api/*'))
    const behavior = config.CacheBehaviors.find(
      (candidate) => candidate.PathPattern === '/api/shares/*/image',
    )!
    expect(behavior).toMatchObject({
      AllowedMethods: ['GET', 'HEAD'],
      OriginRequestPolicyId: allViewerExceptHostHeader,
      ViewerProtocolPolicy: 'redirect-to-https',
    })
    expect(JSON.stringify(originOf(behavior).DomainName)).toContain('.execute-api.')
    const policyId = (behavior.CachePolicyId as unknown as { Ref: string }).Ref
    const policy = template.findResources('AWS::CloudFront::CachePolicy')[policyId]
    expect(policy?.Properties.CachePolicyConfig).toMatchObject({
      // The API's Cache-Control decides (a year, immutable; errors no-store).
      DefaultTTL: 0,
      MinTTL: 0,
      MaxTTL: 31536000,
      ParametersInCacheKeyAndForwardedToOrigin: {
        CookiesConfig: { CookieBehavior: 'none' },
        HeadersConfig: { HeaderBehavior: 'none' },
        QueryStringsConfig: { QueryStringBehavior: 'none' },
      },
    })
    // CloudFront's `*` is any run of characters: the image's path, not the share's JSON.
    const matches = (path: string) =>
      new RegExp(`^${(behavior.PathPattern ?? '').split('*').map(escapeRegExp).join('.*')}$`).test(
        path,
      )
    expect(matches('/api/shares/AbC_-09xYzAbC_-09xYzAb/image')).toBe(true)
    expect(matches('/api/shares/AbC_-09xYzAbC_-09xYzAb')).toBe(false)
    expect(matches('/api/shares')).toBe(false)
  })

  it.each(['/api/*', '/m/*'])('sends %s to the API, uncached, with every method', (path) => {
    const behavior = config.CacheBehaviors.find((candidate) => candidate.PathPattern === path)
    expect(behavior).toBeDefined()
    if (!behavior) return
    expect(behavior).toMatchObject({
      AllowedMethods: allMethods,
      CachePolicyId: cachingDisabled,
      OriginRequestPolicyId: allViewerExceptHostHeader,
      ViewerProtocolPolicy: 'redirect-to-https',
    })
    const api = originOf(behavior)
    expect(api.CustomOriginConfig?.OriginProtocolPolicy).toBe('https-only')
    expect(JSON.stringify(api.DomainName)).toContain('.execute-api.')
    expect(behavior.FunctionAssociations).toBeUndefined()
  })

  it('sends everything else to the site bucket, and only GET, HEAD and OPTIONS', () => {
    expect(config.CacheBehaviors.map((behavior) => behavior.PathPattern).sort()).toEqual([
      '/api/*',
      '/api/images/*',
      '/api/shares/*/image',
      '/m/*',
    ])
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD', 'OPTIONS'])
    expect(originOf(config.DefaultCacheBehavior).S3OriginConfig).toBeDefined()
  })

  it('answers / with index.html, other client-side routes with app.html, and leaves files alone', () => {
    // Distribution-wide error pages would also rewrite the API's own 403 and 404 answers.
    expect(config.CustomErrorResponses).toBeUndefined()
    const [association] = config.DefaultCacheBehavior.FunctionAssociations ?? []
    expect(association?.EventType).toBe('viewer-request')
    const fn = template.findResources('AWS::CloudFront::Function')[
      association?.FunctionARN['Fn::GetAtt'][0] ?? ''
    ] as { Properties: { FunctionCode: string; FunctionConfig: { Runtime: string } } }
    expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0')
    const handler = runInNewContext(`${fn.Properties.FunctionCode}; handler`) as (event: {
      request: { uri: string }
    }) => { uri: string }
    const served = (uri: string) => handler({ request: { uri } }).uri
    expect(served('/')).toBe('/index.html')
    expect(served('/admin')).toBe('/app.html')
    expect(served('/admin/webhooks')).toBe('/app.html')
    expect(served('/admin/')).toBe('/app.html')
    expect(served('/index.html')).toBe('/index.html')
    expect(served('/assets/index-3f2a.js')).toBe('/assets/index-3f2a.js')
    expect(served('/favicon.ico')).toBe('/favicon.ico')
  })

  it('sends the SPA with HSTS, nosniff, no framing and a CSP naming the upload bucket', () => {
    const headers = headersPolicy(config.DefaultCacheBehavior)
    expect(headers).toMatchObject({
      StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ContentSecurityPolicy: { Override: true },
    })
    const csp = JSON.stringify(headers.ContentSecurityPolicy)
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain(`ExportsOutputFnGetAtt${uploadsId}RegionalDomainName`)
    expect(csp).toContain("font-src 'self'")
  })

  it('sends exactly the headers the app sends itself (api/src/pages/security-headers.ts)', () => {
    // The CSP names the bucket through CloudFormation tokens: each becomes «token».
    const text = (value: unknown): string =>
      typeof value === 'string'
        ? value
        : Array.isArray((value as { 'Fn::Join'?: unknown })['Fn::Join'])
          ? ((value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] ?? [])
              .map(text)
              .join((value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][0])
          : '«token»'
    const expected = {
      StrictTransportSecurity: {
        AccessControlMaxAgeSec: STRICT_TRANSPORT_SECURITY.maxAgeSeconds,
        IncludeSubdomains: STRICT_TRANSPORT_SECURITY.includeSubdomains,
        Override: true,
      },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: FRAME_OPTIONS, Override: true },
      ReferrerPolicy: { ReferrerPolicy: REFERRER_POLICY, Override: true },
    }
    const site = headersPolicy(config.DefaultCacheBehavior)
    const { ContentSecurityPolicy: csp, ...siteRest } = site as {
      ContentSecurityPolicy: { ContentSecurityPolicy: unknown; Override: boolean }
    }
    expect(siteRest).toEqual(expected)
    expect(csp.Override).toBe(true)
    expect(text(csp.ContentSecurityPolicy)).toBe(sitePolicy(['https://«token»', 'https://«token»']))
    // The API's paths, the app's list: the policy without a CSP on each.
    expect(config.CacheBehaviors.map((behavior) => behavior.PathPattern)).toEqual([
      '/api/images/*',
      '/api/shares/*/image',
      ...API_PATH_PATTERNS,
    ])
    for (const behavior of config.CacheBehaviors) expect(headersPolicy(behavior)).toEqual(expected)
  })

  it('lets the SPA post to, fetch from and show images from the upload bucket only', () => {
    const policy = sitePolicy(['https://uploads.s3.eu-west-1.amazonaws.com'])
    const directives = Object.fromEntries(
      policy.split('; ').map((directive) => {
        const [name, ...sources] = directive.split(' ')
        return [name, sources]
      }),
    )
    expect(directives).toMatchObject({
      'default-src': ["'self'"],
      'script-src': ["'self'"],
      'connect-src': ["'self'", 'blob:', 'https://uploads.s3.eu-west-1.amazonaws.com'],
      'form-action': ["'self'", 'https://uploads.s3.eu-west-1.amazonaws.com'],
      'img-src': ["'self'", 'blob:', 'data:', 'https://uploads.s3.eu-west-1.amazonaws.com'],
      'frame-ancestors': ["'none'"],
    })
  })

  it('keeps the share pages’ own CSP and still adds HSTS and nosniff', () => {
    const api = config.CacheBehaviors.find((behavior) => behavior.PathPattern === '/m/*')
    if (!api) throw new Error('no /m/* behaviour')
    const headers = headersPolicy(api)
    expect(headers).not.toHaveProperty('ContentSecurityPolicy')
    expect(headers).toMatchObject({
      StrictTransportSecurity: { Override: true },
      ContentTypeOptions: { Override: true },
    })
  })

  it('answers on its CloudFront domain only, with no DNS records, when no domain is set', () => {
    expect(config).not.toHaveProperty('Aliases')
    expect(config).not.toHaveProperty('ViewerCertificate.AcmCertificateArn')
    template.resourceCountIs('AWS::Route53::RecordSet', 0)
  })

  it('outputs the site URL', () => {
    template.hasOutput('SiteUrl', {
      Value: {
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.anyValue(), 'DomainName'] }]],
      },
    })
  })

  it('stops synth with what to run when the web app is not built', () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-web-dist-'))
    expect(() => buildTestApp({ webDist: empty })).toThrow(/pnpm build/)
  })
})

interface BucketDeployment {
  Properties: {
    ServiceToken: { 'Fn::GetAtt': [string, string] }
    Exclude?: string[]
    Include?: string[]
    SystemMetadata?: Record<string, string>
    Prune: boolean
    DistributionPaths?: string[]
  }
  DependsOn?: string[]
}

/**
 * Whether `aws s3 sync` uploads (and may prune) `path` under a deployment's filters. CDK's
 * handler passes every Exclude and then every Include; the last filter that matches a path
 * decides, none matching means included, and `*` matches `/` too.
 * @see https://docs.aws.amazon.com/cli/latest/reference/s3/#use-of-exclude-and-include-filters
 */
function syncs(deployment: BucketDeployment, path: string): boolean {
  const { Exclude = [], Include = [] } = deployment.Properties
  const filters = [
    ...Exclude.map((pattern) => ({ pattern, include: false })),
    ...Include.map((pattern) => ({ pattern, include: true })),
  ]
  const matches = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    ).test(path)
  return filters.reduce(
    (included, filter) => (matches(filter.pattern) ? filter.include : included),
    true,
  )
}

describe('cache headers', () => {
  /** What `vite build` writes: hashed names under assets/, public/ copied as it is. */
  const build = [
    'index.html',
    'app.html',
    'favicon.svg',
    'assets/index-3f2a9c1d.js',
    'assets/EditorView-b81e0c2a.js',
    'assets/index-5d0e7f3a.css',
    'assets/anton-latin-400-normal-c1d2e3f4.woff2',
  ]
  let deployments: Record<string, BucketDeployment>
  beforeAll(() => {
    deployments = template.findResources('Custom::CDKBucketDeployment') as Record<
      string,
      BucketDeployment
    >
  })

  it('uploads each file once: hashed assets cached for a year, the rest revalidated', () => {
    const headers = Object.fromEntries(
      build.map((path) => [
        path,
        Object.values(deployments)
          .filter((deployment) => syncs(deployment, path))
          .map((deployment) => deployment.Properties.SystemMetadata?.['cache-control']),
      ]),
    )
    const year = 'public, max-age=31536000, immutable'
    expect(headers).toEqual({
      'index.html': ['no-cache'],
      'app.html': ['no-cache'],
      'favicon.svg': ['no-cache'],
      'assets/index-3f2a9c1d.js': [year],
      'assets/EditorView-b81e0c2a.js': [year],
      'assets/index-5d0e7f3a.css': [year],
      'assets/anton-latin-400-normal-c1d2e3f4.woff2': [year],
    })
  })

  it('uploads assets before the index that names them, keeps old ones, then invalidates', () => {
    const [hashedId, hashed] = Object.entries(deployments).find(([, d]) =>
      syncs(d, 'assets/index-3f2a9c1d.js'),
    )!
    const [, named] = Object.entries(deployments).find(([, d]) => syncs(d, 'index.html'))!
    // A page loaded before the deploy still fetches its lazy chunks by their old names.
    expect(hashed.Properties.Prune).toBe(false)
    expect(hashed.Properties).not.toHaveProperty('DistributionPaths')
    expect(named.Properties).toMatchObject({ Prune: true, DistributionPaths: ['/*'] })
    expect(named.DependsOn).toContain(hashedId)
  })

  it('leaves the build’s compressed copies out (CloudFront compresses every behaviour)', () => {
    const webDist = mkdtempSync(join(tmpdir(), 'meme-studio-web-dist-'))
    mkdirSync(join(webDist, 'assets'))
    for (const file of [
      'index.html',
      'index.html.br',
      'index.html.gz',
      'assets/index-3f2a9c1d.js',
      'assets/index-3f2a9c1d.js.br',
      'assets/index-3f2a9c1d.js.gz',
    ]) {
      writeFileSync(join(webDist, file), file)
    }
    const { app, appStack } = buildTestApp({ webDist })
    const assembly = app.synth()
    const staged = readdirSync(assembly.directory)
      .map((name) => join(assembly.directory, name))
      .filter((path) => existsSync(join(path, 'index.html')))
    expect(staged).toHaveLength(1)
    expect(readdirSync(staged[0]!, { recursive: true }).map(String).sort()).toEqual([
      'assets',
      join('assets', 'index-3f2a9c1d.js'),
      'index.html',
    ])
    const distribution = Object.values(
      Template.fromStack(appStack).findResources('AWS::CloudFront::Distribution'),
    )[0] as {
      Properties: { DistributionConfig: { DefaultCacheBehavior: object; CacheBehaviors: object[] } }
    }
    const behaviours = [
      distribution.Properties.DistributionConfig.DefaultCacheBehavior,
      ...distribution.Properties.DistributionConfig.CacheBehaviors,
    ]
    for (const behaviour of behaviours) expect(behaviour).toMatchObject({ Compress: true })
  })

  it('gives both uploads one copier, whose logs are kept a month', () => {
    const copiers = [
      ...new Set(Object.values(deployments).map((d) => d.Properties.ServiceToken['Fn::GetAtt'][0])),
    ]
    expect(copiers).toHaveLength(1)
    const copier = template.findResources('AWS::Lambda::Function')[copiers[0]!] as {
      Properties: { LoggingConfig: { LogGroup: { Ref: string } } }
    }
    const logGroup = template.findResources('AWS::Logs::LogGroup')[
      copier.Properties.LoggingConfig.LogGroup.Ref
    ] as { Properties: { RetentionInDays: number } }
    expect(logGroup.Properties.RetentionInDays).toBe(30)
  })
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
