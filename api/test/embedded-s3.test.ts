import { randomUUID } from 'node:crypto'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { dirname, join, sep } from 'node:path'
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { SignatureV4 } from '@smithy/signature-v4'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppConfig } from '../src/config.ts'
import { presignGetObject } from '../src/services/storage/presign.ts'
import { Sha256 } from '../src/services/signatures/sigv4-steps.ts'
import { uploadThroughPolicy } from './support/signed-upload.ts'
import {
  buildApp,
  startTestS3,
  testConfig,
  testS3Client,
  TEST_STORE_CREDENTIALS,
} from './support/test-app.ts'

let s3: Awaited<ReturnType<typeof startTestS3>>
let config: AppConfig
let client: S3Client
let app: FastifyInstance
beforeAll(async () => {
  s3 = await startTestS3()
  config = testConfig(s3.endpoint, { MAX_UPLOAD_BYTES: '2000' })
  client = testS3Client(config)
  app = await buildApp(config)
})
afterAll(async () => {
  await app.close()
  client.destroy()
  await s3.close()
})

const bucketUrl = () => `${s3.endpoint}/${config.uploadBucket}`

async function stored(key: string): Promise<string | undefined> {
  try {
    const answer = await client.send(
      new GetObjectCommand({ Bucket: config.uploadBucket, Key: key }),
    )
    return await answer.Body!.transformToString()
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined
    throw error
  }
}

async function put(key: string, body: string) {
  await client.send(new PutObjectCommand({ Bucket: config.uploadBucket, Key: key, Body: body }))
}

/** S3's error document: its code, and that it is S3's XML. */
async function s3Error(
  response: Response,
): Promise<{ status: number; code: string; message: string }> {
  expect(response.headers.get('content-type')).toContain('application/xml')
  const body = await response.text()
  expect(body).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>/)
  return {
    status: response.status,
    code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1] ?? '',
    message: (/<Message>([^<]*)<\/Message>/.exec(body)?.[1] ?? '').replace(/&#(\d+);/g, (_, c) =>
      String.fromCharCode(Number(c)),
    ),
  }
}

/** Sends a request signed with the test credentials exactly as `path` is written. */
async function signedRaw(method: string, path: string, body = '') {
  const url = new URL(s3.endpoint)
  const signer = new SignatureV4({
    service: 's3',
    region: config.s3.region,
    credentials: TEST_STORE_CREDENTIALS,
    sha256: Sha256,
    uriEscapePath: false,
  })
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path,
    headers: { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
  })
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: signed.headers },
      (answer) => {
        let text = ''
        answer.setEncoding('utf8')
        answer.on('data', (chunk: string) => (text += chunk))
        answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body: text }))
      },
    )
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/** Every file name under `directory`, recursively. */
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true })
  return entries.map((entry) => join(directory, entry))
}

const preflight = (origin: string) =>
  fetch(bucketUrl(), {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST' },
  })

