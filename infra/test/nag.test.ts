import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Validations } from 'aws-cdk-lib'
import type { IConstruct } from 'constructs'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, EVERY_OPTION } from './app-fixture.ts'

interface ValidationReport {
  pluginReports: {
    pluginName: string
    violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[]
  }[]
}

const stackNames = [
  'dev-MemeStudioCertificate',
  'dev-MemeStudioStorage',
  'dev-MemeStudioApp',
  'dev-MemeStudioPipeline',
]
let report: ValidationReport
let root: IConstruct

beforeAll(() => {
  // With every option, so every stack and resource is checked; synth runs the AwsSolutions
  // plugin. synth.test.ts checks each combination the README deploys.
  const { app } = buildTestApp(EVERY_OPTION)
  const assembly = app.synth()
  report = JSON.parse(
    readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
  ) as ValidationReport
  root = app
})

/** Every cdk-nag acknowledgment in the tree (`Validations.of(x).acknowledge(...)`), and where. */
function acknowledgments(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      // Stored as { "Annotation::<rule id>": reason }.
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .filter(([id]) => id.includes('AwsSolutions-'))
      .map(([id, reason]) => ({ path: construct.node.path, id, reason })),
  )
}

describe('cdk-nag AwsSolutionsChecks', () => {
  it('ran on the app', () => {
    expect(report.pluginReports.map((plugin) => plugin.pluginName)).toContain('AwsSolutions')
  })

  it.each(stackNames)('leaves no unacknowledged finding (error or warning) in %s', (stack) => {
    const findings = report.pluginReports
      .filter((plugin) => plugin.pluginName === 'AwsSolutions')
      .flatMap((plugin) =>
        plugin.violations.flatMap((violation) =>
          violation.violatingConstructs
            .filter((construct) => construct.constructPath.startsWith(`${stack}/`))
            .map((construct) => `${violation.ruleName} at ${construct.constructPath}`),
        ),
      )
    expect(findings).toEqual([])
  })

  it('gives every acknowledgment a reason a reviewer can check', () => {
    const acks = acknowledgments(root)
    expect(acks.length).toBeGreaterThan(0)
    for (const ack of acks) {
      // A sentence with substance: not "n/a", "placeholder" or "false positive".
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(50)
      expect(ack.reason, `${ack.id} at ${ack.path}`).not.toMatch(/placeholder|todo|n\/a/i)
    }
  })
})
