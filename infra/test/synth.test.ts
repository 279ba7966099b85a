import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { siteAssetsFixture } from './app-fixture.ts'

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

/** The `-c name=value` settings of each deploy command in the README, deduplicated. */
const deployContexts = [
  ...new Set(
    readmeCommands
      .filter(([command]) => command === 'cdk:deploy')
      .map((words) => words.filter((word, i) => words[i - 1] === '-c').join(' ')),
  ),
].map((settings) => (settings ? settings.split(' ') : []))

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
})

describe('cdk synth', () => {
  it.each(deployContexts.map((settings) => [settings.join(' ') || '(defaults)', settings]))(
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
      const stage = /stage=(\w+)/.exec(context.join(' '))?.[1] ?? 'dev'
      const stacks = [`${stage}-MemeStudioStorage`, `${stage}-MemeStudioApp`]
      if (context.includes('pipeline=true')) stacks.push(`${stage}-MemeStudioPipeline`)
      for (const stack of stacks) {
        expect(existsSync(join(output, `${stack}.template.json`)), stack).toBe(true)
      }
      const outputs = stacks.flatMap((stack) => {
        const template = JSON.parse(
          readFileSync(join(output, `${stack}.template.json`), 'utf8'),
        ) as { Outputs?: Record<string, unknown> }
        return Object.keys(template.Outputs ?? {})
      })
      expect(outputs).toEqual(
        expect.arrayContaining([
          'SiteUrl',
          'ApiUrl',
          'UploadBucketName',
          'WebhookPayloadUrl',
          'EventsUrl',
          'EventsInvokeArn',
          'AdminApiKeyCommand',
          'GithubTokenSecretArn',
        ]),
      )
    },
    180_000,
  )
})
