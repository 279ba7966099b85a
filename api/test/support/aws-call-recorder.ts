/**
 * Records the AWS calls the app makes while it serves a request, works a queue's message,
 * runs a Discord delivery task or moves old records at start (a vitest setup file: it runs
 * before each test file). Two pieces, both installed once per worker process, since the SDK
 * and Fastify load once per process whatever the test file:
 *
 * - what the app is doing, in an AsyncLocalStorage bound to the start of four tracing
 *   channels, so it is carried into everything that work awaits or starts (a retry, a job, an
 *   `app.inject` to another route has its own):
 *   - `tracing:fastify.request.handler`: a request, made by the function that serves its path
 *     (`functionForPath`);
 *   - `meme-studio.queue.worker` (`{queue}`): a message's worker, made by the function whose
 *     event source mapping takes that queue on AWS (`QUEUE_CONSUMERS`);
 *   - `meme-studio.discord.task` (`{action}`): a task of the Discord delivery state machine,
 *     made by the function its Task states invoke (`DISCORD_TASK_FUNCTION`);
 *   - `meme-studio.records.migration` (`{name}`): one domain's move of the S3 records of
 *     earlier versions, which the control function makes once as it starts.
 *   The innermost wins: a worker that runs inside a request's async context (the embedded
 *   queue woken by a send) is the worker's.
 * - the call: `send` of the S3, Secrets Manager, DynamoDB (the plain client and the document
 *   client, whose `send` does not go through the plain one's), SQS and Step Functions
 *   clients, patched to hand each command to the current test file's recorder. Calls outside
 *   all four (a test's own setup, a cold start reading secrets, the embedded queue's own
 *   polling, which on AWS is SQS and Lambda's) are not the app's work, and are left out.
 *
 * Each test file writes what it recorded to the run's folder (`aws-calls-global-setup.ts`
 * merges them). A call that cannot be put in the record's terms (a command without an IAM
 * action here, a bucket, table, queue, state machine or secret no app of the file was
 * configured with) fails the file.
 */
import { randomUUID } from 'node:crypto'
import { tracingChannel } from 'node:diagnostics_channel'
import { AsyncLocalStorage } from 'node:async_hooks'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { S3Client } from '@aws-sdk/client-s3'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SFNClient } from '@aws-sdk/client-sfn'
import { SQSClient } from '@aws-sdk/client-sqs'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { FastifyRequest } from 'fastify'
import { afterAll, inject } from 'vitest'
import { functionForPath, type LambdaFunction } from '../../src/entry-points.ts'
import type { QueueName } from '../../src/services/queue/types.ts'
import {
  DISCORD_TASK_FUNCTION,
  IAM_ACTIONS,
  MIGRATION_FUNCTION,
  QUEUE_CONSUMERS,
  generalisedKey,
  type AwsCall,
  type RecordedService,
} from './aws-calls.ts'
import { knownBucket, knownQueue, knownSecret, knownStateMachine, knownTable } from './aws-names.ts'

/** The function a call is made by on AWS, and what it was doing (`AwsCall`'s route). */
interface WorkContext {
  function: LambdaFunction
  route: string
}

type Recorder = (service: RecordedService, command: object) => void

interface ProcessHooks {
  work: AsyncLocalStorage<WorkContext>
  recorder?: Recorder
}

const HOOKS = Symbol.for('meme-studio.test.aws-call-recorder')

/** The channels' names, as the app publishes them (`app-queues.ts`, `discord-tasks.ts`). */
const QUEUE_WORKER_CHANNEL = 'meme-studio.queue.worker'
const DISCORD_TASK_CHANNEL = 'meme-studio.discord.task'
/**
 * The once-at-start move of S3 records, when the app publishes each domain's run on it
 * (`tracePromise` with `{name}`): outside any request, so otherwise not recorded at all.
 */
const MIGRATION_CHANNEL = 'meme-studio.records.migration'