describe('the embedded S3', () => {
  it('listens on loopback and serves requests signed with its credentials', async () => {
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    await put('signed/hello.txt', 'hello')
    expect(await stored('signed/hello.txt')).toBe('hello')
    const listing = await client.send(
      new ListObjectsV2Command({ Bucket: config.uploadBucket, Prefix: 'signed/' }),
    )
    expect(listing.Contents?.map((c) => c.Key)).toEqual(['signed/hello.txt'])
    await client.send(
      new DeleteObjectCommand({ Bucket: config.uploadBucket, Key: 'signed/hello.txt' }),
    )
    expect(await stored('signed/hello.txt')).toBeUndefined()
  })

  it("lets the app's origin POST uploads from the browser", async () => {
    const response = await preflight('http://127.0.0.1:3000')
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-methods')).toContain('POST')
  })

  it('refuses other origins', async () => {
    const response = await preflight('https://evil.example')
    expect(response.status).toBe(403)
    expect(response.headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('anonymous requests', () => {
  beforeAll(async () => {
    await put('anon/kept.txt', 'kept')
  })

  it('PUT is refused and stores nothing', async () => {
    const response = await fetch(`${bucketUrl()}/anon/new.txt`, { method: 'PUT', body: 'x' })
    expect(await s3Error(response)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Access Denied',
    })
    expect(await stored('anon/new.txt')).toBeUndefined()
  })

  it('GET is refused', async () => {
    const response = await fetch(`${bucketUrl()}/anon/kept.txt`)
    expect(await s3Error(response)).toMatchObject({ status: 403, code: 'AccessDenied' })
  })

  it('DELETE is refused and the object stays', async () => {
    const response = await fetch(`${bucketUrl()}/anon/kept.txt`, { method: 'DELETE' })
    expect(await s3Error(response)).toMatchObject({ status: 403, code: 'AccessDenied' })
    expect(await stored('anon/kept.txt')).toBe('kept')
  })

  it('listing a bucket or the buckets is refused', async () => {
    for (const url of [bucketUrl(), `${s3.endpoint}/`, `${bucketUrl()}?list-type=2`]) {
      expect(await s3Error(await fetch(url))).toMatchObject({ status: 403, code: 'AccessDenied' })
    }
  })

  it('a signature with another secret is refused', async () => {
    const stranger = testS3Client({
      ...config,
      s3: { ...config.s3, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'guessed' } },
    })
    try {
      await expect(
        stranger.send(
          new PutObjectCommand({ Bucket: config.uploadBucket, Key: 'anon/x.txt', Body: 'x' }),
        ),
      ).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } })
    } finally {
      stranger.destroy()
    }
    expect(await stored('anon/x.txt')).toBeUndefined()
  })

  it("s3rver's well-known S3RVER pair is not taken by a runner's generated credentials", async () => {
    const other = testS3Client({
      ...config,
      s3: { ...config.s3, credentials: { accessKeyId: 'AKOTHER', secretAccessKey: 'S3RVER' } },
    })
    try {
      await expect(
        other.send(new GetObjectCommand({ Bucket: config.uploadBucket, Key: 'anon/kept.txt' })),
      ).rejects.toMatchObject({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } })
    } finally {
      other.destroy()
    }
  })
})

describe('presigned GETs', () => {
  beforeAll(async () => {
    await put('presigned/a.txt', 'presigned')
  })

  it('work until they expire', async () => {
    const { url } = await presignGetObject(client, config.uploadBucket, 'presigned/a.txt', {
      expiresInSeconds: 60,
    })
    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('presigned')
  })

  it('are refused after expiry', async () => {
    const { url } = await presignGetObject(client, config.uploadBucket, 'presigned/a.txt', {
      expiresInSeconds: 60,
      now: new Date(Date.now() - 61_000),
    })
    expect(await s3Error(await fetch(url))).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Request has expired',
    })
  })

  it('are refused for another key than signed', async () => {
    const { url } = await presignGetObject(client, config.uploadBucket, 'presigned/a.txt', {
      expiresInSeconds: 60,
    })
    const response = await fetch(url.replace('presigned/a.txt', 'anon/kept.txt'))
    expect(await s3Error(response)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' })
  })
})

/** The app's signed form for an upload, the file not yet added. */
async function signedForm(contentType = 'image/png') {
  const signed = await app.inject({
    method: 'GET',
    url: '/api/sign-s3-request',
    query: { filename: 'a.png', contentType },
  })
  expect(signed.statusCode).toBe(200)
  return signed.json<{ url: string; fields: Record<string, string>; key: string }>()
}

async function postForm(url: string, fields: Record<string, string>, file: Buffer) {
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  form.append('file', new Blob([new Uint8Array(file)], { type: 'image/png' }), 'a.png')
  return fetch(url, { method: 'POST', body: form })
}

const editPolicy = (policy: string, edit: (json: { conditions: unknown[] }) => void) => {
  const json = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as {
    conditions: unknown[]
  }
  edit(json)
  return Buffer.from(JSON.stringify(json)).toString('base64')
}

