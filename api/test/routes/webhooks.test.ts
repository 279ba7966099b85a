import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import yauzl from 'yauzl'
import yazl from 'yazl'
import { signGithubPayload } from '../../src/services/signatures/github-signature.ts'
import { buildApp, startTestS3, testConfig, testS3Client } from '../support/test-app.ts'

const UPLOADS = 'meme-studio-uploads'
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

function githubZip(repo: string, sha: string): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  zip.addBuffer(Buffer.from('# site\n'), `${repo}-${sha}/README.md`)
  zip.addBuffer(Buffer.from('build:\n'), `${repo}-${sha}/buildspec.yml`)
  zip.end()
  const chunks: Buffer[] = []
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk))
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    zip.outputStream.on('error', reject)
  })
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
  }
  app = await buildApp(testConfig(s3.endpoint, env))
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
  return JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: SHA,
    created: false,
    deleted: false,
    forced: false,
    repository: {
      id: 1,
      name: 'site',
      full_name: 'octo/site',
      owner: { name: 'octo', login: 'octo' },
    },
    pusher: { name: 'mona', email: 'mona@example.com' },
    head_commit: { id: SHA, message: 'Build me' },
    ...overrides,
  })
}

async function deliveries(hookId: string) {
  const response = await app.inject({
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

async function handledMarker(hookId: string, deliveryId: string): Promise<boolean> {
  return storage
    .send(
      new HeadObjectCommand({ Bucket: UPLOADS, Key: `webhooks/${hookId}/handled/${deliveryId}` }),
    )
    .then(
      () => true,
      () => false,
    )
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
      expect(await handledMarker('default', deliveryId)).toBe(false)
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
    const listed = await storage.send(
      new ListObjectsV2Command({ Bucket: UPLOADS, Prefix: 'webhooks/0123456789abcdef/' }),
    )
    expect(listed.KeyCount).toBe(0)
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
      expect(response.statusCode).toBe(200)
      await notifying.notifier.settled()
      expect(messages.map((m) => m.embeds[0]?.title)).toEqual(['Push archived: octo/site (main)'])
    } finally {
      await notifying.inject({
        method: 'PUT',
        url: '/api/admin/notifications',
        headers: { 'x-api-key': API_KEY },
        payload: { notifyOnArchive: false },
      })
      await notifying.close()
      await new Promise<void>((resolve) => discord.close(() => resolve()))
    }
  })

  it('archives a push to the archive bucket at {prefix}{owner}/{repo}/{branch}.zip', async () => {
    const { hook, secret } = await createHook({ prefix: 'builds/' })
    const deliveryId = randomUUID()
    const response = await deliver(`/api/webhooks/github/${hook.hookId}`, {
      event: 'push',
      body: pushPayload({ ref: 'refs/heads/feature/login' }),
      deliveryId,
      secret,
    })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ ok: true, archiveKey: 'builds/octo/site/feature/login.zip' })
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
    expect(summary).toMatchObject({
      deliveryId,
      event: 'push',
      repo: 'octo/site',
      branch: 'feature/login',
      commit: SHA,
      verified: true,
      status: 200,
      outcome: 'archived',
      archiveKey: 'builds/octo/site/feature/login.zip',
    })
    const detail = await deliveryDetail(hook.hookId, deliveryId)
    expect(detail.requestHeaders).toMatchObject({
      'x-github-event': 'push',
      'x-github-delivery': deliveryId,
    })
    expect(JSON.stringify(detail)).not.toContain(secret)
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
      expect(github.requests).toEqual([])
      expect((await deliveries(hook.hookId))[0]).toMatchObject({
        deliveryId,
        outcome: 'ignored',
        reason,
        status: 202,
      })
    },
  )

  it('answers 502 ARCHIVE_DOWNLOAD_FAILED when GitHub keeps failing, and stores nothing', async () => {
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
    expect(response.statusCode).toBe(502)
    expect(response.json()).toMatchObject({ code: 'ARCHIVE_DOWNLOAD_FAILED' })
    expect(github.requests).toHaveLength(3)
    expect(await archiveKeys('failing/')).toEqual([])
    expect((await deliveries(hook.hookId))[0]).toMatchObject({
      deliveryId,
      outcome: 'failed',
      status: 502,
      repo: 'octo/site',
      branch: 'main',
      error: expect.any(String),
    })

    // A failed delivery is not remembered: GitHub's Redeliver (same id) runs it again.
    github.reset()
    const again = await send()
    expect(again.statusCode).toBe(200)
    expect(await archiveKeys('failing/')).toEqual(['failing/octo/site/main.zip'])
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
    expect((await send()).statusCode).toBe(200)
    const again = await send()
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual({ duplicate: true })
    expect(github.requests).toHaveLength(1)

    const restarted = await buildApp(testConfig(s3.endpoint, env))
    try {
      expect((await send(restarted)).json()).toEqual({ duplicate: true })
    } finally {
      await restarted.close()
    }
    expect(github.requests).toHaveLength(1)
    const outcomes = (await deliveries(hook.hookId)).map((d) => d.outcome)
    expect(outcomes).toEqual(['duplicate', 'duplicate', 'archived'])
  })

  it('answers concurrent copies of one delivery with one download', async () => {
    const { hook, secret } = await createHook({ prefix: 'race/' })
    const deliveryId = randomUUID()
    const send = () =>
      deliver(`/api/webhooks/github/${hook.hookId}`, {
        event: 'push',
        body: pushPayload(),
        deliveryId,
        secret,
      })
    const answers = await Promise.all([send(), send(), send()])
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200])
    expect(answers.filter((a) => a.json().duplicate === true)).toHaveLength(2)
    expect(github.requests).toHaveLength(1)
  })
})