function processHooks(): ProcessHooks {
  const holder = globalThis as { [HOOKS]?: ProcessHooks }
  if (holder[HOOKS]) return holder[HOOKS]
  const hooks: ProcessHooks = { work: new AsyncLocalStorage() }
  holder[HOOKS] = hooks
  tracingChannel<unknown, { request: FastifyRequest; route: { url: string } }>(
    'fastify.request.handler',
  ).start.bindStore(hooks.work, ({ request, route }) => ({
    function: functionForPath(request.url.split('?')[0] ?? ''),
    route: `${request.method} ${route.url}`,
  }))
  tracingChannel<unknown, { queue: QueueName }>(QUEUE_WORKER_CHANNEL).start.bindStore(
    hooks.work,
    ({ queue }) => ({ function: QUEUE_CONSUMERS[queue], route: `queue ${queue}` }),
  )
  tracingChannel<unknown, { action: string }>(DISCORD_TASK_CHANNEL).start.bindStore(
    hooks.work,
    ({ action }) => ({ function: DISCORD_TASK_FUNCTION, route: `discord task ${action}` }),
  )
  tracingChannel<unknown, { name: string }>(MIGRATION_CHANNEL).start.bindStore(
    hooks.work,
    ({ name }) => ({ function: MIGRATION_FUNCTION, route: `migration ${name}` }),
  )
  for (const [Client, service] of [
    [S3Client, 's3'],
    [SecretsManagerClient, 'secretsmanager'],
    [DynamoDBClient, 'dynamodb'],
    [DynamoDBDocumentClient, 'dynamodb'],
    [SQSClient, 'sqs'],
    [SFNClient, 'states'],
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

/** The table a DynamoDB command names: `TableName`, or a batch's one table. */
function tableNameOf(input: Record<string, unknown>): string {
  if (typeof input.TableName === 'string') return input.TableName
  const items = input.RequestItems as Record<string, unknown> | undefined
  const names = Object.keys(items ?? {})
  return names.length === 1 ? names[0]! : `(${names.join(', ') || 'no table'})`
}

function callOf(context: WorkContext, service: RecordedService, command: object): AwsCall | string {
  const name = command.constructor.name
  const action = IAM_ACTIONS[service][name]
  if (!action) return `${context.route}: ${service} ${name} has no IAM action in aws-calls.ts`
  const where = { function: context.function, route: context.route }
  const input = (command as { input: Record<string, unknown> }).input
  const text = (field: string) => (typeof input[field] === 'string' ? input[field] : '')
  switch (service) {
    case 'secretsmanager': {
      const secret = knownSecret(text('SecretId'))
      if (!secret) return `${context.route}: secret ${text('SecretId')} is no app's`
      return { ...where, action: 'secretsmanager:GetSecretValue', secret }
    }
    case 'dynamodb': {
      const table = knownTable(tableNameOf(input))
      if (!table) return `${context.route}: table ${tableNameOf(input)} is no app's`
      return { ...where, action, table }
    }
    case 'sqs': {
      const queue = knownQueue(text('QueueUrl'))
      if (!queue) return `${context.route}: queue ${text('QueueUrl')} is no app's`
      return { ...where, action, queue }
    }
    case 'states': {
      const arn = text('stateMachineArn') || text('executionArn')
      const stateMachine = knownStateMachine(arn)
      if (!stateMachine) return `${context.route}: state machine ${arn} is no app's`
      return { ...where, action, stateMachine }
    }
    case 's3':
      break
  }
  const bucket = knownBucket(text('Bucket'))
  if (!bucket) return `${context.route}: bucket ${text('Bucket')} is no app's`
  if (action === 's3:ListBucket') {
    const prefix = text('Prefix')
    return {
      ...where,
      action,
      bucket,
      ...(prefix ? { prefix: bucket === 'archives' ? '*' : generalisedKey(prefix) } : {}),
    }
  }
  // Archive keys are the hooks' settings and the pushes' names: all of them the caller's.
  const key = bucket === 'archives' ? '*' : generalisedKey(text('Key'))
  return { ...where, action, bucket, key }
}

hooks.recorder = (service, command) => {
  const context = hooks.work.getStore()
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
