/**
 * Every Lambda function of every stack, ours and aws-cdk-lib's helpers alike, writes to a log
 * group that has a retention: none leaves Lambda to make `/aws/lambda/<name>` on its first run
 * and keep it forever.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, EVERY_OPTION } from './app-fixture.ts'

interface Resource {
  Type: string
  Properties?: Record<string, unknown>
}
type Resources = Record<string, Resource>

/**
 * The log group a function writes to: the one its `LoggingConfig` names, else the one named
 * `/aws/lambda/<function>` in the same template.
 */
function logGroupOf(resources: Resources, functionId: string): Resource | undefined {
  const logging = resources[functionId]?.Properties?.LoggingConfig as
    { LogGroup?: unknown } | undefined
  const named = logging?.LogGroup
  if (named !== undefined) {
    const ref = (named as { Ref?: string }).Ref
    return Object.entries(resources).find(
      ([id, resource]) =>
        resource.Type === 'AWS::Logs::LogGroup' &&
        (id === ref || resource.Properties?.LogGroupName === named),
    )?.[1]
  }
  const lambdaDefault = JSON.stringify({ 'Fn::Join': ['', ['/aws/lambda/', { Ref: functionId }]] })
  return Object.values(resources).find(
    (resource) =>
      resource.Type === 'AWS::Logs::LogGroup' &&
      JSON.stringify(resource.Properties?.LogGroupName) === lambdaDefault,
  )
}

/** Each function in the template with no log group, or one kept forever. */
function functionsWithoutRetention(resources: Resources): string[] {
  return Object.entries(resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .flatMap(([id]) => {
      const logGroup = logGroupOf(resources, id)
      if (!logGroup) return [`${id}: no log group`]
      const days = logGroup.Properties?.RetentionInDays
      return typeof days === 'number' && days > 0 ? [] : [`${id}: log group kept forever`]
    })
}

let templates: Record<string, Resources>

beforeAll(() => {
  const { app } = buildTestApp(EVERY_OPTION)
  const assembly = app.synth()
  templates = Object.fromEntries(
    assembly.stacks.map((stack) => [
      stack.stackName,
      (stack.template as { Resources: Resources }).Resources,
    ]),
  )
})

describe('log retention', () => {
  it('synthesizes every stack, with functions from the app and from aws-cdk-lib', () => {
    expect(Object.keys(templates).sort()).toEqual([
      'dev-MemeStudioApp',
      'dev-MemeStudioCertificate',
      'dev-MemeStudioPipeline',
      'dev-MemeStudioStorage',
    ])
    const functions = Object.values(templates).flatMap((resources) =>
      Object.keys(resources).filter((id) => resources[id]!.Type === 'AWS::Lambda::Function'),
    )
    // render, control, the site copier, AwsCustomResource, the VPC's security-group cleaner,
    // and autoDeleteObjects and bucket notifications (custom resource providers).
    expect(functions.length).toBeGreaterThanOrEqual(8)
    for (const helper of [
      /^CustomCDKBucketDeployment/,
      /^AWS679f53fac002430cb0da5b7982bd2287/,
      /^CustomVpcRestrictDefaultSGCustomResourceProviderHandler/,
      /^CustomS3AutoDeleteObjectsCustomResourceProviderHandler/,
      /^BucketNotificationsHandler/,
    ]) {
      expect(
        functions.some((id) => helper.test(id)),
        String(helper),
      ).toBe(true)
    }
  })

  it.each([
    'dev-MemeStudioCertificate',
    'dev-MemeStudioStorage',
    'dev-MemeStudioApp',
    'dev-MemeStudioPipeline',
  ])('gives every function in %s a log group with a retention', (stack) => {
    expect(functionsWithoutRetention(templates[stack]!)).toEqual([])
  })

  it('fails on a function with no log group, or with one kept forever', () => {
    const fn: Resource = { Type: 'AWS::Lambda::Function', Properties: {} }
    expect(functionsWithoutRetention({ Handler: fn })).toEqual(['Handler: no log group'])
    const forever = {
      Handler: { ...fn, Properties: { LoggingConfig: { LogGroup: { Ref: 'Logs' } } } },
      Logs: { Type: 'AWS::Logs::LogGroup', Properties: {} },
    }
    expect(functionsWithoutRetention(forever)).toEqual(['Handler: log group kept forever'])
    const byName = {
      Handler: fn,
      Logs: {
        Type: 'AWS::Logs::LogGroup',
        Properties: {
          LogGroupName: { 'Fn::Join': ['', ['/aws/lambda/', { Ref: 'Handler' }]] },
          RetentionInDays: 7,
        },
      },
    }
    expect(functionsWithoutRetention(byName)).toEqual([])
  })
})
