/**
 * `pnpm bench`: the renderer against Pillow on the standard job, and the figures a server
 * lives by. The standard job: decode a JPEG, draw two outlined caption lines, encode JPEG
 * quality 85; the median of 100 renders, with one turn of the event loop between renders
 * as a server has.
 *
 * 1. first render (decode + draw + encode, through `renderMeme`) at 1024×768 and
 *    2000×1500, and the same job with Pillow (Debian's python3-pil, /usr/bin/python3);
 * 2. re-render: the same picture, decoded before (a cache hit), with new text (`drawMeme`);
 * 3. 500 renders in a row through the app's own `makeMeme` (S3 reads, cache, limiter):
 *    RSS at the start, at its peak and at the end;
 * 4. cold starts, as each Lambda function has them: its entry bundled as infra bundles it
 *    (`scripts/bundle-lambda.ts`), a fresh `node` that loads the bundle, builds the app and answers the
 *    first request (render: the standard job's POST /api/meme against the embedded S3; control:
 *    GET /api/health, which reads the bucket), median of 5, beside the floor: bare Fastify
 *    behind @fastify/aws-lambda with one trivial route, bundled and started the same way.
 *
 * 5. memes by URL (`url-images.ts`), in process through `app.inject`, at 1024×768: a URL miss
 *    (the template's picture decoded before, new text each time) beside POST /api/meme of the
 *    same job, and a 304.
 * 6. load (`load.ts`): `pnpm start`'s server in a fresh process, 16 clients at once against
 *    one, on loopback, for a fixed number of POST /api/meme at 1024×768 and 2000×1500, cache
 *    warm and cold: renders/s, p50/p95/p99, the share of BUSY, peak RSS; then an overload,
 *    RSS after the bursts, and the HTTP round trip against the same render in process.
 *
 * `pnpm bench -- --cold-start-only` (or BENCH_COLD_START_ONLY=1) runs part 4 alone, in seconds;
 * `pnpm bench -- --url-only` (or BENCH_URL_ONLY=1) runs part 5 with the 1024×768 row of part 1
 * (its targets are Pillow's), in well under a minute; `pnpm bench -- --load-only` (or
 * BENCH_LOAD_ONLY=1) runs part 6 alone, in about a minute.
 * Prints tables; writes nothing but temporary files and the bundles under node_modules/.cache.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { createCanvas } from '@napi-rs/canvas'
import type { Caption } from '@meme-studio/meme-core'
import sharp from 'sharp'
import { loadConfig } from '../src/config.ts'
import { startEmbeddedDynamoDb } from '../src/embedded-dynamodb.ts'
import { resolveEmbeddedCredentials, startEmbeddedS3 } from '../src/embedded-s3.ts'
import { createS3Client } from '../src/plugins/app/storage.ts'
import { restEvent } from '../test/support/api-gateway-events.ts'
import { buildApp } from '../src/app.ts'
import { benchBundle, coldStarts } from './cold-start.ts'
import { urlImageTimings } from './url-images.ts'
import { loadRun } from './load.ts'
import {
  decodePicture,
  layoutCaptions,
  renderMeme,
  drawMeme,
} from '../src/services/meme/meme-render.ts'
import { verdict } from './verdict.ts'

// The SDK's notice that it will need a newer Node is noise between the tables.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'

const RUNS = 100
const WARMUP = 5
const SUSTAINED_RENDERS = 500
const COLD_STARTS = 5
/** The targets for each function's cold start, in ms. */
const COLD_START_TARGETS = { render: 300, control: 200 } as const
const SIZES = [
  { width: 1024, height: 768 },
  { width: 2000, height: 1500 },
] as const
const DECODING = { maxPixels: 40_000_000, maxEdge: 2048 }
const PYTHON = '/usr/bin/python3'
/**
 * glibc's malloc holds on to freed memory when large buffers (decoded pictures, caption
 * layers) come and go from several threads: an arena per thread, and a threshold for
 * handing big blocks straight back to the system that rises as they are freed. sharp's
 * documentation recommends another allocator (jemalloc) on glibc for this reason; short of
 * that, these two settings bound it. Both are read from the environment at process start.
 */
