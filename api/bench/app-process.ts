/**
 * The app as a server process runs it, for render.bench.ts: started fresh, it imports the
 * app, builds it and answers one POST /api/meme (the cold start); then, when asked, makes
 * more memes in a row through `app.makeMeme` and watches its RSS. Prints one JSON line;
 * times are milliseconds since the process started (Node's boot and the TypeScript loader
 * included).
 *
 * Env: the app's variables (S3_ENDPOINT, ...), AWS credentials; BENCH_KEYS, uploaded
 * pictures, comma-separated; BENCH_RENDERS, how many memes to make after the first.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'

const { buildApp } = await import('../src/app.ts')
const { loadConfig } = await import('../src/config.ts')
const imported = performance.now()

const app = await buildApp(loadConfig(process.env))
await app.ready()
const built = performance.now()

// Counts object reads, to tell cache hits (a HEAD only) from misses.
let reads = 0
const send = app.s3.send.bind(app.s3) as (...args: unknown[]) => Promise<unknown>
app.s3.send = ((command: object, ...rest: unknown[]) => {
  if (command.constructor.name === 'GetObjectCommand') reads += 1
  return send(command, ...rest)
}) as typeof app.s3.send

const keys = (process.env.BENCH_KEYS ?? '').split(',')
const captions = (bottom: string) => [
  { text: 'One does not simply', x: 0.5, y: 0.15 },
  { text: bottom, x: 0.5, y: 0.85 },
]
const response = await app.inject({
  method: 'POST',
  url: '/api/meme',
  headers: { accept: 'image/jpeg' },
  payload: { image: keys[0], captions: captions('start cold') },
})
const answered = performance.now()
if (response.statusCode !== 200) throw new Error(`the first render answered ${response.statusCode}`)

/** People try a few texts on one picture, then move on: five renders per upload, in turn. */
const RENDERS_PER_PICTURE = 5
const renders = Number(process.env.BENCH_RENDERS ?? 0)
const rss = () => process.memoryUsage.rss()
const gc = (globalThis as { gc?: () => void }).gc
let sustained
if (renders > 0) {
  // Every upload once first: the cache and the allocator reach their working size.
  for (const [i, image] of keys.entries()) {
    await app.makeMeme({ image, captions: captions(`warm up ${i}`) })
  }
  gc?.()
  reads = 0
  const startRss = rss()
  let peakRss = startRss
  for (let i = 0; i < renders; i++) {
    const image = keys[Math.floor(i / RENDERS_PER_PICTURE) % keys.length]!
    await app.makeMeme({ image, captions: captions(`render #${i}`) })
    peakRss = Math.max(peakRss, rss())
    await nextTurn()
  }
  const endRss = rss()
  gc?.()
  sustained = {
    startRss,
    peakRss,
    endRss,
    endAfterGcRss: gc ? rss() : undefined,
    cacheHits: renders - reads,
  }
}
await app.close()

console.log(JSON.stringify({ imported, built, answered, sustained }))
