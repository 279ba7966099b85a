import { mkdtemp, rm, stat } from 'node:fs/promises'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { afterEach, describe, expect, it } from 'vitest'
import { STARTER_TEMPLATES } from '../src/services/templates/starter-templates.ts'
import { sharedS3Client } from './support/server-banner.ts'
import { runServer } from './support/server-process.ts'

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

describe('the local server', () => {
  it('starts the embedded S3, prints URL and admin key, serves, and stops on SIGINT', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-server-'))
    dirs.push(dataDir)
    const server = runServer({ PORT: '0', DATA_DIR: dataDir, ADMIN_API_KEYS: '' })
    await server.printed('Press Ctrl-C to stop.')
    expect(server.output()).toMatch(/meme-studio is running at http:\/\/127\.0\.0\.1:\d+\//)
    const origin = server.origin()
    expect(server.output()).toMatch(
      /admin API key: [A-Za-z0-9_-]{32} \(new; kept in .*admin-api-key\)/,
    )
    expect(server.output()).toMatch(/storage: +embedded S3 at http:\/\/127\.0\.0\.1:\d+/)
    expect(server.output()).toMatch(/records: +embedded DynamoDB at http:\/\/127\.0\.0\.1:\d+/)
    const shared = server.sharedSettings()
    expect(shared).toMatchObject({
      S3_ENDPOINT: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      DYNAMODB_ENDPOINT: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      RECORDS_TABLE: 'meme-studio-records',
      S3_BUCKET: 'meme-studio-uploads',
      ARCHIVE_BUCKET: 'meme-studio-archives',
      AWS_ACCESS_KEY_ID: expect.stringMatching(/^AKLOCAL[0-9A-F]{13}$/),
      AWS_SECRET_ACCESS_KEY: expect.stringMatching(/^[A-Za-z0-9_-]{40}$/),
      HOOK_SECRETS_KEY: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      QUEUE_VISIBILITY_SECONDS: '120',
      QUEUE_MAX_RECEIVES: '3',
    })
    expect(shared.ADMIN_API_KEYS).toMatch(/^[A-Za-z0-9_-]{32}$/)

    const health = await fetch(`${origin}/api/health`)
    expect(await health.json()).toEqual({ status: 'ok', storage: 'ok', records: 'ok' })

    server.child.kill('SIGINT')
    expect(await server.exited).toBe(0)
    await expect(fetch(`${origin}/api/health`)).rejects.toThrow()
  })

  it('never prints keys that came from ADMIN_API_KEYS, only how many and their scopes', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-server-'))
    dirs.push(dataDir)
    const keys = ['c0nfigured-admin-key-1234', 'c0nfigured-tools-key-5678']
    const server = runServer({
      PORT: '0',
      DATA_DIR: dataDir,
      ADMIN_API_KEYS: `${keys[0]},${keys[1]}:tools`,
      // Requests are logged at info: the URL with the key in its query is among them.
      LOG_LEVEL: 'info',
    })
    await server.printed('Press Ctrl-C to stop.')
    expect(server.output()).toContain(
      'admin API key: 2 from ADMIN_API_KEYS (1 admin, 1 tools); not printed',
    )
    for (const key of keys) expect(server.output()).not.toContain(key)
    expect(server.sharedSettings().ADMIN_API_KEYS).toBeUndefined()
    // The key works all the same, and a key sent in the query string is not logged either.
    const response = await fetch(`${server.origin()}/api/admin/session?api_key=${keys[1]}`, {
      headers: { 'x-api-key': keys[1] as string },
    })
    expect(await response.json()).toMatchObject({ scope: 'tools' })
    server.child.kill('SIGINT')
    expect(await server.exited).toBe(0)
    expect(server.output()).toContain('/api/admin/session?api_key=[redacted]')
    for (const key of keys) expect(server.output()).not.toContain(key)
  })

  it('keeps both stores on loopback when HOST is every interface, and says where they listen', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-server-'))
    dirs.push(dataDir)
    const server = runServer({ PORT: '0', HOST: '0.0.0.0', DATA_DIR: dataDir })
    await server.printed('Press Ctrl-C to stop.')
    const port = new URL(server.origin()).port
    const s3 = /storage: +embedded S3 at (\S+), listening on 127\.0\.0\.1:(\d+) /.exec(
      server.output(),
    )
    const dynamodb = /records: +embedded DynamoDB at \S+, listening on 127\.0\.0\.1:(\d+) /.exec(
      server.output(),
    )
    expect(s3?.[1]).toBe(`http://127.0.0.1:${s3?.[2]}`)
    expect(dynamodb).not.toBeNull()
    // Not reachable at this machine's other addresses, as the site is.
    const lan = Object.values(networkInterfaces())
      .flat()
      .find((address) => address?.family === 'IPv4' && !address.internal)?.address
    if (lan) {
      expect((await fetch(`http://${lan}:${port}/api/health`)).status).toBe(200)
      for (const storePort of [s3?.[2], dynamodb?.[1]]) {
        await expect(fetch(`http://${lan}:${storePort}/`)).rejects.toThrow()
      }
    }
    // The stores' credentials and the hook secrets key: generated, the owner's alone.
    for (const file of ['embedded-stores-credentials.json', 'hook-secrets.key']) {
      expect((await stat(join(dataDir, file))).mode & 0o777).toBe(0o600)
    }
    const anonymous = await fetch(`${s3?.[1]}/meme-studio-uploads`)
    expect(anonymous.status).toBe(403)
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>')
    server.child.kill('SIGINT')
    expect(await server.exited).toBe(0)
  })

  it("stores the starters' pictures once it listens, before any gallery asks", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-server-'))
    dirs.push(dataDir)
    const server = runServer({ PORT: '0', DATA_DIR: dataDir, ADMIN_API_KEYS: '' })
    await server.printed('Press Ctrl-C to stop.', 60_000)
    const shared = server.sharedSettings()
    const s3 = sharedS3Client(shared)
    const stored = async () => {
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: shared.S3_BUCKET, Prefix: 'templates/starters/' }),
      )
      return (listed.Contents ?? []).length
    }
    try {
      // No request to the app at all: the server draws them by itself.
      await expect
        .poll(stored, { timeout: 30_000, interval: 250 })
        .toBe(STARTER_TEMPLATES.length * 2)
    } finally {
      s3.destroy()
      server.child.kill('SIGINT')
    }
    expect(await server.exited).toBe(0)
  }, 60_000)

  it('refuses to start with a HOOK_SECRETS_KEY that does not open the stored hook secrets', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-server-'))
    dirs.push(dataDir)
    const env = {
      PORT: '0',
      DATA_DIR: dataDir,
      ADMIN_API_KEYS: 'server-test-admin-key-0123456789',
    }
    const first = runServer({ ...env, HOOK_SECRETS_KEY: 'a'.repeat(32) })
    await first.printed('Press Ctrl-C to stop.', 60_000)
    const created = await fetch(`${first.origin()}/api/admin/webhooks`, {
      method: 'POST',
      headers: { 'x-api-key': env.ADMIN_API_KEYS, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'site' }),
    })
    expect(created.status).toBe(201)
    first.child.kill('SIGINT')
    expect(await first.exited).toBe(0)

    const second = runServer({ ...env, HOOK_SECRETS_KEY: 'b'.repeat(32) })
    expect(await second.exited).toBe(1)
    expect(second.output()).toMatch(
      /meme-studio: hook [0-9a-f]{16}: HOOK_SECRETS_KEY does not open/,
    )
    // Two starts of the server, each a few seconds.
  }, 90_000)

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a whole number from 0 to 65535, got "eighty"'],
    [{ S3_ENDPOINT: 'not a url' }, 'S3_ENDPOINT must be an absolute http(s) URL'],
    [{ S3_ENDPOINT: 'minio:9000' }, 'S3_ENDPOINT must be an http(s) URL'],
  ])('refuses %j with a message naming the variable', async (env, message) => {
    const server = runServer(env)
    expect(await server.exited).toBe(1)
    expect(server.output()).toContain(`meme-studio: configuration error: ${message}`)
  })
})