const ALLOCATORS: Record<string, NodeJS.ProcessEnv> = {
  'default malloc': {},
  'MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072': {
    MALLOC_ARENA_MAX: '2',
    MALLOC_MMAP_THRESHOLD_: '131072',
  },
}
const here = fileURLToPath(new URL('.', import.meta.url))
const require = createRequire(import.meta.url)

const standardCaptions = (bottom: string): Caption[] => [
  { text: 'One does not simply', x: 0.5, y: 0.15 },
  { text: bottom, x: 0.5, y: 0.85 },
]

/** A busy, photo-like picture: a gradient under 200 overlapping discs, JPEG quality 90. */
async function makePhoto(width: number, height: number, seed = 0): Promise<Buffer> {
  const canvas = createCanvas(width, height)
  const ctx = canvas.getContext('2d')
  const gradient = ctx.createLinearGradient(0, 0, width, height)
  gradient.addColorStop(0, '#f80')
  gradient.addColorStop(1, '#08f')
  ctx.fillStyle = gradient
  ctx.fillRect(0, 0, width, height)
  for (let i = 0; i < 200; i++) {
    ctx.fillStyle = `hsl(${i * 7 + seed * 13},60%,50%)`
    ctx.beginPath()
    ctx.arc((i * 97 + seed * 31) % width, (i * 53) % height, 20 + (i % 40), 0, 2 * Math.PI)
    ctx.fill()
  }
  return sharp(await canvas.encode('png'))
    .jpeg({ quality: 90 })
    .toBuffer()
}

const rss = () => process.memoryUsage.rss()

interface Timing {
  p50: number
  p95: number
  peakRssBytes: number
}

/** Median and 95th percentile of `RUNS` calls, a turn of the event loop between them. */
async function measure(render: (i: number) => Promise<unknown>): Promise<Timing> {
  for (let i = 0; i < WARMUP; i++) await render(i)
  const times: number[] = []
  let peakRssBytes = rss()
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now()
    await render(i)
    times.push(performance.now() - start)
    peakRssBytes = Math.max(peakRssBytes, rss())
    await nextTurn()
  }
  times.sort((a, b) => a - b)
  return {
    p50: times[Math.floor(RUNS / 2)]!,
    p95: times[Math.floor(RUNS * 0.95)]!,
    peakRssBytes,
  }
}

function run(command: string, args: string[], env?: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>(
    (resolve, reject) => {
      const start = performance.now()
      const child = spawn(command, args, { cwd: join(here, '..'), env: env ?? process.env })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (chunk) => (stdout += chunk))
      child.stderr.on('data', (chunk) => (stderr += chunk))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - start }))
    },
  )
}

async function pillowAvailable(): Promise<string | undefined> {
  try {
    const check = await run(PYTHON, ['-c', 'import PIL; print(PIL.__version__)'])
    return check.code === 0
      ? undefined
      : `PIL is not installed for ${PYTHON} (apt install python3-pil)`
  } catch {
    return `${PYTHON} is not installed`
  }
}

/** The standard job with Pillow: the same file, the same lines at the same places. */
async function pillowTiming(dir: string, input: string, jpeg: Buffer): Promise<Timing> {
  const picture = await decodePicture(jpeg, DECODING)
  const lines = layoutCaptions(standardCaptions('render a meme'), picture).flatMap((layout) =>
    layout.lines.map((line) => ({
      text: line.text,
      x: layout.box.x + line.x,
      y: layout.box.y + line.y,
      fontSize: layout.fontSize,
      strokeWidth: layout.strokeWidth,
    })),
  )
  const jobFile = join(dir, `pillow-job-${picture.width}.json`)
  await writeFile(
    jobFile,
    JSON.stringify({
      input,
      font: require.resolve('@fontsource/anton/files/anton-latin-400-normal.woff'),
      lines,
      runs: RUNS,
      warmup: WARMUP,
    }),
  )
  const result = await run(PYTHON, [join(here, 'pillow_render.py'), jobFile])
  if (result.code !== 0) throw new Error(`Pillow failed: ${result.stderr}`)
  return JSON.parse(result.stdout) as Timing
}

