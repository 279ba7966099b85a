/**
 * The first Done-when: two app processes sharing one set of stores stand in for two
 * Lambda instances. The first `pnpm start` runs the embedded S3 and DynamoDB and prints, as
 * `VAR=value` lines, what a second one needs to share them; the second starts with those, on
 * its own PORT and DATA_DIR. Duplicates are then caught by the stores (a conditional put in
 * the records table), not by either process's memory.
 */
import { randomUUID } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signGithubPayload } from '../src/services/signatures/github-signature.ts'
import { decodePixels, pixelAt } from './support/pixels.ts'
import { sharedS3Client } from './support/server-banner.ts'
import { runServer, type ServerProcess } from './support/server-process.ts'
import { githubPushPayload, startDiscordStandIn, startGithubStandIn } from './support/stand-ins.ts'

const SECRET = 'two-processes-webhook-secret'
const EVENTS_KEY = { accessKeyId: 'AKIDTWOPROCESSES', secretAccessKey: 'two-processes-secret-key' }
const SHA = 'c0ffee0000000000000000000000000000000042'
const ARCHIVES = 'meme-studio-archives'

let github: Awaited<ReturnType<typeof startGithubStandIn>>
let discord: Awaited<ReturnType<typeof startDiscordStandIn>>
const dirs: string[] = []
const servers: { process: ServerProcess; origin: string }[] = []
let shared: Record<string, string>

async function start(env: Record<string, string>) {
  const dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-two-'))
  dirs.push(dataDir)
  const process = runServer({
    PORT: '0',
    DATA_DIR: dataDir,
    GITHUB_WEBHOOK_SECRET: SECRET,
    GITHUB_BASE_URL: github.url,
    DISCORD_WEBHOOK_URL: discord.webhookUrl,
    EVENTS_ACCESS_KEY_ID: EVENTS_KEY.accessKeyId,
    EVENTS_SECRET_ACCESS_KEY: EVENTS_KEY.secretAccessKey,
    USAGE_RATE: '10000',
    USAGE_BURST: '10000',
    ...env,
  })
  await process.printed('Press Ctrl-C to stop.', 30_000)
  const server = { process, origin: process.origin() }
  servers.push(server)
  return server
}

beforeAll(async () => {
  github = await startGithubStandIn({ delayMs: 200 })
  discord = await startDiscordStandIn()
  const first = await start({ ADMIN_API_KEYS: '' })
  shared = first.process.sharedSettings()
  await start(shared)
}, 60_000)

