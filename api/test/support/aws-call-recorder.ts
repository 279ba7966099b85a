/**
 * Records the AWS calls the app makes while serving a request (a vitest setup file: it runs
 * before each test file). Two pieces, both installed once per worker process, since the SDK
 * and Fastify load once per process whatever the test file:
 *
 * - the request: Fastify publishes its handler on the `tracing:fastify.request.handler`
 *   diagnostics channel; an AsyncLocalStorage bound to it carries the route into everything
 *   the handler awaits or starts (a retry, a job, an `app.inject` to another route has its own);
 * - the call: `send` of the S3 and Secrets Manager clients, patched to hand each command to
 *   the current test file's recorder. Calls outside a request (a test's own setup, a cold
 *   start reading secrets) are not the app serving anyone, and are left out.
 *
 * Each test file writes what it recorded to the run's folder (`aws-calls-global-setup.ts`
 * merges them). A call that cannot be put in the record's terms (a command without an IAM
 * action here, a bucket or secret no app of the file was configured with) fails the file.
 */
import { randomUUID } from 'node:crypto'
import { tracingChannel } from 'node:diagnostics_channel'
import { AsyncLocalStorage } from 'node:async_hooks'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { S3Client } from '@aws-sdk/client-s3'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import type { FastifyRequest } from 'fastify'
import { afterAll, inject } from 'vitest'
import { functionForPath } from '../../src/entry-points.ts'
import { IAM_ACTIONS, generalisedKey, type AwsCall } from './aws-calls.ts'
import { knownBucket, knownSecret } from './aws-names.ts'

interface RequestContext {
  route: string
  path: string
}

type Recorder = (service: 's3' | 'secretsmanager', command: object) => void

interface ProcessHooks {
  requests: AsyncLocalStorage<RequestContext>
  recorder?: Recorder
}

const HOOKS = Symbol.for('meme-studio.test.aws-call-recorder')

function processHooks(): ProcessHooks {
  const holder = globalThis as { [HOOKS]?: ProcessHooks }
  if (holder[HOOKS]) return holder[HOOKS]
  const hooks: ProcessHooks = { requests: new AsyncLocalStorage() }
  holder[HOOKS] = hooks
  tracingChannel<unknown, { request: FastifyRequest; route: { url: string } }>(
    'fastify.request.handler',
  ).start.bindStore(hooks.requests, ({ request, route }) => ({
    route: `${request.method} ${route.url}`,
    path: request.url.split('?')[0] ?? '',
  }))
  for (const [Client, service] of [
    [S3Client, 's3'],
    [SecretsManagerClient, 'secretsmanager'],
  ] as const) {
    const send = Client.prototype.send as (...args: unknown[]) => unknown
    Client.prototype.send = function (this: unknown, ...args: unknown[]) {
      hooks.recorder?.(service, args[0] as object)
      return send.apply(this, args)
    } as typeof Client.prototype.send
  }
  return hooks
}

const hooks = processHooks()
const recorded: AwsCall[] = []
const problems = new Set<string>()

function callOf(
  context: RequestContext,
  service: 's3' | 'secretsmanager',
  command: object,
): AwsCall | string {
  const name = command.constructor.name
  const action = IAM_ACTIONS[name]
  if (!action) return `${context.route}: ${service} ${name} has no IAM action in aws-calls.ts`
  const where = { function: functionForPath(context.path), route: context.route }
  const input = (command as { input: Record<string, string | undefined> }).input
  if (service === 'secretsmanager') {
    const secret = knownSecret(input.SecretId ?? '')
    if (!secret) return `${context.route}: secret ${input.SecretId} is no app's`
    return { ...where, action: 'secretsmanager:GetSecretValue', secret }
  }
  const bucket = knownBucket(input.Bucket ?? '')
  if (!bucket) return `${context.route}: bucket ${input.Bucket} is no app's`
  if (action === 's3:ListBucket') {
    const prefix = input.Prefix
    return {
      ...where,
      action,
      bucket,
      ...(prefix ? { prefix: bucket === 'archives' ? '*' : generalisedKey(prefix) } : {}),
    }
  }
  // Archive keys are the hooks' settings and the pushes' names: all of them the caller's.
  const key = bucket === 'archives' ? '*' : generalisedKey(input.Key ?? '')
  return { ...where, action, bucket, key }
}

hooks.recorder = (service, command) => {
  const context = hooks.requests.getStore()
  if (!context) return
  const call = callOf(context, service, command)
  if (typeof call === 'string') problems.add(call)
  else recorded.push(call)
}

afterAll(async () => {
  hooks.recorder = undefined
  const folder = inject('awsCallsFolder')
  if (folder && recorded.length) {
    await writeFile(join(folder, `${randomUUID()}.json`), JSON.stringify(recorded))
  }
  if (problems.size) {
    throw new Error(`AWS calls the record cannot describe:\n${[...problems].join('\n')}`)
  }
})