interface AppProcess {
  imported: number
  built: number
  answered: number
  sustained?: {
    startRss: number
    peakRss: number
    endRss: number
    endAfterGcRss?: number
    cacheHits: number
  }
}

/**
 * The app process bundled as the functions are (`scripts/bundle-lambda.ts`), for the memory runs: the
 * whole app in one process, as the local server has it, in the code the render function runs.
 */
async function bundleAppProcess(): Promise<string> {
  return (await benchBundle('bench/app-process.ts', 'app-process', 'render')).entry
}

/** Runs the app process, from its bundle or, without one, its TypeScript through tsx. */
async function appProcess(env: NodeJS.ProcessEnv, bundle?: string, nodeOptions: string[] = []) {
  const entry = bundle ? [bundle] : ['--import', 'tsx', join(here, 'app-process.ts')]
  const child = await run(process.execPath, [...nodeOptions, ...entry], { ...process.env, ...env })
  const line = child.stdout.trim().split('\n').at(-1) ?? ''
  if (child.code !== 0 || !line.startsWith('{')) {
    throw new Error(`the app process failed: ${child.stderr}`)
  }
  return { ...(JSON.parse(line) as AppProcess), wall: child.ms }
}

const ms = (value: number) => value.toFixed(1).padStart(7)
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`.padStart(8)

const coldStartOnly =
  process.argv.includes('--cold-start-only') || process.env.BENCH_COLD_START_ONLY === '1'
const urlOnly = process.argv.includes('--url-only') || process.env.BENCH_URL_ONLY === '1'
const loadOnly = process.argv.includes('--load-only') || process.env.BENCH_LOAD_ONLY === '1'

/** Part 6: the load run (`load.ts`). */
const LOAD = { requests: 160, clients: 16, overloadClients: 64 } as const

/** A 304 answers from the URL and the template's record alone: the figure. */
const NOT_MODIFIED_TARGET_MS = 2
/** The re-render target, as a fraction of Pillow's standard job (part 1). */
const RE_RENDER_TARGET = 0.6

/**
 * Part 5, with its verdicts: a URL miss is a re-render (the picture decoded before) behind the
 * route, so it has the re-render's target; POST /api/meme of the same job is beside it.
 */
async function urlImages(
  app: Parameters<typeof urlImageTimings>[0],
  pillow1024: Timing | undefined,
): Promise<string[]> {
  const { post, miss, notModified, width, height } = await urlImageTimings(app, measure)
  const label = `${width}×${height}`
  console.log(
    `\nmemes by URL, in process (app.inject), over starter ${label} (PNG, its picture decoded once before; new text each time):`,
  )
  console.log(['request'.padEnd(44), '    p50', '    p95'].join('  '))
  for (const [name, timing] of [
    ['POST /api/meme by template id', post],
    ['GET /api/images/<starter>/<new text>.png?v=1', miss],
    ['the same GET with If-None-Match: 304', notModified],
  ] as const) {
    console.log([name.padEnd(44), ms(timing.p50), ms(timing.p95)].join('  '))
  }
  const beside =
    `POST /api/meme of the same job ${post.p50.toFixed(1)} ms p50, ` +
    `the URL route ${miss.p50 >= post.p50 ? '+' : ''}${(miss.p50 - post.p50).toFixed(1)} ms`
  const missTarget = pillow1024
    ? `≤ ${RE_RENDER_TARGET}× Pillow's ${pillow1024.p50.toFixed(1)} ms = ${(RE_RENDER_TARGET * pillow1024.p50).toFixed(1)} ms — ${verdict(miss.p50 <= RE_RENDER_TARGET * pillow1024.p50)}`
    : 'Pillow skipped, no target to hold it to'
  return [
    `URL miss at ${label} within the render targets (a re-render, ${missTarget}): ` +
      `${miss.p50.toFixed(1)} ms p50, ${miss.p95.toFixed(1)} ms p95; ${beside}`,
    `304 under ${NOT_MODIFIED_TARGET_MS} ms p50 in process: ${notModified.p50.toFixed(2)} ms ` +
      `(p95 ${notModified.p95.toFixed(2)} ms) — ${verdict(notModified.p50 < NOT_MODIFIED_TARGET_MS)}`,
  ]
}

