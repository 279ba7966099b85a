import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { siteAssetsFixture } from './app-fixture.ts'

const infraDir = fileURLToPath(new URL('..', import.meta.url))

/** The environment of a machine with no AWS account: no AWS_* variables, no profile files. */
function withoutAws(): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), 'no-aws-home-'))
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')),
  )
  return { ...env, HOME: home, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' }
}

describe('cdk synth', () => {
  it('writes every stack’s template with no AWS credentials', () => {
    const output = mkdtempSync(join(tmpdir(), 'meme-studio-synth-'))
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
        '-c',
        'pipeline=true',
      ],
      { cwd: infraDir, env: withoutAws(), encoding: 'utf8', timeout: 170_000 },
    )
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0)
    const stacks = ['MemeStudioStorage', 'MemeStudioApi', 'MemeStudioWeb', 'MemeStudioPipeline']
    for (const stack of stacks) {
      expect(existsSync(join(output, `${stack}.template.json`)), stack).toBe(true)
    }
    const outputs = stacks.flatMap((stack) => {
      const template = JSON.parse(readFileSync(join(output, `${stack}.template.json`), 'utf8')) as {
        Outputs?: Record<string, unknown>
      }
      return Object.keys(template.Outputs ?? {})
    })
    expect(outputs).toEqual(
      expect.arrayContaining(['SiteUrl', 'ApiUrl', 'UploadBucketName', 'WebhookPayloadUrl']),
    )
  }, 180_000)
})
