import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import yauzl from 'yauzl'
import type { AppConfig } from '../../src/config.ts'
import { signGithubPayload } from '../../src/services/signatures/github-signature.ts'
import { editDelivery, idempotencyKey } from '../../src/services/webhooks/deliveries.ts'
import { startS3Proxy } from '../support/s3-proxy.ts'
import { githubPushPayload, githubZip } from '../support/stand-ins.ts'
import { buildApp, closedPort, startTestS3, testConfig, testS3Client } from '../support/test-app.ts'

const ARCHIVES = 'meme-studio-archives'
const API_KEY = 'webhooks-test-key-0123456789abcdef'
/** GitHub Docs, "Validating webhook deliveries": the published example. */
const DOCS = {
  secret: "It's a Secret to Everybody",
  payload: 'Hello, World!',
  header: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
}
const SHA = 'b1a5ed0000000000000000000000000000000042'

/** A loopback stand-in for GitHub: serves `<repo>-<sha>/` zips, or what a test says. */
async function startGithub() {
  const requests: string[] = []
  let answer: (req: IncomingMessage, res: ServerResponse) => void = (req, res) => {
    const match = /^\/([^/]+)\/([^/]+)\/archive\/([0-9a-f]{40})\.zip$/.exec(req.url ?? '')
    if (!match) return res.writeHead(404).end()
    void githubZip(match[2] as string, match[3] as string).then((zip) =>
      res.writeHead(200, { 'content-type': 'application/zip' }).end(zip),
    )
  }
  const serve = answer
  const server = createServer((req, res) => {
    requests.push(req.url ?? '')
    answer(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    answerWith(handler: typeof answer) {
      answer = handler
    },
    reset() {
      answer = serve
      requests.length = 0
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function zipEntries(buffer: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, {}, (error, zip) => {
      if (error) return reject(error)
      const names: string[] = []
      zip.on('entry', (entry: yauzl.Entry) => names.push(entry.fileName))
      zip.on('end', () => resolve(names.sort()))
      zip.on('error', reject)
    })
  })
}

let s3: Awaited<ReturnType<typeof startTestS3>>
let github: Awaited<ReturnType<typeof startGithub>>
let app: FastifyInstance
let config: AppConfig
let storage: S3Client
let env: Record<string, string>

beforeAll(async () => {
  s3 = await startTestS3()
  github = await startGithub()
  env = {
    ADMIN_API_KEYS: API_KEY,
    USAGE_RATE: '10000',
    USAGE_BURST: '10000',
    GITHUB_WEBHOOK_SECRET: DOCS.secret,
    GITHUB_BASE_URL: github.url,
    // A failed archive try comes back after a second, not the default two minutes.
    QUEUE_VISIBILITY_SECONDS: '1',
  }
  config = testConfig(s3.endpoint, env)
  app = await buildApp(config)
  storage = testS3Client(testConfig(s3.endpoint))
})
afterAll(async () => {
  storage.destroy()
  await app.close()
  await github.close()
  await s3.close()
})
afterEach(() => {
  github.reset()
  vi.useRealTimers()
})

async function createHook(settings: Record<string, unknown> = {}, target = app) {
  const response = await target.inject({
    method: 'POST',
    url: '/api/admin/webhooks',
    headers: { 'x-api-key': API_KEY },
    payload: { name: 'site', ...settings },
  })
  expect(response.statusCode).toBe(201)
  return response.json<{ hook: { hookId: string }; secret: string }>()
}

interface Delivery {
  event: string
  body: string | Buffer
  secret?: string
  deliveryId?: string
  headers?: Record<string, string | undefined>
  contentType?: string
}

/** Sends a delivery as GitHub does; `secret` signs it unless the test gives its own headers. */
function deliver(url: string, delivery: Delivery, target = app) {
  const body = Buffer.isBuffer(delivery.body) ? delivery.body : Buffer.from(delivery.body)
  const headers: Record<string, string> = {
    'content-type': delivery.contentType ?? 'application/json',
    'user-agent': 'GitHub-Hookshot/044aadd',
    'x-github-event': delivery.event,
    'x-github-delivery': delivery.deliveryId ?? randomUUID(),
    ...(delivery.secret ? { 'x-hub-signature-256': signGithubPayload(delivery.secret, body) } : {}),
  }
  for (const [name, value] of Object.entries(delivery.headers ?? {})) {
    if (value === undefined) delete headers[name]
    else headers[name] = value
  }
  return target.inject({ method: 'POST', url, headers, payload: body })
}

function pushPayload(overrides: Record<string, unknown> = {}) {
  return githubPushPayload(SHA, overrides)
}

async function deliveries(hookId: string, target = app) {
  const response = await target.inject({
    method: 'GET',
    url: `/api/admin/webhooks/${hookId}/deliveries`,
    headers: { 'x-api-key': API_KEY },
  })
  expect(response.statusCode).toBe(200)
  return response.json<{ deliveries: Record<string, unknown>[] }>().deliveries
}

async function deliveryDetail(hookId: string, deliveryId: string) {
  const response = await app.inject({
    method: 'GET',
    url: `/api/admin/webhooks/${hookId}/deliveries/${deliveryId}`,
    headers: { 'x-api-key': API_KEY },
  })
  expect(response.statusCode).toBe(200)
  return response.json<{ delivery: Record<string, unknown> }>().delivery
}

async function archiveKeys(prefix = ''): Promise<string[]> {
  const listed = await storage.send(new ListObjectsV2Command({ Bucket: ARCHIVES, Prefix: prefix }))
  return (listed.Contents ?? []).map((item) => item.Key as string)
}

/** Whether the delivery id is claimed: its idempotency key is in the records table. */
async function claimed(hookId: string, deliveryId: string): Promise<boolean> {
  return (await app.records.get(idempotencyKey(hookId, deliveryId))) !== undefined
}

/** The delivery's summary once `done` says it is, asking the admin API every 50 ms. */
async function deliveryWhen(
  hookId: string,
  deliveryId: string,
  done: (delivery: Record<string, unknown>) => boolean,
  timeoutMs = 15_000,
) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const found = (await deliveries(hookId)).find((d) => d.deliveryId === deliveryId)
    if (found && done(found)) return found
    if (Date.now() > until) throw new Error(`delivery ${deliveryId} is ${JSON.stringify(found)}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

const PING = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 })

describe('signatures', () => {
  it("accepts GitHub Docs' example signature on the default hook (then refuses the non-JSON body)", async () => {
    const deliveryId = randomUUID()
    const response = await deliver('/api/webhooks/github', {
      event: 'ping',
      body: DOCS.payload,
      deliveryId,
      headers: { 'x-hub-signature-256': DOCS.header },
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'MALFORMED_JSON' })
    expect(await deliveryDetail('default', deliveryId)).toMatchObject({
      verified: true,
      outcome: 'rejected',
      status: 400,
      payload: DOCS.payload,
    })
  })

  it('checks the raw bytes: pretty-printed JSON with a trailing newline', async () => {
    const body = `${JSON.stringify(JSON.parse(PING), null, 2)}\n`
    const response = await deliver('/api/webhooks/github', {
      event: 'ping',
      body,
      secret: DOCS.secret,
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ ok: true })
  })

  it('checks a form-encoded delivery over the form, then reads its payload field', async () => {
    const body = `payload=${encodeURIComponent(PING)}`
    const response = await deliver('/api/webhooks/github', {
      event: 'ping',
      body,
      secret: DOCS.secret,
      contentType: 'application/x-www-form-urlencoded',
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ ok: true })
  })

  const sha1 = `sha1=${'0'.repeat(40)}`
  const good = signGithubPayload(DOCS.secret, pushPayload())
  it.each([
    ['no signature', {}],
    ['only the SHA-1 X-Hub-Signature', { 'x-hub-signature': sha1 }],
    ['a short digest', { 'x-hub-signature-256': good.slice(0, -1) }],
    ['a long digest', { 'x-hub-signature-256': `${good}0` }],
    ['non-hex digits', { 'x-hub-signature-256': `${good.slice(0, -1)}z` }],
    ['another secret', { 'x-hub-signature-256': signGithubPayload('not it', pushPayload()) }],
    [
      'the signature of another body',
      { 'x-hub-signature-256': signGithubPayload(DOCS.secret, PING) },
    ],
  ])(
    'refuses %s with 401 SIGNATURE_INVALID, archives nothing, records it',
    async (_case, headers) => {
      const deliveryId = randomUUID()
      const response = await deliver('/api/webhooks/github', {
        event: 'push',
        body: pushPayload(),
        deliveryId,
        headers,
      })
      expect(response.statusCode).toBe(401)
      expect(response.json()).toMatchObject({ statusCode: 401, code: 'SIGNATURE_INVALID' })
      expect(github.requests).toEqual([])
      expect(await archiveKeys('octo/')).toEqual([])
      expect(await claimed('default', deliveryId)).toBe(false)
      expect(await deliveryDetail('default', deliveryId)).toMatchObject({
        verified: false,
        outcome: 'rejected',
        status: 401,
      })
    },
  )

  it('keeps at most 4 KiB of a refused payload', async () => {
    const deliveryId = randomUUID()
    const body = pushPayload({ padding: 'x'.repeat(10_000) })
    await deliver('/api/webhooks/github', { event: 'push', body, deliveryId, secret: 'wrong' })
    const detail = await deliveryDetail('default', deliveryId)
    expect(detail).toMatchObject({
      truncated: true,
      verified: false,
      payloadBytes: Buffer.byteLength(body),
    })
    expect(Buffer.byteLength(detail.payload as string)).toBe(4096)
  })

  it('does not let a refused delivery use up its delivery id', async () => {
    const deliveryId = randomUUID()
    const bad = await deliver('/api/webhooks/github', {
      event: 'ping',
      body: PING,
      deliveryId,
      secret: 'x',
    })
    expect(bad.statusCode).toBe(401)
    const good = await deliver('/api/webhooks/github', {
      event: 'ping',
      body: PING,
      deliveryId,
      secret: DOCS.secret,
    })
    expect(good.json()).toEqual({ ok: true })
  })

  it("accepts the previous secret until the rotation's grace ends", async () => {
    // Only Date is faked, and moved less than 5 minutes: the AWS SDK corrects its clock
    // against S3's Date header beyond that, and s3rver would see the requests as skewed.
    // An app of its own, so that the others' delivery times never ran ahead.
    vi.useFakeTimers({ toFake: ['Date'] })
    const clocked = await buildApp(testConfig(s3.endpoint, env))
    try {
      const { hook, secret: first } = await createHook({}, clocked)
      const url = `/api/webhooks/github/${hook.hookId}`
      const rotated = await clocked.inject({
        method: 'POST',
        url: `/api/admin/webhooks/${hook.hookId}/rotate-secret`,
        headers: { 'x-api-key': API_KEY },
        payload: { graceSeconds: 120 },
      })
      const second = rotated.json<{ secret: string }>().secret
      const ping = (secret: string) => deliver(url, { event: 'ping', body: PING, secret }, clocked)
      expect((await ping(first)).statusCode).toBe(200)
      expect((await ping(second)).statusCode).toBe(200)

      vi.setSystemTime(Date.now() + 120_000 - 1)
      expect((await ping(first)).statusCode).toBe(200)
      vi.setSystemTime(Date.now() + 1)
      const late = await ping(first)
      expect(late.statusCode).toBe(401)
      expect(late.json()).toMatchObject({ code: 'SIGNATURE_INVALID' })
      expect((await ping(second)).statusCode).toBe(200)
    } finally {
      await clocked.close()
    }
  })
})

describe('the default hook', () => {
  it('is not there without GITHUB_WEBHOOK_SECRET', async () => {
    const bare = await buildApp(testConfig(s3.endpoint, { ...env, GITHUB_WEBHOOK_SECRET: '' }))
    try {
      const response = await deliver(
        '/api/webhooks/github',
        { event: 'ping', body: PING, secret: 'x' },
        bare,
      )
      expect(response.statusCode).toBe(404)
      expect(response.json()).toMatchObject({ code: 'NOT_FOUND' })
    } finally {
      await bare.close()
    }
  })

  it('answers an unknown hook id 404 and records nothing', async () => {
    const response = await deliver('/api/webhooks/github/0123456789abcdef', {
      event: 'ping',
      body: PING,
      secret: 'x',
    })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toMatchObject({ code: 'HOOK_NOT_FOUND' })
    expect(await app.records.query('delivery#0123456789abcdef')).toEqual([])
  })
})

describe('pushes', () => {
  it('tells Discord about an archived push when that notification is on', async () => {
    const messages: { embeds: { title: string }[] }[] = []
    const discord = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        messages.push(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"1"}')
      })
    })
    await new Promise<void>((resolve) => discord.listen(0, '127.0.0.1', resolve))
    const { port } = discord.address() as AddressInfo
    const notifying = await buildApp(
      testConfig(s3.endpoint, { ...env, DISCORD_WEBHOOK_URL: `http://127.0.0.1:${port}/hook` }),
    )
    try {
      const toggled = await notifying.inject({
        method: 'PUT',
        url: '/api/admin/notifications',
        headers: { 'x-api-key': API_KEY },
        payload: { notifyOnArchive: true },
      })
      expect(toggled.statusCode).toBe(200)
      const { hook, secret } = await createHook({}, notifying)
      const response = await deliver(
        `/api/webhooks/github/${hook.hookId}`,
        { event: 'push', body: pushPayload(), secret },
        notifying,
      )
      expect(response.statusCode).toBe(202)
      await notifying.queues.idle()
      await notifying.notifier.settled()
      expect(messages.map((m) => m.embeds[0]?.title)).toEqual(['Push archived: octo/site (main)'])
    } finally {
      await notifying.close()
      await new Promise<void>((resolve) => discord.close(() => resolve()))
    }
  })

  it('answers 202 queued, then archives to {prefix}{owner}/{repo}/{branch}.zip', async () => {
    const { hook, secret } = await createHook({ prefix: 'builds/' })
    const deliveryId = randomUUID()
    const response = await deliver(`/api/webhooks/github/${hook.hookId}`, {
      event: 'push',
      body: pushPayload({ ref: 'refs/heads/feature/login' }),
      deliveryId,
      secret,
    })
    expect(response.statusCode).toBe(202)
    expect(response.json()).toEqual({ ok: true, queued: true, deliveryId })
    await app.queues.idle()
    expect(github.requests).toEqual([`/octo/site/archive/${SHA}.zip`])

    const object = await storage.send(
      new GetObjectCommand({ Bucket: ARCHIVES, Key: 'builds/octo/site/feature/login.zip' }),
    )
    expect(object.Metadata).toEqual({ commit: SHA, delivery: deliveryId, pusher: 'mona' })
    const zip = Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    )
    expect(await zipEntries(zip)).toEqual(['README.md', 'buildspec.yml'])

    const [summary] = await deliveries(hook.hookId)
    expect(summary).toEqual({
      deliveryId,
      receivedAt: expect.any(String),
      event: 'push',
      repo: 'octo/site',
      branch: 'feature/login',
      commit: SHA,
      verified: true,
      status: 202,
      outcome: 'archived',
      archiveKey: 'builds/octo/site/feature/login.zip',
      durationMs: expect.any(Number),
      updatedAt: expect.any(String),
    })
    const detail = await deliveryDetail(hook.hookId, deliveryId)
    expect(detail.response).toEqual({ ok: true, queued: true, deliveryId })
    expect(detail.requestHeaders).toMatchObject({
      'x-github-event': 'push',
      'x-github-delivery': deliveryId,
    })
    expect(JSON.stringify(detail)).not.toContain(secret)
  })

  it('redelivers a push from the admin page: queued at once, archived after', async () => {
    const { hook, secret } = await createHook({ prefix: 'replay/' })
    const deliveryId = randomUUID()
    await deliver(`/api/webhooks/github/${hook.hookId}`, {
      event: 'push',
      body: pushPayload(),
      deliveryId,
      secret,
    })
    await app.queues.idle()
    const response = await app.inject({
      method: 'POST',
      url: `/api/admin/webhooks/${hook.hookId}/deliveries/${deliveryId}/redeliver`,
      headers: { 'x-api-key': API_KEY },
      payload: {},
    })
    expect(response.statusCode).toBe(200)
    const replay = response.json<{ delivery: Record<string, unknown> }>().delivery
    // The worker may have taken it already by the time the record is read back.
    expect(replay).toMatchObject({
      outcome: expect.stringMatching(/^(queued|archiving|archived)$/),
      status: 202,
      redeliveryOf: deliveryId,
    })
    await app.queues.idle()
    expect(await deliveryWhen(hook.hookId, replay.deliveryId as string, () => true)).toMatchObject({
      outcome: 'archived',
      archiveKey: 'replay/octo/site/main.zip',
    })
    expect(github.requests).toHaveLength(2)
  })

  it('answers well under a second while a slow download runs, and shows where the delivery is', async () => {
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    github.answerWith((req, res) => {
      // The archive comes only when the test says: until then the worker is archiving.
      void held
        .then(() => githubZip('site', SHA))
        .then((zip) => res.writeHead(200, { 'content-type': 'application/zip' }).end(zip))
    })
    const { hook, secret } = await createHook({ prefix: 'slow/' })
    const deliveryId = randomUUID()
    const started = performance.now()
    const response = await deliver(`/api/webhooks/github/${hook.hookId}`, {
      event: 'push',
      body: pushPayload(),
      deliveryId,
      secret,
    })
    const elapsedMs = performance.now() - started
    expect(response.statusCode).toBe(202)
    expect(elapsedMs).toBeLessThan(500)
    expect((await deliveries(hook.hookId))[0]).toMatchObject({ deliveryId })

    const archiving = await deliveryWhen(hook.hookId, deliveryId, (d) => d.outcome !== 'queued')
    expect(archiving).toMatchObject({ outcome: 'archiving', status: 202 })
    expect(archiving).not.toHaveProperty('archiveKey')
    expect(await archiveKeys('slow/')).toEqual([])

    release()
    await app.queues.idle()
    expect(await deliveryWhen(hook.hookId, deliveryId, () => true)).toMatchObject({
      outcome: 'archived',
      archiveKey: 'slow/octo/site/main.zip',
    })
    expect(await archiveKeys('slow/')).toEqual(['slow/octo/site/main.zip'])
  })

  it.each([
    ['a tag push', 'push', { ref: 'refs/tags/v1.0.0' }, 'tag push (v1.0.0)'],
    ['a branch deletion', 'push', { deleted: true, after: '0'.repeat(40) }, 'branch deleted'],
    [
      'a branch outside the allow-list',
      'push',
      { ref: 'refs/heads/dev' },
      "branch dev is not in the hook's branches",
    ],
    ['another event', 'issues', {}, 'event issues is not archived'],
  ])(
    'answers %s 202 with the reason and downloads nothing',
    async (_case, event, overrides, reason) => {
      const { hook, secret } = await createHook({ branches: ['main', 'release/*'] })
      const deliveryId = randomUUID()
      const response = await deliver(`/api/webhooks/github/${hook.hookId}`, {
        event,
        body: pushPayload(overrides),
        deliveryId,
        secret,
      })
      expect(response.statusCode).toBe(202)
      expect(response.json()).toEqual({ ok: true, ignored: reason })
      await app.queues.idle()
      expect(github.requests).toEqual([])
      expect((await deliveries(hook.hookId))[0]).toMatchObject({
        deliveryId,
        outcome: 'ignored',
        reason,
        status: 202,
      })
    },
  )

  it('records failed on the last try when GitHub keeps failing, stores nothing, and lets GitHub redeliver', async () => {
    github.answerWith((_req, res) => res.writeHead(500).end())
    const { hook, secret } = await createHook({ prefix: 'failing/' })
    const deliveryId = randomUUID()
    const send = () =>
      deliver(`/api/webhooks/github/${hook.hookId}`, {
        event: 'push',
        body: pushPayload(),
        deliveryId,
        secret,
      })
    const response = await send()
    expect(response.statusCode).toBe(202)
    // A try that failed puts it back, saying why, for the queue to hand over again.
    expect(
      await deliveryWhen(hook.hookId, deliveryId, (d) => typeof d.error === 'string'),
    ).toMatchObject({
      outcome: expect.stringMatching(/^(queued|archiving)$/),
      error: expect.stringMatching(/^Try 1 of 3 failed: GitHub answered 500 \(3 tries\)/),
    })
    const failed = await deliveryWhen(hook.hookId, deliveryId, (d) => d.outcome === 'failed')
    expect(failed).toMatchObject({
      outcome: 'failed',
      status: 202,
      repo: 'octo/site',
      branch: 'main',
      error: 'GitHub answered 500 (3 tries)',
    })
    expect(failed).not.toHaveProperty('archiveKey')
    await app.queues.idle()
    // Three receives (QUEUE_MAX_RECEIVES), three downloads each.
    expect(github.requests).toHaveLength(9)
    expect(await archiveKeys('failing/')).toEqual([])

    // A failed delivery is not remembered: GitHub's Redeliver (same id) runs it again.
    github.reset()
    const again = await send()
    expect(again.statusCode).toBe(202)
    expect(again.json()).toEqual({ ok: true, queued: true, deliveryId })
    await app.queues.idle()
    expect(await deliveryWhen(hook.hookId, deliveryId, () => true)).toMatchObject({
      outcome: 'archived',
    })
    expect(await archiveKeys('failing/')).toEqual(['failing/octo/site/main.zip'])
  })

  it.each([
    ['the repository is not there (404)', (res: ServerResponse) => res.writeHead(404).end()],
    ['GitHub sends what is not a zip', (res: ServerResponse) => res.writeHead(200).end('no zip')],
  ])('records failed at once when %s: no retry mends it', async (_case, answer) => {
    github.answerWith((_req, res) => answer(res))
    const { hook, secret } = await createHook({ prefix: 'gone/' })
    const deliveryId = randomUUID()
    const response = await deliver(`/api/webhooks/github/${hook.hookId}`, {
      event: 'push',
      body: pushPayload(),
      deliveryId,
      secret,
    })
    expect(response.statusCode).toBe(202)
    await app.queues.idle()
    expect(await deliveryWhen(hook.hookId, deliveryId, () => true)).toMatchObject({
      outcome: 'failed',
      error: expect.any(String),
    })
    expect(github.requests).toHaveLength(1)
    expect(await archiveKeys('gone/')).toEqual([])
    expect(await claimed(hook.hookId, deliveryId)).toBe(false)
  })

  it('does nothing for an archive message that comes again after its delivery was archived', async () => {
    const { hook, secret } = await createHook({ prefix: 'again/' })
    const deliveryId = randomUUID()
    await deliver(`/api/webhooks/github/${hook.hookId}`, {
      event: 'push',
      body: pushPayload(),
      deliveryId,
      secret,
    })
    await app.queues.idle()
    const archived = await deliveryWhen(hook.hookId, deliveryId, () => true)
    expect(archived.outcome).toBe('archived')
    expect(github.requests).toHaveLength(1)

    // SQS delivers at least once: the same message, as the receiver sent it, once more.
    await app.queues.send('archives', {
      hookId: hook.hookId,
      deliveryId,
      receivedAt: archived.receivedAt,
      owner: 'octo',
      repo: 'site',
      branch: 'main',
      sha: SHA,
      key: 'again/octo/site/main.zip',
      stripRoot: true,
      pusher: 'mona',
    })
    // And one that is not an archive request at all: dropped.
    await app.queues.send('archives', { hookId: '../../etc', deliveryId: 1 })
    await app.queues.idle()
    expect(github.requests).toHaveLength(1)
    expect(await deliveryWhen(hook.hookId, deliveryId, () => true)).toEqual(archived)
  })

  it('records a push a try stored but died before recording as archived, without downloading it again', async () => {
    const { hook, secret } = await createHook({ prefix: 'died/' })
    const deliveryId = randomUUID()
    await deliver(`/api/webhooks/github/${hook.hookId}`, {
      event: 'push',
      body: pushPayload(),
      deliveryId,
      secret,
    })
    await app.queues.idle()
    const archived = await deliveryWhen(hook.hookId, deliveryId, (d) => d.outcome === 'archived')
    expect(github.requests).toHaveLength(1)

    // As that try left it: the archive stored, the record still archiving under its lease,
    // which has run out. The queue hands the message over again.
    const ref = { hookId: hook.hookId, deliveryId, receivedAt: archived.receivedAt as string }
    await editDelivery(app.records, ref, (current) => {
      const left = {
        ...current,
        outcome: 'archiving' as const,
        leaseOwner: 'a try that died',
        leaseUntil: new Date(Date.now() - 1000).toISOString(),
      }
      delete left.archiveKey
      return left
    })
    await app.queues.send('archives', {
      ...ref,
      owner: 'octo',
      repo: 'site',
      branch: 'main',
      sha: SHA,
      key: 'died/octo/site/main.zip',
      stripRoot: true,
      pusher: 'mona',
    })
    await app.queues.idle()
    expect(github.requests).toHaveLength(1)
    expect(await deliveryWhen(hook.hookId, deliveryId, () => true)).toMatchObject({
      outcome: 'archived',
      archiveKey: 'died/octo/site/main.zip',
    })
    expect(await archiveKeys('died/')).toEqual(['died/octo/site/main.zip'])
  })

  it('answers the same delivery again 200 {"duplicate":true} and downloads once, after a restart too', async () => {
    const { hook, secret } = await createHook({ prefix: 'dup/' })
    const deliveryId = randomUUID()
    const send = (target = app) =>
      deliver(
        `/api/webhooks/github/${hook.hookId}`,
        { event: 'push', body: pushPayload(), deliveryId, secret },
        target,
      )
    expect((await send()).statusCode).toBe(202)
    const again = await send()
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual({ duplicate: true })
    await app.queues.idle()

    // Another process on the same stores (the same table): nothing kept in memory.
    const restarted = await buildApp(config)
    try {
      expect((await send(restarted)).json()).toEqual({ duplicate: true })
    } finally {
      await restarted.close()
    }
    expect(github.requests).toHaveLength(1)
    const outcomes = (await deliveries(hook.hookId)).map((d) => d.outcome)
    expect(outcomes).toEqual(['duplicate', 'duplicate', 'archived'])
  })

  it.each([
    ['one instance', false],
    ['two instances sharing the stores', true],
  ])(
    'answers 20 concurrent copies sent to %s with one archive and 19 duplicates',
    async (_case, split) => {
      // The instances' S3 calls go through a proxy that counts what reaches the archive key.
      const proxy = await startS3Proxy(s3.endpoint)
      const shared = { ...config, s3: { ...config.s3, endpoint: proxy.endpoint } }
      // The file's own app shares the table, so it polls the same queue, but its S3 calls do not
      // go through the proxy: when it took the message, the archive's PUT went uncounted. It
      // steps aside for this test.
      await app.close()
      const first = await buildApp(shared)
      const second = split ? await buildApp(shared) : first
      try {
        const { hook, secret } = await createHook({ prefix: 'race/' }, first)
        const deliveryId = randomUUID()
        const body = pushPayload()
        const answers = await Promise.all(
          Array.from({ length: 20 }, (_, index) =>
            deliver(
              `/api/webhooks/github/${hook.hookId}`,
              { event: 'push', body, deliveryId, secret },
              index % 2 === 0 ? first : second,
            ),
          ),
        )
        const bodies = answers.map((a) => ({ status: a.statusCode, body: a.json() }))
        expect(bodies.filter((a) => a.status === 202)).toEqual([
          { status: 202, body: { ok: true, queued: true, deliveryId } },
        ])
        expect(bodies.filter((a) => a.status === 200)).toEqual(
          Array(19).fill({ status: 200, body: { duplicate: true } }),
        )
        // Whichever instance took the message, wait until none has it hidden or running.
        await Promise.all([first.queues.idle(), second.queues.idle()])
        expect(github.requests).toHaveLength(1)
        const writes = proxy.requests.filter(
          (r) => r.method !== 'GET' && r.method !== 'HEAD' && r.path.includes('/race/'),
        )
        expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
          `PUT /${ARCHIVES}/race/octo/site/main.zip`,
        ])
        const outcomes = (await deliveries(hook.hookId, first)).map((d) => d.outcome)
        expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(19)
        expect(outcomes.filter((o) => o !== 'duplicate')).toEqual(['archived'])
      } finally {
        await first.close()
        if (split) await second.close()
        await proxy.close()
        app = await buildApp(config)
      }
    },
  )

  it('answers 503 when the queue cannot take the push, and does not keep the id', async () => {
    const closed = await closedPort()
    const noQueue = await buildApp({
      ...config,
      queues: {
        ...config.queues,
        archivesUrl: `${closed}/000000000000/archives`,
        endpoint: closed,
      },
    })
    try {
      const { hook, secret } = await createHook({ prefix: 'unqueued/' }, noQueue)
      const deliveryId = randomUUID()
      const send = () =>
        deliver(
          `/api/webhooks/github/${hook.hookId}`,
          { event: 'push', body: pushPayload(), deliveryId, secret },
          noQueue,
        )
      const response = await send()
      expect(response.statusCode).toBe(503)
      expect(response.json()).toMatchObject({ code: 'STORAGE_UNAVAILABLE' })
      expect((await deliveries(hook.hookId))[0]).toMatchObject({
        deliveryId,
        outcome: 'failed',
        status: 503,
        error: expect.any(String),
      })
      expect(await claimed(hook.hookId, deliveryId)).toBe(false)
      // GitHub's retry is not a duplicate: it is run again (and fails again, the queue still down).
      expect((await send()).statusCode).toBe(503)
    } finally {
      await noQueue.close()
    }
    expect(await archiveKeys('unqueued/')).toEqual([])
  })
})

