/**
 * Cold starts as each deployed function has them: the entry bundled as infra bundles it, a
 * fresh `node` that loads it, builds the app and answers its first request; the median of a
 * few, beside the floor (bare Fastify behind @fastify/aws-lambda, bundled the same way).
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleLambda, startupOutputs, type LambdaBundle } from '../scripts/bundle-lambda.ts'
import type { LambdaFunction } from '../src/entry-points.ts'

/**
 * Where the bench's bundles go: under `api/node_modules`, so the external packages resolve
 * from there as they do beside a function's code.
 */
const BUNDLES = fileURLToPath(new URL('../node_modules/.cache/meme-studio-bench/', import.meta.url))

/** `entry` bundled as function `fn` is (the same build, splitting and externals) into `name`. */
export function benchBundle(
  entry: string,
  name: string,
  fn: LambdaFunction,
): Promise<LambdaBundle> {
  return bundleLambda(fn, join(BUNDLES, name), entry)
}

export interface ColdStart {
  /** ms since the process started: the bundle is loaded (Fastify's first instance). */
  loaded: number
  /** The function's init is over: the app is built and ready. */
  initialized: number
  /** The first request is answered. */
  answered: number
  /** CPU time (user + system) spent by then: what a busy machine cannot inflate much. */
  cpu: number
}

function runNode(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, args, { env })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** A function to start cold: its entry, and the request its first invocation carries. */
export interface ColdStartSubject {
  name: string
  entry: string
  /** The function it is bundled as. */
  fn: LambdaFunction
  event: object
}

export interface ColdStarts {
  /** The run with the median time to the first answer. */
  median: ColdStart
  /** The median CPU time, over the same runs. */
  medianCpu: number
  /** Every run, fastest first. */
  all: ColdStart[]
  /** What a cold start reads: the entry and the chunks it imports statically. */
  bytes: number
  /** Every file of the bundle, the chunks loaded only when used included. */
  totalBytes: number
}

/**
 * `runs` cold starts of each subject, taken in turn (one of each, then again), so a machine
 * that gets busier part-way slows them all alike; the median of each.
 */
export async function coldStarts(
  subjects: ColdStartSubject[],
  env: NodeJS.ProcessEnv,
  runs: number,
): Promise<Map<string, ColdStarts>> {
  const runner = await benchBundle('bench/lambda-process.ts', 'lambda-process', 'control')
  const bundles = await Promise.all(
    subjects.map((subject) => benchBundle(subject.entry, subject.name, subject.fn)),
  )
  const times = subjects.map((): ColdStart[] => [])
  for (let i = 0; i < runs; i++) {
    for (const [j, subject] of subjects.entries()) {
      const args = [runner.entry, bundles[j]!.entry, JSON.stringify(subject.event)]
      const child = await runNode(args, env)
      const line = child.stdout.split('\n').find((l) => l.startsWith('cold-start '))
      if (child.code !== 0 || !line) {
        throw new Error(`${subject.name}'s cold start failed: ${child.stderr}${child.stdout}`)
      }
      times[j]!.push(JSON.parse(line.slice('cold-start '.length)) as ColdStart)
    }
  }
  const middle = Math.floor(runs / 2)
  return new Map(
    subjects.map((subject, j) => {
      const all = times[j]!.sort((a, b) => a.answered - b.answered)
      const cpu = all.map((run) => run.cpu).sort((a, b) => a - b)
      const { metafile } = bundles[j]!
      const size = (files: string[]) =>
        files.reduce((sum, file) => sum + metafile.outputs[file]!.bytes, 0)
      const bytes = size(startupOutputs(metafile))
      const totalBytes = size(Object.keys(metafile.outputs))
      return [
        subject.name,
        { median: all[middle]!, medianCpu: cpu[middle]!, all, bytes, totalBytes },
      ]
    }),
  )
}
