import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import yauzl from 'yauzl'
import yazl from 'yazl'
import { loadConfig } from '../../../src/config.ts'
import {
  archivePush,
  archiveSettings,
  ArchiveDownloadError,
  type ArchiveRequest,
  type ArchiveSettings,
} from '../../../src/services/webhooks/github-archive.ts'
import { startS3Proxy } from '../../support/s3-proxy.ts'
import { startTestS3, testConfig, testS3Client } from '../../support/test-app.ts'

const SHA = '0123456789abcdef0123456789abcdef01234567'
const MTIME = new Date('2024-05-06T07:08:10Z')

interface SeenRequest {
  method: string
  url: string
  headers: IncomingHttpHeaders
}

/** A loopback HTTP server standing in for GitHub (or a host it redirects to). */
async function startHost(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  const requests: SeenRequest[] = []
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    handler(req, res, requests.length)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const host = `127.0.0.1:${port}`
  hosts.push(server)
  return { url: `http://${host}`, host, requests }
}

/** A minimal forwarding proxy: CONNECT tunnels (what undici's ProxyAgent sends) are piped through. */
async function startForwardProxy() {
  const tunnels: string[] = []
  const server = createServer((_req, res) => res.writeHead(405).end())
  server.on('connect', (req: IncomingMessage, client, head: Buffer) => {
    tunnels.push(req.url ?? '')
    const [hostname, port] = (req.url ?? '').split(':')
    const upstream = connect(Number(port), hostname, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  hosts.push(server)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tunnels }
}

const hosts: ReturnType<typeof createServer>[] = []

function zipBuffer(fill: (zip: yazl.ZipFile) => void, comment = ''): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  fill(zip)
  zip.end({ forceZip64Format: false, comment })
  const chunks: Buffer[] = []
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk))
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    zip.outputStream.on('error', reject)
  })
}

/** A zip shaped like GitHub's: everything in `<repo>-<sha>/`, the commit id as comment. */
function githubZip(repo = 'hello', extra?: (zip: yazl.ZipFile, top: string) => void) {
  const top = `${repo}-${SHA}/`
  return zipBuffer((zip) => {
    zip.addEmptyDirectory(top, { mtime: MTIME })
    zip.addBuffer(Buffer.from('# hello\n'), `${top}README.md`, { mtime: MTIME, mode: 0o100644 })
    zip.addEmptyDirectory(`${top}src/`, { mtime: MTIME })
    zip.addBuffer(Buffer.from('a\n'), `${top}src/a.txt`, { mtime: MTIME, mode: 0o100644 })
    zip.addBuffer(Buffer.from('#!/bin/sh\necho hi\n'), `${top}run.sh`, {
      mtime: MTIME,
      mode: 0o100755,
    })
    // A symlink as git archive stores it: mode 120777, the target as content.
    zip.addBuffer(Buffer.from('README.md'), `${top}readme-link`, {
      mtime: MTIME,
      mode: 0o120777,
      compress: false,
    })
    extra?.(zip, top)
  }, SHA)
}

interface ZipEntry {
  mode: number
  mtime: number
  content?: string
}

function readZip(buffer: Buffer): Promise<{ entries: Record<string, ZipEntry>; comment: string }> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error)
      const entries: Record<string, ZipEntry> = {}
      zip.on('error', reject)
      zip.on('end', () => resolve({ entries, comment: zip.comment }))
      zip.on('entry', (entry: yauzl.Entry) => {
        const item: ZipEntry = {
          mode: entry.externalFileAttributes >>> 16,
          mtime: entry.getLastModDate().getTime(),
        }
        entries[entry.fileName] = item
        if (entry.fileName.endsWith('/')) return zip.readEntry()
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError)
          const chunks: Buffer[] = []
          stream.on('data', (chunk: Buffer) => chunks.push(chunk))
          stream.on('end', () => {
            item.content = Buffer.concat(chunks).toString()
            zip.readEntry()
          })
        })
      })
      zip.readEntry()
    })
  })
}

/** Makes the deflated data of `name` invalid (BTYPE 11), leaving the zip's directory intact. */
async function corruptEntry(buffer: Buffer, name: string): Promise<Buffer> {
  const offset = await new Promise<number>((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error)
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName === name) resolve(entry.relativeOffsetOfLocalHeader)
        else zip.readEntry()
      })
      zip.readEntry()
    })
  })
  const copy = Buffer.from(buffer)
  const dataStart = offset + 30 + copy.readUInt16LE(offset + 26) + copy.readUInt16LE(offset + 28)
  copy[dataStart] = 0xff
  return copy
}