describe('malformed, hostile and oversized deliveries', () => {
  // The security probe: owner or repo `.`/`..` passed the name check, so a hook with prefix
  // teamA/ wrote under teamB/, and `../../main.zip` landed beside the bucket in DATA_DIR.
  it.each([
    ['teamA/', { name: 'teamB', owner: { login: '..' } }, 'teamA/../teamB/main.zip'],
    ['', { name: '..', owner: { login: '..' } }, '../../main.zip'],
    ['teamA/', { name: '.', owner: { login: 'octo' } }, 'teamA/octo/./main.zip'],
  ])(
    'refuses a push whose key would leave prefix %o (%o), and stores nothing',
    async (prefix, repository, _key) => {
      const { hook, secret } = await createHook({ prefix })
      const before = await archiveKeys()
      // A stand-in that serves a zip for any path: nothing but the receiver stops the write.
      github.answerWith((_req, res) => {
        void githubZip('x', SHA).then((zip) =>
          res.writeHead(200, { 'content-type': 'application/zip' }).end(zip),
        )
      })
      const deliveryId = randomUUID()
      const response = await deliver(`/api/webhooks/github/${hook.hookId}`, {
        event: 'push',
        body: pushPayload({ repository }),
        deliveryId,
        secret,
      })
      await app.queues.idle()
      expect(response.statusCode).toBe(400)
      expect(response.json()).toMatchObject({ code: 'BAD_PAYLOAD' })
      expect(github.requests).toEqual([])
      expect(await archiveKeys()).toEqual(before)
      expect(await deliveryDetail(hook.hookId, deliveryId)).toMatchObject({
        outcome: 'rejected',
        status: 400,
      })
    },
  )

  it.each([
    ['no X-GitHub-Delivery', { 'x-github-delivery': undefined }],
    ['a delivery id that is not a GUID', { 'x-github-delivery': 'a#b/../c' }],
    ['a delivery id of 65 characters', { 'x-github-delivery': 'a'.repeat(65) }],
    ['no X-GitHub-Event', { 'x-github-event': undefined }],
  ])('refuses %s with 400 BAD_DELIVERY, and archives nothing', async (_case, headers) => {
    const response = await deliver('/api/webhooks/github', {
      event: 'push',
      body: pushPayload(),
      secret: DOCS.secret,
      headers,
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'BAD_DELIVERY' })
    await app.queues.idle()
    expect(github.requests).toEqual([])
  })

  it.each([
    ['a push without a ref', { ref: undefined }],
    ['a branch climbing out of its prefix', { ref: 'refs/heads/../../x' }],
    ['an owner that is not a GitHub name', { repository: { name: 'x', owner: { login: '../x' } } }],
  ])('refuses %s with 400 BAD_PAYLOAD, and lets the id be used again', async (_case, overrides) => {
    const deliveryId = randomUUID()
    const response = await deliver('/api/webhooks/github', {
      event: 'push',
      body: pushPayload(overrides),
      deliveryId,
      secret: DOCS.secret,
    })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'BAD_PAYLOAD' })
    expect(await claimed('default', deliveryId)).toBe(false)
    expect(await deliveryDetail('default', deliveryId)).toMatchObject({
      outcome: 'rejected',
      status: 400,
    })
  })

  it('refuses a body over 4 MiB with 413 before reading it', async () => {
    const body = Buffer.alloc(4 * 1024 * 1024 + 1, 0x20)
    const response = await deliver('/api/webhooks/github', { event: 'push', body, secret: 'x' })
    expect(response.statusCode).toBe(413)
  })

  it('refuses a content type GitHub does not send with 415', async () => {
    const response = await deliver('/api/webhooks/github', {
      event: 'ping',
      body: PING,
      secret: DOCS.secret,
      contentType: 'text/plain',
    })
    expect(response.statusCode).toBe(415)
  })

  it.each(['..%2F..%2Fhooks', 'DEFAULT', '0123456789ABCDEF', 'x'.repeat(100)])(
    'answers hook id %s 404',
    async (hookId) => {
      const response = await deliver(`/api/webhooks/github/${hookId}`, {
        event: 'ping',
        body: PING,
        secret: 'x',
      })
      expect(response.statusCode).toBe(404)
    },
  )
})
