/**
 * The bundle is the product: the Lambda asset synth produced, copied out of the repository so
 * nothing resolves from its node_modules, loaded in a fresh Node process against a local S3 and
 * a local DynamoDB (the records table) and driven with API Gateway REST (v1) proxy events.
 */
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedDynamoDb } from '../../api/src/embedded-dynamodb.ts'
import { restEvent } from '../../api/test/support/api-gateway-events.ts'
import { REPO_ROOT, type Workload } from '../lib/api-bundling.ts'
import { buildTestApp, logicalIdOf } from './app-fixture.ts'

const run = promisify(execFile)
const UPLOADS = 'bundle-test-uploads'
const ARCHIVES = 'bundle-test-archives'
const ADMIN_KEY = 'bundle-test-key'
const RECORDS = 'bundle-test-records'

/** Synthesises the app for `architecture` and answers each function's asset folder. */
function synthAssets(architecture: string): Record<Workload, string> {
  const { app, appStack } = buildTestApp({ architecture, 'aws:cdk:bundling-stacks': ['**'] })
  const assembly = app.synth()
  const template = assembly.getStackByName(appStack.stackName).template as {
    Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>
  }
  const assetOf = (workload: Workload) => {
    const fn = template.Resources[logicalIdOf(appStack.functions[workload])]
    const hash = fn?.Properties.Code?.S3Key?.replace(/\.zip$/, '')
    if (!hash) throw new Error(`no Lambda asset for ${workload} in the template`)
    return join(assembly.directory, `asset.${hash}`)
  }
  return { render: assetOf('render'), control: assetOf('control') }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size
  }
  return total
}

interface ProxyResult {
  statusCode: number
  body: string
  isBase64Encoded?: boolean
  headers: Record<string, string>
}

/** The part of sharp's API the test uses; infra does not depend on sharp or its types. */
type SharpLike = (
  input: Buffer | { create: { width: number; height: number; channels: 3; background: string } },
) => {
  jpeg(): { toBuffer(): Promise<Buffer> }
  metadata(): Promise<{ format?: string; width?: number; height?: number }>
}

/** Loads the handler as Lambda does (`index.handler`) and answers each event in turn. */
const RUNNER = `
import { handler } from './index.mjs'
const events = JSON.parse(process.argv[2])
const context = { awsRequestId: 'bundle-test', functionName: 'meme-studio-api' }
const results = []
for (const event of events) results.push(await handler(event, context))
process.stdout.write('\\n' + JSON.stringify(results))
`