describe('browser POST uploads', () => {
  it('store the file when the form meets the policy the app signed', async () => {
    const upload = await uploadThroughPolicy(app, Buffer.from('png bytes'), 'a.png', 'image/png')
    expect(upload.status).toBe(204)
    expect(await stored(upload.key)).toBe('png bytes')
  })

  it('are refused with a tampered policy', async () => {
    const { url, fields, key } = await signedForm()
    const Policy = editPolicy(fields.Policy!, (json) => {
      json.conditions = json.conditions.map((c) =>
        Array.isArray(c) && c[0] === 'content-length-range' ? ['content-length-range', 1, 1e9] : c,
      )
    })
    const response = await postForm(url, { ...fields, Policy }, Buffer.from('x'))
    expect(await s3Error(response)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' })
    expect(await stored(key)).toBeUndefined()
  })

  it('are refused when the file is larger than the policy allows', async () => {
    const { url, fields, key } = await signedForm()
    const response = await postForm(url, fields, Buffer.alloc(2001, 1))
    expect(await s3Error(response)).toEqual({
      status: 400,
      code: 'EntityTooLarge',
      message: 'Your proposed upload exceeds the maximum allowed size',
    })
    expect(await stored(key)).toBeUndefined()
  })

  it('are refused for another key than the policy names', async () => {
    const { url, fields, key } = await signedForm()
    const response = await postForm(url, { ...fields, key: 'uploads/chosen.png' }, Buffer.from('x'))
    const error = await s3Error(response)
    expect(error).toMatchObject({ status: 403, code: 'AccessDenied' })
    expect(error.message).toBe(
      `Invalid according to Policy: Policy Condition failed: {"key":"${key}"}`,
    )
    expect(await stored('uploads/chosen.png')).toBeUndefined()
    expect(await stored(key)).toBeUndefined()
  })

  it('are refused for another Content-Type or an extra field', async () => {
    const { url, fields, key } = await signedForm()
    const typed = await postForm(url, { ...fields, 'Content-Type': 'text/html' }, Buffer.from('x'))
    expect(await s3Error(typed)).toMatchObject({ status: 403, code: 'AccessDenied' })
    const extra = await postForm(
      url,
      { ...fields, success_action_redirect: 'https://evil.example' },
      Buffer.from('x'),
    )
    expect(await s3Error(extra)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Extra input fields: success_action_redirect',
    })
    expect(await stored(key)).toBeUndefined()
  })

  it('are refused once the policy has expired', async () => {
    const post = await createPresignedPost(client, {
      Bucket: config.uploadBucket,
      Key: 'uploads/late.png',
      Expires: 1,
    })
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const response = await postForm(post.url, post.fields, Buffer.from('x'))
    expect(await s3Error(response)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
    })
    expect(await stored('uploads/late.png')).toBeUndefined()
  })

  it('are refused without a policy, and tell an allowed origin why', async () => {
    const form = new FormData()
    form.append('key', 'uploads/free.png')
    form.append('file', new Blob(['x']), 'a.png')
    const response = await fetch(bucketUrl(), {
      method: 'POST',
      body: form,
      headers: { origin: 'http://127.0.0.1:3000' },
    })
    expect(response.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000')
    expect(await s3Error(response)).toMatchObject({ status: 403, code: 'AccessDenied' })
    expect(await stored('uploads/free.png')).toBeUndefined()
  })
})

