import { randomUUID } from 'node:crypto'
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import type { FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import yauzl from 'yauzl'
import { signBitbucketPayload } from '../../src/services/signatures/bitbucket-signature.ts'
import { signGiteeTimestamp } from '../../src/services/signatures/gitee-token.ts'
import {
  bitbucketPushPayload,
  giteePushPayload,
  gitlabPushPayload,
  startGitHostStandIn,
} from '../support/stand-ins.ts'
import { buildApp, startTestS3, testConfig, testS3Client } from '../support/test-app.ts'

/**
 * GitLab, Bitbucket Cloud and Gitee hooks, end to end: each host's documented headers and
 * payload (see `stand-ins.ts` for the payloads' sources) through the public route, the queue
 * and the archive worker, against a loopback stand-in for the host's archive download.
 */

const ARCHIVES = 'meme-studio-archives'
const API_KEY = 'providers-test-key-0123456789abcdef'
const SHA = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'
const ZEROS = '0'.repeat(40)
/** The access token the stand-in asks for, as each host takes it. */
const ACCESS_TOKEN = 'glpat-stand-in-token'

let s3: Awaited<ReturnType<typeof startTestS3>>
let host: Awaited<ReturnType<typeof startGitHostStandIn>>
let app: FastifyInstance
let storage: S3Client

beforeAll(async () => {
  s3 = await startTestS3()
  host = await startGitHostStandIn({ token: ACCESS_TOKEN })
  app = await buildApp(
    testConfig(s3.endpoint, {
      ADMIN_API_KEYS: API_KEY,
      USAGE_RATE: '10000',
      USAGE_BURST: '10000',
      GITHUB_TOKEN: 'ghp-must-never-leave-for-another-host',
      QUEUE_VISIBILITY_SECONDS: '1',
    }),
  )
  storage = testS3Client(testConfig(s3.endpoint))
})
afterAll(async () => {
  storage.destroy()
  await app.close()
  await host.close()
  await s3.close()
})
afterEach(() => {
  host.downloads.length = 0
})

type Provider = 'gitlab' | 'bitbucket' | 'gitee'

interface HostCase {
  provider: Provider
  /** A push of `SHA`, or what `overrides` make of it. */
  push: (overrides?: Record<string, unknown>) => string
  /** The same push, its branch deleted. */
  deleted: () => string
  /** The headers the host sends with `body` (`id`: the delivery's id header, if it has one). */
  headers: (secret: string, body: string, id: string) => Record<string, string>
  /** Headers that prove nothing: a wrong token or signature. */
  wrongProof: (body: string) => Record<string, string>
  proofHeader: string
  eventHeader: string
  otherEvent: string
  key: string
  download: string
  branch: string
  repo: string
  pusher: string
  /** Whether a delivery id comes in a header (Gitee's is the body's SHA-256). */
  idHeader?: string
}

const CASES: HostCase[] = [
  {
    provider: 'gitlab',
    push: (overrides) => gitlabPushPayload(SHA, overrides),
    deleted: () => gitlabPushPayload(ZEROS),
    // @see https://docs.gitlab.com/user/project/integrations/webhooks/#delivery-headers
    headers: (secret, _body, id) => ({
      'content-type': 'application/json',
      'user-agent': 'GitLab/17.5.0',
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-token': secret,
      'x-gitlab-instance': 'https://gitlab.example.com',
      'x-gitlab-webhook-uuid': randomUUID(),
      'x-gitlab-event-uuid': randomUUID(),
      'idempotency-key': id,
    }),
    wrongProof: () => ({ 'x-gitlab-token': 'not-the-secret' }),
    proofHeader: 'x-gitlab-token',
    eventHeader: 'x-gitlab-event',
    otherEvent: 'Tag Push Hook',
    key: 'mike/diaspora/master.zip',
    download: `/api/v4/projects/15/repository/archive.zip?sha=${SHA}`,
    branch: 'master',
    repo: 'mike/diaspora',
    pusher: 'jsmith',
    idHeader: 'idempotency-key',
  },
  {
    provider: 'bitbucket',
    push: (overrides) => bitbucketPushPayload(SHA, overrides),
    deleted: () => bitbucketPushPayload(SHA, { change: { new: null, closed: true } }),
    // @see https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#HTTP-headers
    headers: (secret, body, id) => ({
      'content-type': 'application/json',
      'user-agent': 'Bitbucket-Webhooks/2.0',
      'x-event-key': 'repo:push',
      'x-hook-uuid': 'a1b2c3d4-0000-4000-8000-00000000cafe',
      'x-request-uuid': id,
      'x-attempt-number': '1',
      'x-hub-signature': signBitbucketPayload(secret, body),
    }),
    wrongProof: (body) => ({ 'x-hub-signature': signBitbucketPayload('not-the-secret', body) }),
    proofHeader: 'x-hub-signature',
    eventHeader: 'x-event-key',
    otherEvent: 'pullrequest:created',
    key: 'team/repo/master.zip',
    download: `/team/repo/get/${SHA}.zip`,
    branch: 'master',
    repo: 'team/repo',
    pusher: 'emma',
    idHeader: 'x-request-uuid',
  },
  {
    provider: 'gitee',
    push: (overrides) => giteePushPayload(SHA, overrides),
    deleted: () => giteePushPayload(ZEROS, { deleted: true }),
    // @see https://help.gitee.com/webhook/gitee-webhook-push-data-format
    headers: (secret) => {
      const timestamp = Date.now()
      return {
        'content-type': 'application/json',
        'user-agent': 'git-oschina-hook',
        'x-gitee-event': 'Push Hook',
        'x-gitee-token': signGiteeTimestamp(secret, timestamp),
        'x-gitee-timestamp': String(timestamp),
      }
    },
    wrongProof: () => {
      const timestamp = Date.now()
      return {
        'x-gitee-token': signGiteeTimestamp('not-the-secret', timestamp),
        'x-gitee-timestamp': String(timestamp),
      }
    },
    proofHeader: 'x-gitee-token',
    eventHeader: 'x-gitee-event',
    otherEvent: 'Merge Request Hook',
    key: 'oschina/gitee/change_commitlint_config.zip',
    download: `/oschina/gitee/repository/archive/${SHA}.zip?access_token=${ACCESS_TOKEN}`,
    branch: 'change_commitlint_config',
    repo: 'oschina/gitee',
    pusher: 'liwen',
  },
]

function admin(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) {
  return app.inject({
    method,
    url,
    headers: { 'x-api-key': API_KEY },
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  })
}

async function createHook(provider: Provider | 'github', settings: Record<string, unknown> = {}) {
  const response = await admin('POST', '/api/admin/webhooks', {
    name: `${provider} site`,
    provider,
    ...(provider === 'github' ? {} : { baseUrl: host.url, accessToken: ACCESS_TOKEN }),
    ...settings,
  })
  expect(response.statusCode).toBe(201)
  return response.json<{ hook: Record<string, string> & { hookId: string }; secret: string }>()
}

function deliver(url: string, headers: Record<string, string | undefined>, body: string) {
  const sent = Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined),
  )
  return app.inject({ method: 'POST', url, headers: sent, payload: body })
}