afterAll(async () => {
  // The second first: the first one serves the stores it uses.
  for (const { process } of servers.reverse()) {
    process.child.kill('SIGINT')
    await process.exited
  }
  await github?.close()
  await discord?.close()
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('two processes sharing one set of stores', () => {
  it('the second one was given every store setting the banner printed', () => {
    expect(Object.keys(shared)).toEqual(
      expect.arrayContaining(['S3_ENDPOINT', 'DYNAMODB_ENDPOINT', 'AWS_ACCESS_KEY_ID']),
    )
    expect(servers[1]!.process.output()).toContain(`storage:       ${shared.S3_ENDPOINT}`)
    expect(servers[1]!.process.output()).toContain(`records:       ${shared.DYNAMODB_ENDPOINT}`)
  })

  it('an upload overwritten by another client of the stores is drawn anew by the first, which runs them', async () => {
    // The first runs the embedded S3: told of each change made through it, by anyone, it
    // draws a picture it decoded before without asking S3 for its ETag; this is the change.
    const s3 = sharedS3Client(shared)
    const key = `uploads/${randomUUID()}.jpg`
    const solid = (background: string) =>
      sharp({ create: { width: 320, height: 240, channels: 3, background } })
        .jpeg()
        .toBuffer()
    const upload = async (background: string) =>
      s3.send(
        new PutObjectCommand({
          Bucket: shared.S3_BUCKET,
          Key: key,
          Body: await solid(background),
          ContentType: 'image/jpeg',
        }),
      )
    const middle = async () => {
      const response = await fetch(`${servers[0]!.origin}/api/meme`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ image: key, captions: [{ text: 'x', x: 0.05, y: 0.05 }] }),
      })
      expect(response.status).toBe(200)
      const { meme_data } = (await response.json()) as { meme_data: string }
      return pixelAt(await decodePixels(Buffer.from(meme_data, 'base64')), 160, 120)
    }
    await upload('#d02020')
    const [r1, g1] = await middle()
    expect([r1 > 160, g1 < 90]).toEqual([true, true])
    // Drawn again from the picture it kept, then overwritten by a write the first only sees.
    await middle()
    await upload('#20c040')
    const [r2, g2] = await middle()
    s3.destroy()
    expect([r2 < 90, g2 > 160]).toEqual([true, true])
  }, 30_000)

  it('20 concurrent identical webhook deliveries split between them give one archive', async () => {
    const body = Buffer.from(githubPushPayload(SHA))
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/044aadd',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': signGithubPayload(SECRET, body),
    }
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const response = await fetch(`${servers[n % 2]!.origin}/api/webhooks/github`, {
          method: 'POST',
          headers,
          body,
        })
        return { status: response.status, body: (await response.json()) as Record<string, unknown> }
      }),
    )
    const duplicates = answers.filter((answer) => answer.body.duplicate === true)
    const taken = answers.filter((answer) => answer.body.duplicate !== true)
    expect(duplicates).toHaveLength(19)
    for (const duplicate of duplicates) {
      expect(duplicate).toEqual({ status: 200, body: { duplicate: true } })
    }
    expect(taken).toHaveLength(1)
    expect(taken[0]!.status).toBe(202)

    // s3rver keeps no versions, so one archive is one object and one download from GitHub;
    // on AWS the versioned bucket would show one version.
    const s3 = sharedS3Client(shared)
    const keys = await until(
      async () =>
        ((await s3.send(new ListObjectsV2Command({ Bucket: ARCHIVES }))).Contents ?? []).map(
          (item) => item.Key,
        ),
      (found) => found.length > 0,
    )
    s3.destroy()
    expect(keys).toHaveLength(1)
    expect(github.downloads).toEqual([`/octo/site/archive/${SHA}.zip`])
  }, 60_000)

  it('20 concurrent identical events split between them give one Discord message', async () => {
    const id = `deploy-${randomUUID()}`
    const body = JSON.stringify({ id, title: 'Deployed', description: 'from two processes' })
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const origin = new URL(servers[n % 2]!.origin)
        const signer = new SignatureV4({
          service: 'execute-api',
          region: shared.S3_REGION ?? 'us-east-1',
          credentials: EVENTS_KEY,
          sha256: Hash.bind(null, 'sha256'),
        })
        const signed = await signer.sign({
          method: 'POST',
          protocol: 'http:',
          hostname: origin.hostname,
          port: Number(origin.port),
          path: '/api/events',
          headers: { host: origin.host, 'content-type': 'application/json' },
          body,
        })
        const response = await fetch(`${origin.origin}/api/events`, {
          method: 'POST',
          headers: signed.headers,
          body,
        })
        return { status: response.status, body: (await response.json()) as Record<string, unknown> }
      }),
    )
    const duplicates = answers.filter((answer) => answer.body.duplicate === true)
    expect(duplicates).toHaveLength(19)
    const accepted = answers.filter((answer) => answer.body.duplicate !== true)
    expect(accepted).toHaveLength(1)
    expect(accepted[0]!.status).toBeLessThan(300)

    const messages = () =>
      discord.received.filter((message) => JSON.stringify(message.body).includes(id))
    await until(
      async () => messages().length,
      (count) => count > 0,
    )
    // Long enough for a second delivery, if there were one, to arrive.
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(messages()).toHaveLength(1)
  }, 60_000)
})
