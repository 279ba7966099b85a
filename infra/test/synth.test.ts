import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { buildTestApp, siteAssetsFixture } from './app-fixture.ts'

const infraDir = fileURLToPath(new URL('..', import.meta.url))
const readme = readFileSync(join(infraDir, 'README.md'), 'utf8')
const scripts = Object.keys(
  (
    JSON.parse(readFileSync(join(infraDir, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
  ).scripts,
)

/**
 * pnpm's own commands, which `pnpm --filter <pkg> <name>` runs instead of a script of that
 * name (`pnpm --filter … deploy` is pnpm's deploy, ERR_PNPM_INVALID_DEPLOY_TARGET).
 * @see https://pnpm.io/cli/run
 */
const PNPM_COMMANDS = [
  'add',
  'audit',
  'bin',
  'deploy',
  'dlx',
  'env',
  'exec',
  'fetch',
  'import',
  'init',
  'install',
  'link',
  'list',
  'ls',
  'outdated',
  'pack',
  'patch',
  'prune',
  'publish',
  'rebuild',
  'remove',
  'root',
  'server',
  'setup',
  'store',
  'unlink',
  'update',
  'why',
]

/** Every `pnpm --filter @meme-studio/infra …` command in the README's shell blocks. */
const readmeCommands = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap(([, block]) => block!.split('\n'))
  .map((line) => line.replace(/#.*$/, '').trim())
  .filter((line) => line.startsWith('pnpm --filter @meme-studio/infra '))
  .map((line) => line.slice('pnpm --filter @meme-studio/infra '.length).split(/\s+/))

/** The `-c name=value` settings of a command's words. */
const settingsOf = (words: string[]) => words.filter((_word, i) => words[i - 1] === '-c')

/** The settings of each command that synthesizes (deploy, diff, synth), deduplicated. */
const combinations = [
  ...new Set(
    readmeCommands
      .filter(([command]) => ['cdk:deploy', 'cdk:diff', 'synth'].includes(command!))
      .map((words) => settingsOf(words).join(' ')),
  ),
].map((settings) => (settings ? settings.split(' ') : []))

/** `['stage=prod', …]` as CDK context. */
const contextOf = (settings: string[]) =>
  Object.fromEntries(
    settings.map((setting) => [
      setting.slice(0, setting.indexOf('=')),
      setting.slice(setting.indexOf('=') + 1),
    ]),
  )

/** The stacks a combination makes, by the options that add one. */
function expectedStacks(context: Record<string, string>): string[] {
  const stacks = ['Storage', 'App']
  if (context.pipeline === 'true') stacks.push('Pipeline')
  if (context.hostedZoneId && !context.certificateArn) stacks.push('Certificate')
  return stacks.map((stack) => `${context.stage ?? 'dev'}-MemeStudio${stack}`).sort()
}

/** The settings of each deploy command, deduplicated. */
const deployContexts = [
  ...new Set(
    readmeCommands
      .filter(([command]) => command === 'cdk:deploy')
      .map((words) => settingsOf(words).join(' ')),
  ),
].map((settings) => (settings ? settings.split(' ') : []))

/**
 * The settings of the deploy command that makes the most stacks (then the most settings): what
 * the real `cdk synth` runs with below. One run proves the CLI path (bin/, its context, no AWS
 * credentials, every asset built); every combination is synthesized in-process before it, at a
 * fraction of the time (a CLI synth builds every asset: about 16 s of CPU each).
 */
const cliSynthContext = [...deployContexts].sort(
  (a, b) =>
    expectedStacks(contextOf(b)).length - expectedStacks(contextOf(a)).length ||
    b.length - a.length,
)[0]!

/** Outputs every deployment has: what the README tells people to read. */
const OUTPUTS = [
  'SiteUrl',
  'ApiUrl',
  'UploadBucketName',
  'WebhookPayloadUrl',
  'EventsUrl',
  'EventsInvokeArn',
  'AdminApiKeyCommand',
  'GithubTokenSecretArn',
  'DistributionDomainName',
]

/** The environment of a machine with no AWS account: no AWS_* variables, no profile files. */
function withoutAws(): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'no-aws-home-'))
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith('AWS_') && !name.startsWith('CDK_'),
    ),
  )
  return { ...env, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' }
}

describe('the README’s commands', () => {
  it('names only the package’s own scripts, none shadowed by a pnpm command', () => {
    expect(readmeCommands.length).toBeGreaterThan(0)
    for (const [command] of readmeCommands) {
      if (command === 'exec') continue
      expect(scripts, `README runs "${command}"`).toContain(command)
      expect(PNPM_COMMANDS, `"${command}" is a pnpm command, not the script`).not.toContain(command)
    }
    for (const script of scripts) expect(PNPM_COMMANDS).not.toContain(script)
    expect(deployContexts.length).toBeGreaterThan(1)
  })

  it('show a deploy with each option that adds resources', () => {
    const deploys = deployContexts.map((settings) => Object.keys(contextOf(settings)))
    for (const options of [
      ['apiGatewayAccountRole'],
      ['pipeline'],
      ['domainName', 'hostedZoneId', 'hostedZoneName'],
      ['domainName', 'certificateArn'],
      ['fixedEgressIp'],
    ]) {
      expect(
        deploys.some((names) => options.every((name) => names.includes(name))),
        options.join(' '),
      ).toBe(true)
    }
  })
})

interface ValidationReport {
  pluginReports: {
    pluginName: string
    violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[]
  }[]
}

describe('each combination of options in the README', () => {
  it.each(combinations.map((settings) => [settings.join(' ') || '(defaults)', settings]))(
    'synthesizes %s: every stack, its outputs, no unacknowledged cdk-nag finding',
    (_name, settings) => {
      const context = contextOf(settings as string[])
      const { app } = buildTestApp(context)
      const assembly = app.synth()
      expect(assembly.stacks.map((stack) => stack.stackName).sort()).toEqual(
        expectedStacks(context),
      )
      const outputs = Object.fromEntries(
        assembly.stacks.flatMap((stack) =>
          Object.entries((stack.template as { Outputs?: Record<string, unknown> }).Outputs ?? {}),
        ),
      ) as Record<string, { Value: unknown }>
      expect(Object.keys(outputs)).toEqual(
        expect.arrayContaining([...OUTPUTS, ...(context.fixedEgressIp ? ['EgressIp'] : [])]),
      )
      if (context.domainName) {
        expect(outputs.SiteUrl?.Value).toBe(`https://${context.domainName}`)
      }
      const report = JSON.parse(
        readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'),
      ) as ValidationReport
      const findings = report.pluginReports.flatMap((plugin) =>
        plugin.violations.flatMap((violation) =>
          violation.violatingConstructs.map(
            (construct) => `${violation.ruleName} at ${construct.constructPath}`,
          ),
        ),
      )
      expect(findings).toEqual([])
    },
    60_000,
  )
})

describe('cdk synth', () => {
  it.each([[cliSynthContext.join(' ') || '(defaults)', cliSynthContext]])(
    'writes every stack’s template for %s with no AWS credentials',
    (_name, settings) => {
      const output = mkdtempSync(join(tmpdir(), 'meme-studio-synth-'))
      const context = (settings as string[]).flatMap((setting) => ['-c', setting])
      const result = spawnSync(
        'pnpm',
        [
          'exec',
          'cdk',
          'synth',
          '--quiet',
          '--no-notices',
          '--output',
          output,
          '-c',
          `webDist=${siteAssetsFixture()}`,
          ...context,
        ],
        { cwd: infraDir, env: withoutAws(), encoding: 'utf8', timeout: 170_000 },
      )
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0)
      const stacks = expectedStacks(contextOf(settings as string[]))
      for (const stack of stacks) {
        expect(existsSync(join(output, `${stack}.template.json`)), stack).toBe(true)
      }
      const outputs = stacks.flatMap((stack) => {
        const template = JSON.parse(
          readFileSync(join(output, `${stack}.template.json`), 'utf8'),
        ) as { Outputs?: Record<string, unknown> }
        return Object.keys(template.Outputs ?? {})
      })
      expect(outputs).toEqual(expect.arrayContaining(OUTPUTS))
    },
    180_000,
  )
})