describe('keys that would leave the bucket', () => {
  // A name nothing else under the temporary directory has.
  const MARK = `escape-${randomUUID()}`

  /**
   * Files named MARK outside the bucket's directory. A key of `..` segments and a name lands
   * in an ancestor of the bucket's directory: the data directory (this file's own, looked
   * through whole) and, for the deepest key here, the system's temporary directory, looked at
   * alone. Never the temporary directory's whole tree: other runs' files there make the walk
   * take seconds, and vanish under it.
   */
  async function escaped(): Promise<string[]> {
    const bucketDirectory = join(s3.dataDir, 's3', config.uploadBucket)
    const inDataDir = (await readdir(s3.dataDir, { recursive: true }))
      .map((entry) => join(s3.dataDir, entry))
      .filter((path) => !path.startsWith(bucketDirectory + sep))
    const besideDataDir = (await readdir(dirname(s3.dataDir))).map((entry) =>
      join(dirname(s3.dataDir), entry),
    )
    return [...inDataDir, ...besideDataDir].filter((path) => path.includes(MARK))
  }

  it.each([
    [`..%2f..%2f${MARK}.txt`],
    [`..%2F..%2F..%2F${MARK}.txt`],
    [`a/../../../${MARK}.txt`],
    [`%2e%2e/%2e%2e/${MARK}.txt`],
    [`a%5c..%5c..%5c${MARK}.txt`],
    [`${MARK}%00.txt`],
  ])('a signed PUT of %s is refused and writes nothing', async (key) => {
    const answer = await signedRaw('PUT', `/${config.uploadBucket}/${key}`, 'escaped')
    expect(answer.status).toBe(400)
    expect(answer.body).toContain('<Code>InvalidArgument</Code>')
    expect(await escaped()).toEqual([])
  })

  it('a bucket named .. is not a bucket', async () => {
    const answer = await signedRaw('GET', '/%2e%2e')
    expect(answer.status).toBe(400)
    expect(answer.body).toContain('<Code>InvalidBucketName</Code>')
  })

  it('a form whose signed policy names such a key is refused', async () => {
    const post = await createPresignedPost(client, {
      Bucket: config.uploadBucket,
      Key: `../../${MARK}.png`,
      Expires: 60,
    })
    const response = await postForm(post.url, post.fields, Buffer.from('x'))
    expect(await s3Error(response)).toMatchObject({ status: 400, code: 'InvalidArgument' })
    expect(await escaped()).toEqual([])
  })

  it('a copy from outside the bucket is refused', async () => {
    await expect(
      client.send(
        new CopyObjectCommand({
          Bucket: config.uploadBucket,
          Key: 'copied.txt',
          CopySource: `${config.uploadBucket}/../../embedded-stores-credentials.json`,
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } })
    expect(await stored('copied.txt')).toBeUndefined()
  })

  it('a DeleteObjects naming such a key deletes nothing', async () => {
    // Where s3rver keeps the object `../../victim` of the bucket: in DATA_DIR itself.
    const victim = join(s3.dataDir, 'victim._S3rver_object')
    await writeFile(victim, 'not an object')
    await expect(
      client.send(
        new DeleteObjectsCommand({
          Bucket: config.uploadBucket,
          Delete: { Objects: [{ Key: '../../victim' }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } })
    expect(await readFile(victim, 'utf8')).toBe('not an object')
  })
})

describe('what it announces', () => {
  /** The changes announced while `act` runs, as `bucket/key`. */
  async function announced(act: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = []
    const stop = s3.changes.subscribe((bucket, key) => seen.push(`${bucket}/${key}`))
    try {
      await act()
    } finally {
      stop()
    }
    return seen
  }
  const id = () => `uploads/${randomUUID()}.txt`
  const at = (key: string) => `${config.uploadBucket}/${key}`

  it('each object written: PUT, a browser POST and a copy, before the answer', async () => {
    const [putKey, copyKey] = [id(), id()]
    expect(await announced(() => put(putKey, 'put'))).toEqual([at(putKey)])
    let posted = ''
    const seen = await announced(async () => {
      const upload = await uploadThroughPolicy(app, Buffer.from('png'), 'a.png', 'image/png')
      expect(upload.status).toBe(204)
      posted = upload.key
    })
    expect(seen).toEqual([at(posted)])
    const copy = () =>
      client.send(
        new CopyObjectCommand({
          Bucket: config.uploadBucket,
          Key: copyKey,
          CopySource: `${config.uploadBucket}/${putKey}`,
        }),
      )
    expect(await announced(copy)).toEqual([at(copyKey)])
  })

  it('each object deleted, one by one or many at once (which s3rver itself does not announce)', async () => {
    const [one, two, three] = [id(), id(), id()]
    for (const key of [one, two, three]) await put(key, 'gone soon')
    const deleteOne = () =>
      client.send(new DeleteObjectCommand({ Bucket: config.uploadBucket, Key: one }))
    expect(await announced(deleteOne)).toEqual([at(one)])
    const deleteMany = () =>
      client.send(
        new DeleteObjectsCommand({
          Bucket: config.uploadBucket,
          Delete: { Objects: [{ Key: two }, { Key: three }] },
        }),
      )
    // As the request is passed on and again as it is answered: a read in between may have
    // found them still there.
    expect((await announced(deleteMany)).sort()).toEqual(
      [at(two), at(two), at(three), at(three)].sort(),
    )
    expect([await stored(two), await stored(three)]).toEqual([undefined, undefined])
  })

  it('nothing for reads, listings and refused writes', async () => {
    const key = id()
    await put(key, 'read me')
    const seen = await announced(async () => {
      expect(await stored(key)).toBe('read me')
      await client.send(new ListObjectsV2Command({ Bucket: config.uploadBucket }))
      const anonymous = await fetch(`${bucketUrl()}/${key}`, { method: 'PUT', body: 'no' })
      expect(anonymous.status).toBe(403)
    })
    expect(seen).toEqual([])
  })
})

describe('files under the data directory', () => {
  it('hold no object outside its bucket', async () => {
    const files = await filesUnder(join(s3.dataDir, 's3'))
    expect(files.every((file) => /\/meme-studio-(uploads|archives)(\/|$)/.test(file))).toBe(true)
  })
})