function serveZip(body: Buffer) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length })
    res.end(body)
  }
}

let s3Server: Awaited<ReturnType<typeof startTestS3>>
let s3Proxy: Awaited<ReturnType<typeof startS3Proxy>>
let s3: S3Client
let bucket: string
let workDir: string
let keyCount = 0

beforeAll(async () => {
  s3Server = await startTestS3()
  s3Proxy = await startS3Proxy(s3Server.endpoint)
  const config = testConfig(s3Proxy.endpoint)
  bucket = config.archiveBucket
  s3 = testS3Client(config)
  workDir = await mkdtemp(join(tmpdir(), 'meme-studio-archive-test-'))
})

afterEach(async () => {
  // Every download, kept or failed, cleans up after itself.
  expect(await readdir(workDir)).toEqual([])
})

afterAll(async () => {
  for (const server of hosts) {
    server.closeAllConnections()
    server.close()
  }
  s3?.destroy()
  await s3Proxy?.close()
  await s3Server?.close()
  await rm(workDir, { recursive: true, force: true })
})

function settings(baseUrl: string, overrides: Partial<ArchiveSettings> = {}): ArchiveSettings {
  return {
    baseUrl,
    allowedHosts: [new URL(baseUrl).host],
    timeoutMs: 5000,
    maxBytes: 10 * 1024 * 1024,
    tries: 3,
    backoffMs: 20,
    tempDir: workDir,
    ...overrides,
  }
}

function request(overrides: Partial<ArchiveRequest> = {}): ArchiveRequest {
  keyCount += 1
  return {
    owner: 'octo',
    repo: 'hello',
    branch: 'main',
    sha: SHA,
    key: `test-${keyCount}/octo/hello/main.zip`,
    stripRoot: true,
    metadata: { commit: SHA, delivery: `delivery-${keyCount}`, pusher: 'octocat' },
    ...overrides,
  }
}

async function stored(key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  return Buffer.from(await object.Body!.transformToByteArray())
}

async function expectNothingAt(key: string) {
  await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).rejects.toMatchObject({
    $metadata: { httpStatusCode: 404 },
  })
}

function s3Writes(key: string) {
  return s3Proxy.requests.filter(
    (seen) => seen.method !== 'GET' && seen.method !== 'HEAD' && seen.path.endsWith(`/${key}`),
  )
}

async function expectFailure(
  promise: Promise<unknown>,
  key: string,
  message: RegExp,
): Promise<ArchiveDownloadError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(ArchiveDownloadError)
  expect(error).toMatchObject({ statusCode: 502, code: 'ARCHIVE_DOWNLOAD_FAILED' })
  expect((error as Error).message).toMatch(message)
  await expectNothingAt(key)
  return error as ArchiveDownloadError
}

