/**
 * The Discord delivery state machine, the file the stack deploys, run by
 * aws-local-stepfunctions with each Task handed to the app's own task handler (the one the
 * control function serves on Lambda), against a loopback Discord and the run's dynalite.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import aslValidator from 'asl-validator'
import { StateMachine, type RunOptions, type StateMachineDefinition } from 'aws-local-stepfunctions'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { AppConfig } from '../../../src/config.ts'
import type { InvocationKind } from '../../../src/plugins/app/invocations.ts'
import {
  DEFINITION_FILE,
  DELIVERY_TASK_STATES,
  POST_STATE,
  RATE_LIMIT_WAIT_STATE,
  loadDiscordDeliveryDefinition,
  type DeliveryInput,
} from '../../../src/services/notifications/discord-delivery.ts'
import { DISCORD_TASK_CHANNEL } from '../../../src/services/notifications/discord-tasks.ts'
import { eventShapeMessage } from '../../../src/services/notifications/event-message.ts'
import {
  NOTIFICATIONS_RECORD_KEY,
  eventRecordKey,
  startedEvent,
  urlHash,
} from '../../../src/services/notifications/notification-settings.ts'
import { rememberAwsNames } from '../../support/aws-names.ts'
import { buildApp, ensureTestTable, startTestS3, testConfig } from '../../support/test-app.ts'

const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:meme-studio-control'

interface Answer {
  status: number
  body?: string
}

/** A loopback Discord webhook: answers from a queue (then 200 with an id), records each POST. */
async function startDiscord() {
  const queue: Answer[] = []
  const received: { url: string; body: { embeds: { title: string }[] }; at: number }[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({
        url: req.url ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString()),
        at: Date.now(),
      })
      const answer = queue.shift() ?? {
        status: 200,
        body: JSON.stringify({ id: `m-${received.length}` }),
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' })
      res.end(answer.body ?? '')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/api/webhooks/7/token`,
    queue,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

let s3Server: Awaited<ReturnType<typeof startTestS3>>
let discord: Awaited<ReturnType<typeof startDiscord>>
let config: AppConfig
let app: FastifyInstance
let task: InvocationKind
let machine: StateMachine

beforeAll(async () => {
  s3Server = await startTestS3()
  discord = await startDiscord()
  config = testConfig(s3Server.endpoint, { DISCORD_WEBHOOK_URL: discord.url })
  app = await buildApp(config)
  const claimed = app.invocations.find((kind) => kind.claims({ task: 'discord' }))
  if (!claimed) throw new Error('no invocation kind claims the Discord tasks')
  task = claimed
  machine = new StateMachine(
    (await loadDiscordDeliveryDefinition({
      DeliveryFunctionArn: ARN,
    })) as unknown as StateMachineDefinition,
  )
})
afterAll(async () => {
  await app?.close()
  await discord?.close()
  await s3Server?.close()
})
beforeEach(async () => {
  discord.received.length = 0
  discord.queue.length = 0
  await app.records.delete(NOTIFICATIONS_RECORD_KEY)
})

/** An event's delivery as the route starts it: its key claimed, then the execution. */
async function eventInput(id: string): Promise<DeliveryInput> {
  const at = new Date()
  expect(await app.records.create(eventRecordKey(id), startedEvent(id, 1, at))).toBe(true)
  return {
    delivery: { kind: 'event', eventId: id, attempt: 1 },
    message: eventShapeMessage({ id, title: `Event ${id}` }, at),
  }
}

/** Runs the definition; resolves with how it ended and the states it went through. */
async function run(input: DeliveryInput, overrides: RunOptions['overrides'] = {}) {
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(
        DELIVERY_TASK_STATES.map((state) => [state, (event: unknown) => task.handle(event)]),
      ) as never,
      ...overrides,
    },
  })
  const events: { type: string; state?: { name: string; input: unknown }; Error?: string }[] = []
  const logging = (async () => {
    for await (const event of execution.eventLogs) events.push(event as (typeof events)[number])
  })()
  let ended: { status: 'succeeded'; output: unknown } | { status: 'failed'; error: string }
  try {
    ended = { status: 'succeeded', output: await execution.result }
  } catch (error) {
    ended = { status: 'failed', error: (error as { cause?: { name?: string } }).cause?.name ?? '' }
  }
  await logging
  const entered = events.filter((event) => event.type === 'StateEntered')
  return { ...ended, events, states: entered.map((event) => event.state?.name) }
}

async function settings() {
  return app.records.get(NOTIFICATIONS_RECORD_KEY)
}

describe('the definition', () => {
  it('passes asl-validator, as written and as the stack substitutes it', async () => {
    const text = await readFile(DEFINITION_FILE, 'utf8')
    for (const definition of [
      JSON.parse(text),
      JSON.parse(text.replaceAll('${DeliveryFunctionArn}', ARN)),
    ]) {
      const { isValid, errorsText } = aslValidator(definition, {
        checkArn: true,
        checkPaths: true,
      })
      expect(isValid, errorsText('\n')).toBe(true)
    }
  })

  it('has every Task call the control function with a {task: discord} event', async () => {
    const definition = JSON.parse(await readFile(DEFINITION_FILE, 'utf8')) as {
      States: Record<string, { Type: string; Resource?: string; Parameters?: { task?: string } }>
    }
    const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task')
    expect(tasks.map(([name]) => name).sort()).toEqual([...DELIVERY_TASK_STATES].sort())
    for (const [, state] of tasks) {
      expect(state.Resource).toBe('${DeliveryFunctionArn}')
      expect(state.Parameters?.task).toBe('discord')
    }
    const wait = definition.States[RATE_LIMIT_WAIT_STATE] as { SecondsPath?: string }
    expect(wait.SecondsPath).toBe('$.post.retryAfterSeconds')
  })
})

describe('the delivery paths in aws-local-stepfunctions', () => {
  it('ok: posts once, records the delivery and the event', async () => {
    const result = await run(await eventInput('ok-1'))
    expect(result).toMatchObject({ status: 'succeeded' })
    expect(result.states).toEqual([
      'Start counting rate limits',
      POST_STATE,
      'What Discord answered',
      'Record the delivery',
      'Delivered',
    ])
    expect(discord.received).toHaveLength(1)
    expect(discord.received[0]?.url).toBe('/api/webhooks/7/token?wait=true')
    expect(discord.received[0]?.body).toMatchObject({
      embeds: [{ title: 'Event ok-1', footer: { text: 'event ok-1' } }],
      allowed_mentions: { parse: [] },
    })
    expect(await settings()).toMatchObject({ lastDeliveredAt: expect.any(String) })
    expect(await app.records.get(eventRecordKey('ok-1'))).toMatchObject({
      status: 'delivered',
      discordMessageId: 'm-1',
    })
  })

  it("429: the Wait reads Discord's retry_after (rounded up to whole seconds), then ok", async () => {
    discord.queue.push({
      status: 429,
      body: JSON.stringify({ message: 'You are being rate limited.', retry_after: 0.4 }),
    })
    // No override: the Wait really waits the second it read.
    const result = await run(await eventInput('rate-1'))
    expect(result).toMatchObject({ status: 'succeeded' })
    expect(discord.received).toHaveLength(2)
    const [first, second] = discord.received
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000)
    expect(second?.body).toEqual(first?.body)
    const wait = result.events.find(
      (event) => event.type === 'StateEntered' && event.state?.name === RATE_LIMIT_WAIT_STATE,
    )
    expect(wait?.state?.input).toMatchObject({
      post: { outcome: 'rate-limited', retryAfterSeconds: 1 },
      rateLimit: { rounds: 1 },
    })
  })

  it('429 with a longer retry_after: the Wait is given its seconds (overridden to 0 here)', async () => {
    discord.queue.push({ status: 429, body: JSON.stringify({ retry_after: 2.5 }) })
    const started = Date.now()
    const result = await run(await eventInput('rate-2'), {
      waitTimeOverrides: { [RATE_LIMIT_WAIT_STATE]: 0 },
    })
    expect(Date.now() - started).toBeLessThan(2500)
    expect(result).toMatchObject({ status: 'succeeded' })
    const wait = result.events.find((event) => event.state?.name === RATE_LIMIT_WAIT_STATE)
    expect(wait?.state?.input).toMatchObject({ post: { retryAfterSeconds: 3 } })
  })

  it('429 again and again: gives up after 3 waits and records why', async () => {
    for (let n = 0; n < 6; n += 1) {
      discord.queue.push({ status: 429, body: JSON.stringify({ retry_after: 1 }) })
    }
    const result = await run(await eventInput('rate-3'), {
      waitTimeOverrides: { [RATE_LIMIT_WAIT_STATE]: 0 },
    })
    expect(result).toMatchObject({ status: 'succeeded' })
    expect(result.states.at(-1)).toBe('Not delivered')
    expect(discord.received).toHaveLength(4)
    expect(result.states.filter((state) => state === RATE_LIMIT_WAIT_STATE)).toHaveLength(3)
    expect((await settings())?.lastError).toMatch(/: Discord asked to wait 1000 ms \(429\)$/)
    expect(await app.records.get(eventRecordKey('rate-3'))).toMatchObject({ status: 'failed' })
  })

  it('a retry_after over 60 s is not waited out: refused, recorded', async () => {
    discord.queue.push({ status: 429, body: JSON.stringify({ retry_after: 600 }) })
    const result = await run(await eventInput('rate-4'))
    expect(result).toMatchObject({ status: 'succeeded' })
    expect(result.states.at(-1)).toBe('Not delivered')
    expect(discord.received).toHaveLength(1)
    expect((await settings())?.lastError).toMatch(
      /: Discord asked to wait 600 s \(429\), more than the 60 s a delivery waits$/,
    )
  })

  it('5xx three times: exactly 3 POSTs (the Retry), then the failure is recorded', async () => {
    discord.queue.push({ status: 500 }, { status: 502 }, { status: 503 })
    const result = await run(await eventInput('down-1'), {
      retryIntervalOverrides: { [POST_STATE]: 0 },
    })
    expect(result).toMatchObject({ status: 'succeeded' })
    expect(result.states.at(-1)).toBe('Not delivered')
    expect(discord.received).toHaveLength(3)
    expect(result.events.filter((event) => event.type === 'StateRetried')).toHaveLength(2)
    expect(result.states.slice(-2)).toEqual(['Record the failure', 'Not delivered'])
    expect((await settings())?.lastError).toMatch(/: Discord answered 503$/)
    expect(await settings()).not.toHaveProperty('lastDeliveredAt')
    expect(await app.records.get(eventRecordKey('down-1'))).toMatchObject({
      status: 'failed',
      error: 'Discord answered 503',
    })
  })

  it('5xx twice, then ok: delivered on the third POST', async () => {
    discord.queue.push({ status: 500 }, { status: 500 })
    const result = await run(await eventInput('flaky-1'), {
      retryIntervalOverrides: { [POST_STATE]: 0 },
    })
    expect(result).toMatchObject({ status: 'succeeded' })
    expect(discord.received).toHaveLength(3)
    expect(await app.records.get(eventRecordKey('flaky-1'))).toMatchObject({
      status: 'delivered',
      discordMessageId: 'm-3',
    })
  })

  it('404: turns Discord off for that URL and records it; the next delivery posts nothing', async () => {
    discord.queue.push({ status: 404, body: '{"message":"Unknown Webhook","code":10015}' })
    const result = await run(await eventInput('gone-1'))
    expect(result).toMatchObject({ status: 'succeeded' })
    expect(result.states.slice(-2)).toEqual(['Turn Discord off', 'Discord is gone'])
    expect(discord.received).toHaveLength(1)
    expect(await settings()).toMatchObject({
      discordDisabled: {
        urlHash: urlHash(discord.url),
        reason: 'Discord answered 404: the webhook was deleted',
      },
      lastError: expect.stringMatching(/: Discord answered 404: the webhook was deleted$/),
    })
    expect(JSON.stringify(await settings())).not.toContain('token')

    const next = await run(await eventInput('gone-2'))
    expect(next).toMatchObject({ status: 'succeeded' })
    expect(next.states.at(-1)).toBe('Not sent')
    expect(discord.received).toHaveLength(1)
  })

  it('another 4xx: refused at once, recorded, no retry', async () => {
    discord.queue.push({ status: 400, body: '{"message":"Invalid Form Body","code":50035}' })
    const result = await run(await eventInput('bad-1'))
    expect(result).toMatchObject({ status: 'succeeded' })
    expect(result.states.at(-1)).toBe('Not delivered')
    expect(discord.received).toHaveLength(1)
    expect((await settings())?.lastError).toMatch(/: Discord answered 400: Invalid Form Body$/)
  })

  it('fails the execution only when a task fails past its retries (what the stack alarms on)', async () => {
    let calls = 0
    const result = await run(
      {
        delivery: { kind: 'notification', notification: 'archived' },
        message: { embeds: [{ title: 'x' }], allowed_mentions: { parse: [] } },
      },
      {
        taskResourceLocalHandlers: {
          ...Object.fromEntries(
            DELIVERY_TASK_STATES.map((state) => [state, (event: unknown) => task.handle(event)]),
          ),
          'Record the delivery': () => {
            calls += 1
            throw Object.assign(new Error('table down'), { name: 'StorageUnavailable' })
          },
        } as never,
        retryIntervalOverrides: { 'Record the delivery': 0 },
      },
    )
    expect(result).toMatchObject({ status: 'failed', error: 'StorageUnavailable' })
    expect(calls).toBe(3)
    expect(discord.received).toHaveLength(1)
  })

  it('a notification: delivered, no event record touched', async () => {
    const result = await run({
      delivery: { kind: 'notification', notification: 'shared' },
      message: { embeds: [{ title: 'A meme was shared' }], allowed_mentions: { parse: [] } },
    })
    expect(result).toMatchObject({ status: 'succeeded' })
    expect(discord.received[0]?.body.embeds[0]?.title).toBe('A meme was shared')
  })
})

describe('the tasks as the control function serves them', () => {
  it('claims only Discord tasks', () => {
    expect(task.claims({ task: 'discord', action: 'post' })).toBe(true)
    for (const other of [
      null,
      'discord',
      { Records: [{ eventSource: 'aws:sqs' }] },
      { task: 'jobs' },
      { version: '2.0', routeKey: 'POST /api/events' },
    ]) {
      expect(task.claims(other)).toBe(false)
    }
  })

  it('refuses a malformed or hostile task event by name, posting nothing', async () => {
    for (const event of [
      { task: 'discord' },
      { task: 'discord', action: 'post-everything' },
      { task: 'discord', action: 'post', delivery: { kind: 'event', eventId: 'x' }, message: {} },
      {
        task: 'discord',
        action: 'post',
        delivery: { kind: 'event', eventId: 'x', attempt: 1 },
        message: { embeds: [] },
        webhookUrl: 'http://attacker.example/',
      },
      {
        task: 'discord',
        action: 'record-failure',
        delivery: { kind: 'notification', notification: 'archived' },
        error: 'no',
      },
    ]) {
      await expect(task.handle(event)).rejects.toMatchObject({ name: 'DiscordTaskInvalid' })
    }
    expect(discord.received).toHaveLength(0)
  })

  it('posts without the mentions a sender may have asked for', async () => {
    const result = await task.handle({
      task: 'discord',
      action: 'post',
      delivery: { kind: 'notification', notification: 'shared' },
      message: {
        content: '@everyone look',
        embeds: [{ title: 'x' }],
        allowed_mentions: { parse: ['everyone'] },
      },
    })
    expect(result).toEqual({
      outcome: 'delivered',
      urlHash: urlHash(discord.url),
      messageId: 'm-1',
    })
    expect(discord.received[0]?.body).toMatchObject({ allowed_mentions: { parse: [] } })
  })

  it('publishes each task on the meme-studio.discord.task channel with its action', async () => {
    const seen: unknown[] = []
    // A copy: the same context object gets the task's result when it ends.
    const onStart = (message: unknown) => seen.push({ ...(message as object) })
    subscribe(`tracing:${DISCORD_TASK_CHANNEL}:start`, onStart)
    try {
      await task.handle({
        task: 'discord',
        action: 'record-failure',
        delivery: { kind: 'notification', notification: 'archived' },
        error: { Error: 'DiscordUnavailable', Cause: 'Discord answered 500' },
      })
    } finally {
      unsubscribe(`tracing:${DISCORD_TASK_CHANNEL}:start`, onStart)
    }
    expect(seen).toEqual([{ action: 'record-failure' }])
  })

  it("reads a Lambda error's Cause as Step Functions gives it (the function's error as JSON)", async () => {
    await task.handle({
      task: 'discord',
      action: 'record-failure',
      delivery: { kind: 'notification', notification: 'archived' },
      error: {
        Error: 'DiscordUnavailable',
        Cause: JSON.stringify({
          errorType: 'DiscordUnavailable',
          errorMessage: 'Discord did not answer within 5000 ms',
          trace: ['DiscordUnavailable: Discord did not answer within 5000 ms', '    at …'],
        }),
      },
    })
    expect((await settings())?.lastError).toMatch(/: Discord did not answer within 5000 ms$/)
  })
})

describe('the control function on Lambda', () => {
  type Handler = (event: unknown, context: unknown) => Promise<unknown>
  let handler: Handler
  const saved: Record<string, string | undefined> = {}
  let lambdaConfig: AppConfig

  beforeAll(async () => {
    lambdaConfig = testConfig(s3Server.endpoint, {
      EVENTS_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:delivery',
    })
    await ensureTestTable(lambdaConfig)
    // What the AWS call recorder knows the table and state machine by.
    rememberAwsNames(lambdaConfig)
    const env = {
      S3_ENDPOINT: s3Server.endpoint,
      DYNAMODB_ENDPOINT: lambdaConfig.dynamodb.endpoint as string,
      RECORDS_TABLE: lambdaConfig.recordsTable,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
      DISCORD_WEBHOOK_URL: discord.url,
      EVENTS_STATE_MACHINE_ARN: lambdaConfig.events.stateMachineArn as string,
      LOG_LEVEL: 'error',
    }
    for (const [name, value] of Object.entries(env)) {
      saved[name] = process.env[name]
      process.env[name] = value
    }
    vi.resetModules()
    handler = (await import('../../../src/lambda-control.ts')).handler as unknown as Handler
  })
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })

  it('serves the tasks Step Functions invokes it with, the Parameters as the event', async () => {
    const post = await handler(
      {
        task: 'discord',
        action: 'post',
        delivery: { kind: 'event', eventId: 'lambda-1', attempt: 1 },
        message: { embeds: [{ title: 'From Step Functions' }], allowed_mentions: { parse: [] } },
      },
      {},
    )
    expect(post).toEqual({ outcome: 'delivered', urlHash: urlHash(discord.url), messageId: 'm-1' })
    expect(discord.received.map((message) => message.body.embeds[0]?.title)).toEqual([
      'From Step Functions',
    ])
    await expect(
      handler(
        {
          task: 'discord',
          action: 'record-delivery',
          delivery: { kind: 'event', eventId: 'lambda-1', attempt: 1 },
          post,
        },
        {},
      ),
    ).resolves.toEqual({})
  })

  it('fails a 5xx post with the error the Retry names', async () => {
    discord.queue.push({ status: 502 })
    await expect(
      handler(
        {
          task: 'discord',
          action: 'post',
          delivery: { kind: 'notification', notification: 'archived' },
          message: { embeds: [{ title: 'x' }] },
        },
        {},
      ),
    ).rejects.toMatchObject({ name: 'DiscordUnavailable', message: 'Discord answered 502' })
  })
})