async function deliveries(hookId: string) {
  const response = await admin('GET', `/api/admin/webhooks/${hookId}/deliveries`)
  expect(response.statusCode).toBe(200)
  return response.json<{ deliveries: Record<string, unknown>[] }>().deliveries
}

async function deliveryDetail(hookId: string, deliveryId: string) {
  const response = await admin('GET', `/api/admin/webhooks/${hookId}/deliveries/${deliveryId}`)
  expect(response.statusCode).toBe(200)
  return response.json<{ delivery: Record<string, unknown> }>().delivery
}

async function archiveKeys(prefix: string): Promise<string[]> {
  const listed = await storage.send(new ListObjectsV2Command({ Bucket: ARCHIVES, Prefix: prefix }))
  return (listed.Contents ?? []).map((item) => item.Key as string)
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

describe.each(CASES)('$provider hooks', (host_) => {
  const path = (hookId: string) => `/api/webhooks/${host_.provider}/${hookId}`

  it('answers a push 202 queued, then archives it under the prefix, root folder stripped', async () => {
    const prefix = `${host_.provider}-a/`
    const { hook, secret } = await createHook(host_.provider, { prefix })
    expect(hook).toMatchObject({
      provider: host_.provider,
      baseUrl: host.url,
      hasAccessToken: true,
      payloadUrl: expect.stringMatching(
        new RegExp(`/api/webhooks/${host_.provider}/${hook.hookId}$`),
      ),
    })
    const body = host_.push()
    const id = randomUUID()
    const response = await deliver(path(hook.hookId), host_.headers(secret, body, id), body)
    expect(response.statusCode).toBe(202)
    const { deliveryId } = response.json<{ deliveryId: string }>()
    expect(response.json()).toEqual({ ok: true, queued: true, deliveryId })
    // Gitee names no delivery: its id is the body's SHA-256.
    expect(deliveryId).toMatch(host_.idHeader ? id : /^[0-9a-f]{64}$/)
    await app.queues.idle()

    expect(host.downloads.map((download) => download.url)).toEqual([host_.download])
    // The host's token went as that host takes it; GitHub's never left for another host.
    expect(JSON.stringify(host.downloads[0]?.headers)).not.toContain('ghp-must-never-leave')
    const object = await storage.send(
      new GetObjectCommand({ Bucket: ARCHIVES, Key: `${prefix}${host_.key}` }),
    )
    expect(object.Metadata).toEqual({ commit: SHA, delivery: deliveryId, pusher: host_.pusher })
    const zip = Buffer.from(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    )
    expect(await zipEntries(zip)).toEqual(['README.md', 'buildspec.yml'])

    const [summary] = await deliveries(hook.hookId)
    expect(summary).toMatchObject({
      deliveryId,
      repo: host_.repo,
      branch: host_.branch,
      commit: SHA,
      verified: true,
      status: 202,
      outcome: 'archived',
      archiveKey: `${prefix}${host_.key}`,
    })
    const detail = await deliveryDetail(hook.hookId, deliveryId)
    expect(detail.requestHeaders).toHaveProperty(host_.eventHeader)
    // Neither the secret nor the access token is kept, nor Gitee's password field.
    const kept = JSON.stringify(detail)
    expect(kept).not.toContain(secret)
    expect(kept).not.toContain(ACCESS_TOKEN)
    expect(kept).not.toContain('"password"')
  })

  it('refuses a wrong or missing secret with 401, and downloads nothing', async () => {
    const { hook, secret } = await createHook(host_.provider)
    const body = host_.push()
    const headers = host_.headers(secret, body, randomUUID())
    const wrong = await deliver(path(hook.hookId), { ...headers, ...host_.wrongProof(body) }, body)
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json()).toMatchObject({ code: 'SIGNATURE_INVALID' })
    const missing = await deliver(
      path(hook.hookId),
      { ...headers, [host_.proofHeader]: undefined },
      body,
    )
    expect(missing.statusCode).toBe(401)
    await app.queues.idle()
    expect(host.downloads).toEqual([])
    const [latest] = await deliveries(hook.hookId)
    expect(latest).toMatchObject({ verified: false, status: 401, outcome: 'rejected' })
  })

  it('refuses a missing event header or malformed JSON with 400', async () => {
    const { hook, secret } = await createHook(host_.provider)
    const body = host_.push()
    const noEvent = await deliver(
      path(hook.hookId),
      { ...host_.headers(secret, body, randomUUID()), [host_.eventHeader]: undefined },
      body,
    )
    expect(noEvent.statusCode).toBe(400)
    expect(noEvent.json()).toMatchObject({ code: 'BAD_DELIVERY' })
    const broken = '{"ref": "refs/heads/main",'
    const malformed = await deliver(
      path(hook.hookId),
      host_.headers(secret, broken, randomUUID()),
      broken,
    )
    expect(malformed.statusCode).toBe(400)
    expect(malformed.json()).toMatchObject({ code: 'MALFORMED_JSON' })
  })

  it('refuses a body over 4 MiB with 413', async () => {
    const { hook, secret } = await createHook(host_.provider)
    const body = ' '.repeat(4 * 1024 * 1024 + 1)
    const response = await deliver(
      path(hook.hookId),
      host_.headers(secret, 'x', randomUUID()),
      body,
    )
    expect(response.statusCode).toBe(413)
  })

  it('ignores another event and a deleted branch with 202, archiving nothing', async () => {
    const { hook, secret } = await createHook(host_.provider)
    const body = host_.push()
    const other = await deliver(
      path(hook.hookId),
      { ...host_.headers(secret, body, randomUUID()), [host_.eventHeader]: host_.otherEvent },
      body,
    )
    expect(other.statusCode).toBe(202)
    expect(other.json()).toEqual({ ok: true, ignored: `event ${host_.otherEvent} is not archived` })
    const gone = host_.deleted()
    const deleted = await deliver(
      path(hook.hookId),
      host_.headers(secret, gone, randomUUID()),
      gone,
    )
    expect(deleted.statusCode).toBe(202)
    expect(deleted.json()).toEqual({ ok: true, ignored: 'branch deleted' })
    await app.queues.idle()
    expect(host.downloads).toEqual([])
  })

  it('answers the same delivery again 200 {"duplicate":true}, and archives it once', async () => {
    const { hook, secret } = await createHook(host_.provider, { prefix: `${host_.provider}-d/` })
    const body = host_.push()
    const id = randomUUID()
    const first = await deliver(path(hook.hookId), host_.headers(secret, body, id), body)
    expect(first.statusCode).toBe(202)
    const again = await deliver(path(hook.hookId), host_.headers(secret, body, id), body)
    expect(again.statusCode).toBe(200)
    expect(again.json()).toEqual({ duplicate: true })
    await app.queues.idle()
    expect(host.downloads).toHaveLength(1)
  })

  it("is not found at another host's path, nor at GitHub's", async () => {
    const { hook, secret } = await createHook(host_.provider)
    const body = host_.push()
    const elsewhere = host_.provider === 'gitlab' ? 'bitbucket' : 'gitlab'
    for (const url of [
      `/api/webhooks/${elsewhere}/${hook.hookId}`,
      `/api/webhooks/github/${hook.hookId}`,
    ]) {
      const response = await deliver(url, host_.headers(secret, body, randomUUID()), body)
      expect(response.statusCode).toBe(404)
    }
    expect(await deliveries(hook.hookId)).toEqual([])
  })

  it('refuses names that would leave the prefix, and stores nothing', async () => {
    const { hook, secret } = await createHook(host_.provider, { prefix: 'teamA/' })
    const body =
      host_.provider === 'gitlab'
        ? host_.push({ path: '../teamB' })
        : host_.provider === 'bitbucket'
          ? bitbucketPushPayload(SHA, { fullName: '../..' })
          : host_.push({ repository: { path_with_namespace: 'teamA/..' } })
    const response = await deliver(
      path(hook.hookId),
      host_.headers(secret, body, randomUUID()),
      body,
    )
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ code: 'BAD_PAYLOAD' })
    await app.queues.idle()
    expect(host.downloads).toEqual([])
    expect(await archiveKeys('teamB/')).toEqual([])
  })

  it('pings (a pong, not an archive) and redelivers a push from the admin API', async () => {
    const { hook, secret } = await createHook(host_.provider, { prefix: `${host_.provider}-r/` })
    const pinged = await admin('POST', `/api/admin/webhooks/${hook.hookId}/ping`, {})
    expect(pinged.statusCode).toBe(200)
    expect(pinged.json()).toMatchObject({
      delivery: { event: 'meme-studio:ping', verified: true, status: 200, outcome: 'pong' },
    })

    const body = host_.push()
    const first = await deliver(path(hook.hookId), host_.headers(secret, body, randomUUID()), body)
    const { deliveryId } = first.json<{ deliveryId: string }>()
    await app.queues.idle()
    const replay = await admin(
      'POST',
      `/api/admin/webhooks/${hook.hookId}/deliveries/${deliveryId}/redeliver`,
      {},
    )
    expect(replay.statusCode).toBe(200)
    const replayed = replay.json<{ delivery: Record<string, unknown> }>().delivery
    expect(replayed).toMatchObject({ status: 202, redeliveryOf: deliveryId, verified: true })
    expect(replayed.deliveryId).not.toBe(deliveryId)
    await app.queues.idle()
    const found = (await deliveries(hook.hookId)).find((d) => d.deliveryId === replayed.deliveryId)
    expect(found).toMatchObject({
      outcome: 'archived',
      archiveKey: `${host_.provider}-r/${host_.key}`,
    })
    expect(host.downloads).toHaveLength(2)
  })
})