describe('archivePush: storing', () => {
  it('stores the pushed commit without the top folder, encrypted, with the metadata', async () => {
    const github = await startHost(serveZip(await githubZip()))
    const push = request()
    const result = await archivePush(s3, bucket, push, settings(github.url))

    expect(github.requests.map((seen) => `${seen.method} ${seen.url}`)).toEqual([
      `GET /octo/hello/archive/${SHA}.zip`,
    ])
    expect(github.requests[0]?.headers.authorization).toBeUndefined()

    const body = await stored(push.key)
    expect(result).toEqual({
      key: push.key,
      versionId: undefined,
      bytes: body.length,
      sha: SHA,
      strippedRoot: true,
    })
    const { entries, comment } = await readZip(body)
    expect(Object.keys(entries).sort()).toEqual([
      'README.md',
      'readme-link',
      'run.sh',
      'src/',
      'src/a.txt',
    ])
    expect(entries['README.md']).toMatchObject({ content: '# hello\n', mode: 0o100644 })
    expect(entries['src/a.txt']?.content).toBe('a\n')
    expect(entries['run.sh']?.mode).toBe(0o100755)
    expect(entries['readme-link']).toMatchObject({ content: 'README.md', mode: 0o120777 })
    expect(entries['src/']!.mode & 0o170000).toBe(0o040000)
    expect(entries['README.md']?.mtime).toBe(MTIME.getTime())
    expect(comment).toBe(SHA)

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: push.key }))
    expect(head.ContentType).toBe('application/zip')
    expect(head.Metadata).toEqual(push.metadata)
    // s3rver keeps no encryption header: check what was sent.
    const [write] = s3Writes(push.key)
    expect(write?.method).toBe('PUT')
    expect(write?.headers).toMatchObject({
      'x-amz-server-side-encryption': 'AES256',
      'x-amz-meta-commit': SHA,
      'x-amz-meta-delivery': push.metadata.delivery,
      'x-amz-meta-pusher': 'octocat',
    })
  })

  it('keeps the archive as GitHub sent it when stripRoot is off', async () => {
    const zip = await githubZip()
    const github = await startHost(serveZip(zip))
    const push = request({ stripRoot: false })
    const result = await archivePush(s3, bucket, push, settings(github.url))
    expect(result).toMatchObject({ bytes: zip.length, strippedRoot: false })
    expect((await stored(push.key)).equals(zip)).toBe(true)
    expect(s3Writes(push.key)[0]?.headers['x-amz-server-side-encryption']).toBe('AES256')
  })

  it('keeps an archive with no single top folder as it is, and says so', async () => {
    const zip = await zipBuffer((z) => {
      z.addBuffer(Buffer.from('one'), 'a/one.txt')
      z.addBuffer(Buffer.from('two'), 'b/two.txt')
    })
    const github = await startHost(serveZip(zip))
    const push = request()
    const result = await archivePush(s3, bucket, push, settings(github.url))
    expect(result.strippedRoot).toBe(false)
    expect((await stored(push.key)).equals(zip)).toBe(true)
  })

  it('keeps the slashes of a branch name in the key', async () => {
    const github = await startHost(serveZip(await githubZip()))
    const push = request({ branch: 'feature/x/y', key: 'octo/hello/feature/x/y.zip' })
    await archivePush(s3, bucket, push, settings(github.url))
    const { entries } = await readZip(await stored('octo/hello/feature/x/y.zip'))
    expect(entries['README.md']?.content).toBe('# hello\n')
    expect(s3Writes(push.key)[0]?.path).toBe(`/${bucket}/octo/hello/feature/x/y.zip`)
  })

  it('encodes metadata that is not printable ASCII (RFC 2047, as S3 does)', async () => {
    const github = await startHost(serveZip(await githubZip()))
    const push = request({ metadata: { commit: SHA, pusher: 'zoë' } })
    await archivePush(s3, bucket, push, settings(github.url))
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: push.key }))
    expect(head.Metadata?.pusher).toBe(`=?UTF-8?B?${Buffer.from('zoë').toString('base64')}?=`)
  })

  it('stores an archive larger than one upload part', async () => {
    const big = randomBytes(6 * 1024 * 1024)
    const github = await startHost(
      serveZip(await githubZip('hello', (zip, top) => zip.addBuffer(big, `${top}big.bin`))),
    )
    const push = request()
    const result = await archivePush(s3, bucket, push, settings(github.url))
    const { entries } = await readZip(await stored(push.key))
    expect(entries['big.bin']?.content).toBe(big.toString())
    expect(result.bytes).toBeGreaterThan(big.length)
    expect(s3Writes(push.key).map((seen) => seen.method)).toContain('POST')
  })
})