describe('the synthesised Lambda assets', () => {
  let work: string
  let bundles: Record<Workload, string>
  let arm64Assets: Record<Workload, string>
  let endpoint: string
  let closeS3: () => Promise<unknown>
  let dynamodb: Awaited<ReturnType<typeof startEmbeddedDynamoDb>> | undefined

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'meme-studio-bundle-'))
    const assets = synthAssets('x86_64')
    arm64Assets = synthAssets('arm64')
    bundles = { render: join(work, 'render'), control: join(work, 'control') }
    for (const workload of ['render', 'control'] as const) {
      await cp(assets[workload], bundles[workload], { recursive: true })
      await writeFile(join(bundles[workload], 'run-handler.mjs'), RUNNER)
    }

    // The S3 side only comes from the repository: the same s3rver the api tests use.
    const S3rver = createRequire(join(REPO_ROOT, 'api', 'package.json'))('s3rver') as new (
      options: object,
    ) => { run(): Promise<{ port: number }>; close(): Promise<unknown> }
    const server = new S3rver({
      address: '127.0.0.1',
      port: 0,
      silent: true,
      directory: join(work, 's3'),
      configureBuckets: [{ name: UPLOADS }, { name: ARCHIVES }],
    })
    const { port } = await server.run()
    endpoint = `http://127.0.0.1:${port}`
    closeS3 = () => server.close()
    // The records table where the stack gives the functions theirs: dynalite, as the api's.
    dynamodb = await startEmbeddedDynamoDb({
      dataDir: work,
      table: RECORDS,
      region: 'us-east-1',
      // The pair the functions' environment below signs with (dynalite takes any).
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    })
  })
  afterAll(async () => {
    await closeS3?.()
    await dynamodb?.close()
    if (work) await rm(work, { recursive: true, force: true })
  })

  /** A fresh Node process, cwd the copied asset, environment as the function's. */
  async function invoke(workload: Workload, events: object[]): Promise<ProxyResult[]> {
    const { stdout } = await run(process.execPath, ['run-handler.mjs', JSON.stringify(events)], {
      cwd: bundles[workload],
      maxBuffer: 64 * 1024 * 1024,
      env: {
        PATH: process.env.PATH,
        S3_ENDPOINT: endpoint,
        S3_BUCKET: UPLOADS,
        ARCHIVE_BUCKET: ARCHIVES,
        S3_REGION: 'us-east-1',
        DYNAMODB_ENDPOINT: dynamodb!.endpoint,
        RECORDS_TABLE: RECORDS,
        AWS_ACCESS_KEY_ID: 'S3RVER',
        AWS_SECRET_ACCESS_KEY: 'S3RVER',
        ADMIN_API_KEYS: ADMIN_KEY,
        DATA_DIR: join(work, 'data'),
        PUBLIC_ORIGIN: 'https://d111111abcdef8.cloudfront.net',
        LOG_LEVEL: 'error',
        MALLOC_ARENA_MAX: '2',
      },
    })
    return JSON.parse(stdout.slice(stdout.lastIndexOf('\n') + 1)) as ProxyResult[]
  }

  it('answers health and signs an upload (control), renders the picture (render)', async () => {
    const [health, signed, admin] = await invoke('control', [
      restEvent('GET', '/api/health'),
      restEvent('GET', '/api/sign-s3-request', {
        query: { filename: 'cat.jpg', contentType: 'image/jpeg' },
      }),
      restEvent('GET', '/api/admin/usage'),
    ])
    expect(health?.statusCode).toBe(200)
    expect(JSON.parse(health!.body)).toEqual({ status: 'ok', storage: 'ok', records: 'ok' })
    expect(signed?.statusCode).toBe(200)
    const upload = JSON.parse(signed!.body) as {
      url: string
      fields: Record<string, string>
      key: string
    }
    expect(upload.key).toMatch(/^uploads\/[0-9a-f-]{36}\.jpg$/)

    // A picture made by the bundle's own sharp, posted under the signed policy.
    const sharp = createRequire(join(bundles.render, 'index.mjs'))('sharp') as SharpLike
    const picture = await sharp({
      create: { width: 320, height: 240, channels: 3, background: '#3a7' },
    })
      .jpeg()
      .toBuffer()
    const form = new FormData()
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value)
    form.append('file', new Blob([picture], { type: 'image/jpeg' }), 'cat.jpg')
    const posted = await fetch(upload.url, { method: 'POST', body: form })
    expect(posted.status).toBeLessThan(300)

    const [meme] = await invoke('render', [
      restEvent('POST', '/api/meme', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          image: upload.key,
          captions: [{ text: 'Bundled 🚀 Ünïcödé', x: 0.5, y: 0.15 }],
        }),
      }),
    ])
    expect(meme?.statusCode).toBe(200)
    const body = JSON.parse(meme!.body) as { meme_type: string; meme_data: string }
    expect(body.meme_type).toBe('image/jpeg')
    const image = Buffer.from(body.meme_data, 'base64')
    expect([...image.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])
    expect(await sharp(image).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 240 })

    expect(admin?.statusCode).toBe(403)
    expect(admin?.body).toBe('{"message":"Forbidden"}')
  })

  it('carries the arm64 binaries and the fonts in the arm64 render asset', async () => {
    const arm64Asset = arm64Assets.render
    const modules = join(arm64Asset, 'node_modules')
    const present = async (path: string) => (await stat(join(modules, path))).isFile()
    expect(await present('@img/sharp-linux-arm64/package.json')).toBe(true)
    expect(await present('@img/sharp-libvips-linux-arm64/package.json')).toBe(true)
    expect(await present('@napi-rs/canvas-linux-arm64-gnu/package.json')).toBe(true)
    const scopes = await readdir(join(modules, '@img'))
    expect(scopes.filter((name) => name.includes('x64'))).toEqual([])
    expect(await present('@fontsource/anton/unicode.json')).toBe(true)
    expect(await present('@fontsource/anton/files/anton-latin-400-normal.woff2')).toBe(true)
    expect(await present('@fontsource/noto-sans-jp/unicode.json')).toBe(true)
    expect(await present('twemoji-colr-font/twemoji.woff2')).toBe(true)
    const index = await readFile(join(arm64Asset, 'index.mjs'), 'utf8')
    expect(index.startsWith('import { createRequire }')).toBe(true)
    const bytes = await folderBytes(arm64Asset)
    console.log(`arm64 Lambda asset: ${(bytes / 1024 / 1024).toFixed(1)} MiB unzipped`)
    // Lambda's limit for an unzipped package is 250 MB.
    expect(bytes).toBeLessThan(200 * 1024 * 1024)
  })

  it('keeps sharp, Skia and the fonts out of the control asset', async () => {
    const modules = await readdir(join(arm64Assets.control, 'node_modules'), { recursive: true })
    const native = modules.filter((path) =>
      /^(sharp|@img|@napi-rs|@fontsource|twemoji-colr-font)(\/|$)/.test(path),
    )
    expect(native).toEqual([])
    const index = await readFile(join(arm64Assets.control, 'index.mjs'), 'utf8')
    expect(index).not.toMatch(/require\(["'](sharp|@napi-rs\/canvas)["']\)|from ?["']sharp["']/)
    const bytes = await folderBytes(arm64Assets.control)
    console.log(`arm64 control asset: ${(bytes / 1024 / 1024).toFixed(1)} MiB unzipped`)
    expect(bytes).toBeLessThan(30 * 1024 * 1024)
  })

  it('answers render paths only in render and the rest only in control', async () => {
    const [notRendered] = await invoke('control', [restEvent('POST', '/api/meme', { body: '{}' })])
    expect(notRendered?.statusCode).toBe(404)
    const [noHealth] = await invoke('render', [restEvent('GET', '/api/health')])
    expect(noHealth?.statusCode).toBe(404)
  })
})