describe('secrets and tokens', () => {
  it("takes Gitee's password mode: X-Gitee-Token equal to the secret, no timestamp", async () => {
    const { hook, secret } = await createHook('gitee')
    const body = giteePushPayload(SHA, { ref: 'refs/tags/v1' })
    const response = await deliver(
      `/api/webhooks/gitee/${hook.hookId}`,
      { 'content-type': 'application/json', 'x-gitee-event': 'Push Hook', 'x-gitee-token': secret },
      body,
    )
    expect(response.statusCode).toBe(202)
    expect(response.json()).toEqual({ ok: true, ignored: 'tag push (v1)' })
  })

  it('refuses a Gitee signature whose timestamp is over an hour old', async () => {
    const { hook, secret } = await createHook('gitee')
    const stale = Date.now() - 60 * 60 * 1000 - 1000
    const response = await deliver(
      `/api/webhooks/gitee/${hook.hookId}`,
      {
        'content-type': 'application/json',
        'x-gitee-event': 'Push Hook',
        'x-gitee-token': signGiteeTimestamp(secret, stale),
        'x-gitee-timestamp': String(stale),
      },
      giteePushPayload(SHA),
    )
    expect(response.statusCode).toBe(401)
    expect(response.json().message).toContain('X-Gitee-Timestamp')
  })

  it("takes the previous GitLab token while the rotation's grace lasts", async () => {
    const { hook, secret: first } = await createHook('gitlab')
    const rotated = await admin('POST', `/api/admin/webhooks/${hook.hookId}/rotate-secret`, {
      graceSeconds: 60,
    })
    const second = rotated.json<{ secret: string }>().secret
    const body = gitlabPushPayload(SHA, { ref: 'refs/tags/v1' })
    for (const token of [first, second]) {
      const response = await deliver(
        `/api/webhooks/gitlab/${hook.hookId}`,
        {
          'content-type': 'application/json',
          'x-gitlab-event': 'Push Hook',
          'x-gitlab-token': token,
          'idempotency-key': randomUUID(),
        },
        body,
      )
      expect(response.statusCode).toBe(202)
    }
  })

  it('keeps the access token write-only: shown as hasAccessToken, removed with null', async () => {
    const { hook } = await createHook('bitbucket')
    const shown = await admin('GET', `/api/admin/webhooks/${hook.hookId}`)
    expect(shown.body).not.toContain(ACCESS_TOKEN)
    expect(shown.json()).toMatchObject({ hook: { hasAccessToken: true } })
    const cleared = await admin('PATCH', `/api/admin/webhooks/${hook.hookId}`, {
      accessToken: null,
    })
    expect(cleared.statusCode).toBe(200)
    expect(cleared.json()).toMatchObject({ hook: { hasAccessToken: false, baseUrl: host.url } })
  })

  it('defaults the base URL to the public host', async () => {
    const response = await admin('POST', '/api/admin/webhooks', { name: 'x', provider: 'gitee' })
    expect(response.json()).toMatchObject({
      hook: { provider: 'gitee', baseUrl: 'https://gitee.com', hasAccessToken: false },
    })
  })

  it.each([
    ['a GitHub hook with a base URL', { provider: 'github', baseUrl: 'https://ghe.example.com' }],
    ['a GitHub hook with an access token', { accessToken: 'ghp-x' }],
    ['an unknown provider', { provider: 'gitea' }],
    ['a base URL with a path', { provider: 'gitlab', baseUrl: 'https://gitlab.example.com/x' }],
    ['a base URL that is not http(s)', { provider: 'gitlab', baseUrl: 'file:///etc' }],
    ['an access token with a space', { provider: 'gitlab', accessToken: 'a b' }],
  ])('refuses %s with 400', async (_case, settings) => {
    const response = await admin('POST', '/api/admin/webhooks', { name: 'x', ...settings })
    expect(response.statusCode).toBe(400)
  })
})