describe('archivePush: talking to GitHub', () => {
  it('sends Authorization only when a token is set, and only to GitHub itself', async () => {
    const zip = await githubZip()
    const codeload = await startHost(serveZip(zip))
    const github = await startHost((_req, res) => {
      res.writeHead(302, { location: `${codeload.url}/octo/hello/zip/${SHA}?token=short` }).end()
    })
    const options = settings(github.url, {
      token: 'ghp_secret',
      allowedHosts: [github.host, codeload.host],
    })
    await archivePush(s3, bucket, request(), options)
    expect(github.requests[0]?.headers.authorization).toBe('Bearer ghp_secret')
    expect(codeload.requests).toHaveLength(1)
    expect(codeload.requests[0]?.headers.authorization).toBeUndefined()
  })

  it('follows relative and absolute redirects to allowed hosts', async () => {
    const codeload = await startHost(serveZip(await githubZip()))
    const github = await startHost((req, res) => {
      const location = req.url?.startsWith('/moved/')
        ? `${codeload.url}/zip/${SHA}`
        : `/moved/${SHA}.zip`
      res.writeHead(req.url?.startsWith('/moved/') ? 307 : 301, { location }).end()
    })
    const push = request()
    const result = await archivePush(
      s3,
      bucket,
      push,
      settings(github.url, { allowedHosts: [github.host, codeload.host] }),
    )
    expect(result.strippedRoot).toBe(true)
    expect(github.requests.map((seen) => seen.url)).toEqual([
      `/octo/hello/archive/${SHA}.zip`,
      `/moved/${SHA}.zip`,
    ])
    expect(codeload.requests.map((seen) => seen.url)).toEqual([`/zip/${SHA}`])
  })

  it('refuses a redirect to a host not allowed, without contacting it', async () => {
    const elsewhere = await startHost(serveZip(await githubZip()))
    const github = await startHost((_req, res) => {
      res.writeHead(302, { location: `${elsewhere.url}/evil.zip` }).end()
    })
    const push = request()
    const error = await expectFailure(
      archivePush(s3, bucket, push, settings(github.url, { token: 'ghp_secret' })),
      push.key,
      /redirected to 127\.0\.0\.1:\d+, which is not allowed/,
    )
    // No retry mends it: the archive worker's choice.
    expect(error.transient).toBe(false)
    expect(github.requests).toHaveLength(1)
    expect(elsewhere.requests).toHaveLength(0)
  })

  it('gives up after 5 redirects', async () => {
    const github = await startHost((req, res) => {
      res.writeHead(302, { location: `${req.url}x` }).end()
    })
    const push = request()
    await expectFailure(
      archivePush(s3, bucket, push, settings(github.url)),
      push.key,
      /more than 5 times/,
    )
    expect(github.requests).toHaveLength(6)
  })

  it('goes through HTTPS_PROXY when one is set', async () => {
    const github = await startHost(serveZip(await githubZip()))
    const proxy = await startForwardProxy()
    const push = request()
    await archivePush(s3, bucket, push, settings(github.url, { proxy: proxy.url }))
    expect(proxy.tunnels).toEqual([github.host])
    expect(github.requests).toHaveLength(1)
    await stored(push.key)
  })
})

describe('archivePush: failures', () => {
  it('fails at once on a 404', async () => {
    const github = await startHost((_req, res) => res.writeHead(404).end('Not Found'))
    const push = request()
    const error = await expectFailure(
      archivePush(s3, bucket, push, settings(github.url)),
      push.key,
      /GitHub answered 404/,
    )
    // No retry mends it: the archive worker's choice.
    expect(error.transient).toBe(false)
    expect(github.requests).toHaveLength(1)
  })

  it('tries again after a 500 and succeeds on the second try', async () => {
    const zip = await githubZip()
    const github = await startHost((req, res, n) => {
      if (n === 1) res.writeHead(500).end()
      else serveZip(zip)(req, res)
    })
    const push = request()
    const result = await archivePush(s3, bucket, push, settings(github.url))
    expect(result.strippedRoot).toBe(true)
    expect(github.requests).toHaveLength(2)
  })

  it('tries again after a dropped connection', async () => {
    const zip = await githubZip()
    const github = await startHost((req, res, n) => {
      if (n === 1) req.socket.destroy()
      else serveZip(zip)(req, res)
    })
    const push = request()
    await archivePush(s3, bucket, push, settings(github.url))
    expect(github.requests).toHaveLength(2)
  })

  it('fails after 3 tries of 500, backing off between them', async () => {
    const times: number[] = []
    const github = await startHost((_req, res) => {
      times.push(Date.now())
      res.writeHead(500).end()
    })
    const push = request()
    const error = await expectFailure(
      archivePush(s3, bucket, push, settings(github.url, { backoffMs: 50 })),
      push.key,
      /GitHub answered 500 \(3 tries\)/,
    )
    // A later try may succeed: the archive worker's choice.
    expect(error.transient).toBe(true)
    expect(github.requests).toHaveLength(3)
    // 50 ms, then 150 ms (a little slack for timer granularity).
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(45)
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(145)
  })

  it.each([
    ['before answering', (_res: ServerResponse) => {}],
    [
      'in the middle of the body',
      (res: ServerResponse) => {
        res.writeHead(200, { 'content-length': 1000 })
        res.write(Buffer.alloc(100))
      },
    ],
  ])('times out when GitHub stalls %s', async (_when, stall) => {
    const github = await startHost((_req, res) => stall(res))
    const push = request()
    const started = Date.now()
    const error = await expectFailure(
      archivePush(s3, bucket, push, settings(github.url, { timeoutMs: 300 })),
      push.key,
      /within 300 ms/,
    )
    // A later try may succeed: the archive worker's choice.
    expect(error.transient).toBe(true)
    expect(Date.now() - started).toBeLessThan(1500)
    expect(github.requests).toHaveLength(1)
  })

  it('refuses an archive whose Content-Length is over the cap without reading it', async () => {
    const github = await startHost((_req, res) => {
      res.writeHead(200, { 'content-length': 2048 })
      res.write(Buffer.alloc(10))
    })
    const push = request()
    const error = await expectFailure(
      archivePush(s3, bucket, push, settings(github.url, { maxBytes: 1024 })),
      push.key,
      /larger than 1024 bytes/,
    )
    // No retry mends it: the archive worker's choice.
    expect(error.transient).toBe(false)
    expect(github.requests).toHaveLength(1)
  })

  it('stops reading a chunked archive once it passes the cap', async () => {
    const github = await startHost((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/zip' })
      const timer = setInterval(() => res.write(Buffer.alloc(512)), 5)
      res.on('close', () => clearInterval(timer))
    })
    const push = request()
    await expectFailure(
      archivePush(s3, bucket, push, settings(github.url, { maxBytes: 4096 })),
      push.key,
      /larger than 4096 bytes/,
    )
    expect(github.requests).toHaveLength(1)
  })

  it.each([true, false])('refuses bytes that are not a zip (stripRoot %s)', async (stripRoot) => {
    const github = await startHost(serveZip(Buffer.from('<html>not a zip</html>')))
    const push = request({ stripRoot })
    await expectFailure(
      archivePush(s3, bucket, push, settings(github.url)),
      push.key,
      /not a valid zip/,
    )
    expect(s3Writes(push.key)).toEqual([])
  })

  it('writes nothing when an entry turns out corrupt part-way through a small archive', async () => {
    const zip = await corruptEntry(
      await githubZip('hello', (z, top) => z.addBuffer(Buffer.alloc(4096, 'x'), `${top}z.txt`)),
      `hello-${SHA}/z.txt`,
    )
    const github = await startHost(serveZip(zip))
    const push = request()
    await expectFailure(
      archivePush(s3, bucket, push, settings(github.url)),
      push.key,
      /not a valid zip/,
    )
    expect(s3Writes(push.key)).toEqual([])
  })

  it('aborts the multipart upload when an entry turns out corrupt after the first part', async () => {
    const zip = await corruptEntry(
      await githubZip('hello', (z, top) => {
        z.addBuffer(randomBytes(6 * 1024 * 1024), `${top}big.bin`)
        z.addBuffer(Buffer.alloc(4096, 'x'), `${top}z.txt`)
      }),
      `hello-${SHA}/z.txt`,
    )
    const github = await startHost(serveZip(zip))
    const push = request()
    await expectFailure(
      archivePush(s3, bucket, push, settings(github.url)),
      push.key,
      /not a valid zip/,
    )
    // Created, one part sent, then aborted (s3rver refuses the abort, but never completed).
    expect(s3Writes(push.key).map((seen) => seen.method)).toEqual(['POST', 'PUT', 'DELETE'])
  })
})

