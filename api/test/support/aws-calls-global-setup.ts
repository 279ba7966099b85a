/**
 * Merges the AWS calls each test file recorded (`aws-call-recorder.ts`) when the run ends.
 * With `UPDATE_AWS_CALLS=1` they become `infra/test/fixtures/aws-calls.json`; otherwise every
 * call recorded must already be there (a run of some files checks only the calls they made),
 * so that a new call cannot reach AWS without the infra tests checking the role allows it.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { AWS_CALLS_FILE, callText, fixtureText, readFixture, type AwsCall } from './aws-calls.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where each test file writes the AWS calls it recorded. */
    awsCallsFolder: string
  }
}

async function recordedCalls(folder: string): Promise<AwsCall[]> {
  const files = await readdir(folder)
  const lists = await Promise.all(
    files.map(async (file) => JSON.parse(await readFile(join(folder, file), 'utf8')) as AwsCall[]),
  )
  return lists.flat()
}

export default async function setup(project: TestProject) {
  const folder = await mkdtemp(join(tmpdir(), 'meme-studio-aws-calls-'))
  project.provide('awsCallsFolder', folder)

  return async function teardown() {
    const calls = await recordedCalls(folder)
    await rm(folder, { recursive: true, force: true })
    if (process.env.UPDATE_AWS_CALLS === '1') {
      await mkdir(dirname(AWS_CALLS_FILE), { recursive: true })
      await writeFile(AWS_CALLS_FILE, fixtureText(calls))
      return
    }
    const known = new Set((await readFixture()).map(callText))
    const missing = [...new Set(calls.map(callText))].filter((text) => !known.has(text)).sort()
    if (missing.length) {
      // Vitest reports an error thrown here but still exits 0: fail the run explicitly.
      process.exitCode = 1
      throw new Error(
        `The app made AWS calls that ${AWS_CALLS_FILE} does not list, so the infra tests do ` +
          `not check that the functions' roles allow them:\n${missing.join('\n')}\n` +
          'Run UPDATE_AWS_CALLS=1 pnpm --filter @meme-studio/api test and commit ' +
          'infra/test/fixtures/aws-calls.json.',
      )
    }
  }
}