/**
 * Part 4: both functions' cold starts and the floor, from their bundles, with the verdicts.
 * The Lambda's environment as the stack sets it, S3 aside (the embedded one).
 */
async function lambdaColdStarts(env: NodeJS.ProcessEnv, key: string): Promise<string[]> {
  const meme = restEvent('POST', '/api/meme', {
    headers: { 'content-type': 'application/json', accept: 'image/jpeg' },
    body: JSON.stringify({ image: key, captions: standardCaptions('start cold') }),
  })
  const health = restEvent('GET', '/api/health')
  const results = await coldStarts(
    [
      { name: 'floor', entry: 'bench/floor-lambda.ts', fn: 'control', event: health },
      { name: 'render', entry: 'src/lambda-render.ts', fn: 'render', event: meme },
      { name: 'control', entry: 'src/lambda-control.ts', fn: 'control', event: health },
    ],
    {
      ...process.env,
      ...env,
      AWS_REGION: 'us-east-1',
      ...ALLOCATORS['MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072'],
    },
    COLD_STARTS,
  )
  console.log(
    `\ncold starts, as each function has them: a fresh node loads the bundled entry (minified ESM, as infra bundles it), ` +
      `builds the app and answers its first request; bundle: every file, at start: the entry and the chunks it imports statically; median of ${COLD_STARTS}, taken in turn (ms since the process started):`,
  )
  console.log(
    [
      'function'.padEnd(36),
      '  bundle',
      ' at start',
      ' loaded',
      '  ready',
      'answered',
      'CPU time',
      'range (answered)',
    ].join('  '),
  )
  const labels: Record<string, string> = {
    floor: 'floor: bare Fastify, one route',
    render: 'render: POST /api/meme (1024×768)',
    control: 'control: GET /api/health',
  }
  for (const [name, result] of results) {
    const { median, medianCpu, all, bytes, totalBytes } = result
    console.log(
      [
        labels[name]!.padEnd(36),
        `${(totalBytes / 1024).toFixed(0)} KiB`.padStart(8),
        `${(bytes / 1024).toFixed(0)} KiB`.padStart(9),
        ms(median.loaded).trim().padStart(7),
        ms(median.initialized).trim().padStart(7),
        ms(median.answered).trim().padStart(8),
        ms(medianCpu).trim().padStart(8),
        `${all[0]!.answered.toFixed(0)}–${all.at(-1)!.answered.toFixed(0)}`,
      ].join('  '),
    )
  }
  const floor = results.get('floor')!.median.answered
  return (['render', 'control'] as const).map((name) => {
    const { answered } = results.get(name)!.median
    const target = COLD_START_TARGETS[name]
    return (
      `${name} cold start ≤ ${target} ms: ${answered.toFixed(0)} ms ` +
      `(floor ${floor.toFixed(0)} ms, +${(answered - floor).toFixed(0)} ms) — ${verdict(answered <= target)}`
    )
  })
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'meme-studio-bench-'))
  const skipPillow = await pillowAvailable()
  const versions = sharp.versions as { vips?: string; sharp?: string }
  console.log(
    `meme-studio render bench — node ${process.version}, sharp ${versions.sharp} (libvips ${versions.vips}), ` +
      `${cpus().length} CPUs, sharp.concurrency ${sharp.concurrency()}; ` +
      // Cold starts on a machine that others are using run long: the load says how busy.
      `load average ${loadavg()
        .map((load) => load.toFixed(2))
        .join(' ')}`,
  )
  if (!coldStartOnly) {
    console.log(
      `standard job: decode JPEG, two outlined caption lines, encode JPEG q85; ${RUNS} runs after ${WARMUP} warm-up, a turn of the event loop between\n`,
    )
  }

  const rows: string[][] = []
  const targets: string[] = []
  let pillow1024: Timing | undefined
  if (loadOnly) {
    try {
      targets.push(...(await loadRun({ dir, makePhoto, ...LOAD })))
      console.log('\ntargets:')
      for (const target of targets) console.log(`  ${target}`)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    return
  }
  try {
    for (const size of coldStartOnly ? [] : urlOnly ? SIZES.slice(0, 1) : SIZES) {
      const label = `${size.width}×${size.height}`
      const jpeg = await makePhoto(size.width, size.height)
      const input = join(dir, `photo-${size.width}.jpg`)
      await writeFile(input, jpeg)

      const first = await measure(() =>
        renderMeme(jpeg, standardCaptions('render a meme'), DECODING),
      )
      const picture = await decodePicture(jpeg, DECODING)
      const again = await measure((i) => drawMeme(picture, standardCaptions(`render meme #${i}`)))
      const pil = skipPillow ? undefined : await pillowTiming(dir, input, jpeg)

      const ratio = (t: Timing) => (pil ? (t.p50 / pil.p50).toFixed(2).padStart(6) : '     –')
      rows.push([
        'ours, first render',
        label,
        ms(first.p50),
        ms(first.p95),
        mb(first.peakRssBytes),
        ratio(first),
      ])
      rows.push([
        'ours, re-render (cached)',
        label,
        ms(again.p50),
        ms(again.p95),
        mb(again.peakRssBytes),
        ratio(again),
      ])
      if (size.width === 1024) pillow1024 = pil
      if (pil) {
        rows.push([
          `Pillow ${(pil as Timing & { pillow?: string }).pillow ?? ''}`,
          label,
          ms(pil.p50),
          ms(pil.p95),
          mb(pil.peakRssBytes),
          '  1.00',
        ])
        targets.push(
          `first render ≤ 1.0× Pillow at ${label}: ${(first.p50 / pil.p50).toFixed(2)}× — ${verdict(first.p50 <= pil.p50)}`,
          `re-render ≤ 0.6× Pillow at ${label}: ${(again.p50 / pil.p50).toFixed(2)}× — ${verdict(again.p50 <= 0.6 * pil.p50)}`,
        )
      }
    }
    if (!coldStartOnly) {
      console.log(
        [
          'engine'.padEnd(26),
          'size'.padEnd(10),
          '    p50',
          '    p95',
          'peak RSS',
          'ours/Pillow (p50)',
        ].join('  '),
      )
      for (const row of rows) {
        console.log([row[0]!.padEnd(26), row[1]!.padEnd(10), ...row.slice(2)].join('  '))
      }
      if (skipPillow) console.log(`\nPillow skipped: ${skipPillow}`)
    }

    const { credentials } = await resolveEmbeddedCredentials(dir)
    const s3 = await startEmbeddedS3({
      host: '127.0.0.1',
      dataDir: dir,
      buckets: ['meme-studio-uploads', 'meme-studio-archives'],
      corsOrigins: ['http://127.0.0.1'],
      credentials,
      region: 'us-east-1',
      maxUploadBytes: 10 * 1024 * 1024,
    })
    const dynamodb = await startEmbeddedDynamoDb({
      dataDir: dir,
      table: 'meme-studio-records',
      region: 'us-east-1',
      credentials,
    })
    try {
      const config = loadConfig({ S3_ENDPOINT: s3.endpoint })
      config.s3.credentials = credentials
      const client = createS3Client(config.s3)
      const keys: string[] = []
      for (let i = 0; i < (coldStartOnly || urlOnly ? 1 : 16); i++) {
        const size = SIZES[i % 2]!
        const key = `uploads/00000000-0000-4000-8000-${String(i).padStart(12, '0')}.jpg`
        const body = await makePhoto(size.width, size.height, i)
        await client.send(
          new PutObjectCommand({
            Bucket: config.uploadBucket,
            Key: key,
            Body: body,
            ContentType: 'image/jpeg',
          }),
        )
        keys.push(key)
      }
      client.destroy()

      const env = {
        S3_ENDPOINT: s3.endpoint,
        // The records table (control's health reads it), and the engines' names as the stack
        // sets them on Lambda: with a queue's URL set the app sends to SQS and polls nothing,
        // as there; no request the bench makes reaches SQS or Step Functions.
        DYNAMODB_ENDPOINT: dynamodb.endpoint,
        JOBS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/meme-studio-bench-jobs',
        ARCHIVES_QUEUE_URL:
          'https://sqs.us-east-1.amazonaws.com/000000000000/meme-studio-bench-archives',
        EVENTS_STATE_MACHINE_ARN:
          'arn:aws:states:us-east-1:000000000000:stateMachine:meme-studio-bench-discord-delivery',
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        BENCH_KEYS: keys.join(','),
      }
      if (!coldStartOnly) {
        const appConfig = loadConfig({
          S3_ENDPOINT: s3.endpoint,
          DYNAMODB_ENDPOINT: dynamodb.endpoint,
          LOG_LEVEL: 'error',
        })
        appConfig.s3.credentials = credentials
        appConfig.dynamodb.credentials = credentials
        const app = await buildApp(appConfig)
        try {
          targets.push(...(await urlImages(app, pillow1024)))
        } finally {
          await app.close()
        }
      }
      if (!coldStartOnly && !urlOnly) {
        const bundle = await bundleAppProcess()
        console.log(
          `\n${SUSTAINED_RENDERS} renders in a row in a fresh server process (the bundled app), through makeMeme (S3 reads, cache, limiter; ` +
            `16 uploads of both sizes, 5 texts each in turn; cache ${mb(config.render.cacheBytes).trim()}):`,
        )
        for (const [label, allocator] of Object.entries(ALLOCATORS)) {
          const { sustained } = await appProcess(
            { ...env, ...allocator, BENCH_RENDERS: String(SUSTAINED_RENDERS) },
            bundle,
            ['--expose-gc'],
          )
          if (!sustained) throw new Error('the app process made no memes')
          console.log(
            `  ${label}: RSS after warm-up ${mb(sustained.startRss).trim()}, peak ${mb(sustained.peakRss).trim()}, ` +
              `end ${mb(sustained.endRss).trim()}, after a full GC ${mb(sustained.endAfterGcRss ?? sustained.endRss).trim()}; ` +
              `${sustained.cacheHits} cache hits`,
          )
          const ok =
            sustained.endRss <= 300 * 1024 * 1024 &&
            sustained.endRss - sustained.startRss <= 32 * 1024 * 1024
          targets.push(
            `RSS after ${SUSTAINED_RENDERS} renders ≤ 300 MB and back near its start (${label}): ` +
              `${mb(sustained.endRss).trim()}, start ${mb(sustained.startRss).trim()} — ${verdict(ok)}`,
          )
        }
      }

      if (!urlOnly) targets.push(...(await lambdaColdStarts(env, keys[0]!)))
      if (!coldStartOnly && !urlOnly) targets.push(...(await loadRun({ dir, makePhoto, ...LOAD })))

      if (!coldStartOnly && !urlOnly) {
        const colds: Awaited<ReturnType<typeof appProcess>>[] = []
        for (let i = 0; i < COLD_STARTS; i++) colds.push(await appProcess(env))
        colds.sort((a, b) => a.answered - b.answered)
        const cold = colds[Math.floor(COLD_STARTS / 2)]!
        console.log(
          `\nfor comparison, the whole app from the TypeScript sources through tsx, as \`pnpm start\` runs it: ` +
            `${cold.answered.toFixed(0)} ms to the first meme (imports done at ${cold.imported.toFixed(0)} ms, ` +
            `app ready at ${cold.built.toFixed(0)} ms; median of ${COLD_STARTS})`,
        )
      }
    } finally {
      await s3.close()
      await dynamodb.close()
    }
    console.log('\ntargets:')
    for (const target of targets) console.log(`  ${target}`)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
