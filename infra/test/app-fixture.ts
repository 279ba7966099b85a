import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App, Stack, type CfnElement } from 'aws-cdk-lib'
import type { Template } from 'aws-cdk-lib/assertions'
import type { IRole } from 'aws-cdk-lib/aws-iam'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import type { IConstruct } from 'constructs'
import { buildStacks } from '../lib/meme-studio.ts'

/** A stand-in for `web/dist`, so synth needs no web build. */
export function siteAssetsFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meme-studio-web-dist-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>meme-studio</title>')
  return dir
}

const cdkJsonContext = (
  JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context: Record<string, unknown>
  }
).context

/**
 * The whole app as `bin/` builds it, from `context`. cdk-nag findings are written to the
 * validation report instead of failing synth: nag.test.ts asserts on them, stack by stack, and
 * the other tests can look at one stack while another is still being worked on.
 */
export function buildTestApp(context: Record<string, unknown> = {}) {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'meme-studio-cdk-out-')),
    context: {
      // cdk.json's feature flags and defaults, as the CLI hands them to bin/.
      ...cdkJsonContext,
      webDist: siteAssetsFixture(),
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      // No stack's assets are built: the templates are what these tests read. bundle.test.ts
      // builds and runs the functions' code (and synth.test.ts runs the real CLI, which builds
      // everything); `{ 'aws:cdk:bundling-stacks': ['**'] }` builds them here too.
      'aws:cdk:bundling-stacks': [],
      ...context,
    },
  })
  return { app, ...buildStacks(app) }
}

/** A custom domain whose zone is in Route 53: the stack makes the certificate and records. */
export const DOMAIN_WITH_ZONE = {
  domainName: 'memes.example.com',
  hostedZoneId: 'Z0123456789EXAMPLE',
  hostedZoneName: 'example.com',
}

/** A custom domain with a certificate made elsewhere, and DNS kept elsewhere. */
export const DOMAIN_WITH_CERTIFICATE = {
  domainName: 'memes.example.com',
  certificateArn:
    'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
}

/** Every option that adds a stack or resources: the pipeline, the domain, the fixed egress IP. */
export const EVERY_OPTION = { pipeline: 'true', ...DOMAIN_WITH_ZONE, fixedEgressIp: 'true' }

/** A construct's logical id (a function's, a queue's), to find it in a template. */
export function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement)
}

interface PolicyResource {
  Properties: {
    PolicyDocument: { Statement: PolicyStatementJson[] }
    Roles: { Ref: string }[]
  }
}

/** An IAM statement as it stands in the template. */
export interface PolicyStatementJson {
  Sid?: string
  Effect: 'Allow' | 'Deny'
  Action: string | string[]
  Resource: unknown
  Condition?: Record<string, Record<string, string | string[]>>
}

/** Every statement of the inline policies attached to `fn`'s role. */
export function roleStatements(template: Template, fn: IFunction): PolicyStatementJson[] {
  const role = fn.role
  if (!role) throw new Error(`${fn.node.path} has no role`)
  return roleStatementsOf(template, role)
}

/** Every statement of the inline policies attached to `role`. */
export function roleStatementsOf(template: Template, role: IRole): PolicyStatementJson[] {
  const roleId = Stack.of(role).getLogicalId(role.node.defaultChild as never)
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy') as Record<string, PolicyResource>,
  )
  return policies
    .filter((policy) => policy.Properties.Roles.some((r) => r.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
}