describe('archivePush: storage failures', () => {
  it('answers STORAGE_UNAVAILABLE when S3 refuses the upload', async () => {
    const failing = await startS3Proxy(s3Server.endpoint, (method) =>
      method === 'PUT' ? { fail: true } : 'pass',
    )
    const config = testConfig(failing.endpoint)
    const client = testS3Client(config)
    const github = await startHost(serveZip(await githubZip()))
    const push = request()
    try {
      await expect(archivePush(client, bucket, push, settings(github.url))).rejects.toMatchObject({
        statusCode: 503,
        code: 'STORAGE_UNAVAILABLE',
      })
      await expectNothingAt(push.key)
    } finally {
      client.destroy()
      await failing.close()
    }
  })
})

describe('archiveSettings', () => {
  it('takes GitHub, the token and the proxy from config, with the defaults', () => {
    const config = loadConfig({
      GITHUB_BASE_URL: 'https://github.example.com/',
      GITHUB_TOKEN: 'ghp_x',
      HTTPS_PROXY: 'http://proxy.internal:3128',
    })
    expect(archiveSettings(config)).toEqual({
      baseUrl: 'https://github.example.com',
      token: 'ghp_x',
      proxy: 'http://proxy.internal:3128',
      allowedHosts: ['github.example.com', 'codeload.github.example.com'],
      timeoutMs: 90_000,
      maxBytes: 100 * 1024 * 1024,
      tries: 3,
      backoffMs: 200,
    })
  })

  it('allows github.com and codeload.github.com by default, with no token or proxy', () => {
    const result = archiveSettings(loadConfig({}))
    expect(result.baseUrl).toBe('https://github.com')
    expect(result.allowedHosts).toEqual(['github.com', 'codeload.github.com'])
    expect(result).not.toHaveProperty('token')
    expect(result).not.toHaveProperty('proxy')
  })
})
