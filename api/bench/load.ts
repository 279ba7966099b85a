/**
 * The load run of `pnpm bench`: the local server as a self-hoster runs it (`pnpm start`'s
 * server, its embedded S3 and DynamoDB in the same process), started fresh on a loopback
 * port, and N clients on loopback sending `POST /api/meme` at once, each its next request as
 * soon as its last is answered, for a fixed number of requests, each on a connection it
 * opened before the run is timed. One client is the baseline, in the same run.
 *
 * Cases: 1024×768 and 2000×1500 JPEGs; the cache warm (every request draws on one upload,
 * decoded before) and cold (every request names an upload of its own, never decoded). Per
 * run: renders/s, p50/p95/p99 of the renders that succeeded, the share of `BUSY`, the
 * server's peak RSS. Then an overload, more clients than the server runs and queues, where
 * `BUSY` must come at once and a client that waits `Retry-After` must be served; RSS a few
 * seconds after the last burst; and the same renders in process (`app.makeMeme` in the
 * bench's own process, against the server's S3), the figure the HTTP round trip adds to.
 *
 * Loopback only: the server listens on 127.0.0.1 and nothing else is reached.
 */
import type { ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import type { Caption } from '@meme-studio/meme-core'
import { Agent, request } from 'undici'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { ObjectChangeFeed } from '../src/services/storage/object-changes.ts'
import { sharedS3Client } from '../test/support/server-banner.ts'
import { runServer } from '../test/support/server-process.ts'
import type { ProbeReading } from './server-probe.ts'
import { verdict } from './verdict.ts'

const here = fileURLToPath(new URL('.', import.meta.url))

export interface LoadOptions {
  dir: string
  makePhoto: (width: number, height: number, seed?: number) => Promise<Buffer>
  /** Requests per run, whatever the number of clients. */
  requests: number
  /** The concurrent clients measured against one. */
  clients: number
  /** Clients in the overload: more than the server runs and queues. */
  overloadClients: number
}

interface LoadCase {
  width: number
  height: number
  cache: 'warm' | 'cold'
}

interface RunResult {
  clients: number
  renders: number
  busy: number
  /** Milliseconds of the renders that succeeded, sorted. */
  times: number[]
  /** Milliseconds of the `BUSY` answers, sorted. */
  busyTimes: number[]
  /** Requests retried after `Retry-After` and then served. */
  servedAfterRetry: number
  /** The most attempts one request took to be served. */
  maxAttempts: number
  seconds: number
  /**
   * Renders per second while every request had yet to be handed out: the server's rate under
   * the whole load, before the last clients run out of work (or sleep out a Retry-After at
   * the end, which would count the client's wait as the server's).
   */
  loadedRate: number
  peakRss?: number
  /** The server's CPU time over the run, per second of it: 2.0 is both cores of two. */
  cpu?: { user: number; system: number }
  /**
   * The clients' own CPU time (this process: sending, reading the answers) over the same
   * window, per second: the clients run on the same cores as the server.
   */
  clientCpu?: number
  /** Milliseconds of `clients` requests that need no work, sent at once before the run. */
  noWorkTimes: number[]
  /** What the server saw of the run (server-probe.ts): its `BUSY` answers, its loop's delay. */
  server: ProbeReading
  /** The clients' own event loop's longest delay over the run, in milliseconds. */
  clientLoopDelayMaxMs: number
  otherErrors: string[]
}

const captions = (bottom: string): Caption[] => [
  { text: 'One does not simply', x: 0.5, y: 0.15 },
  { text: bottom, x: 0.5, y: 0.85 },
]

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

/** The server process's resident set, from /proc (Linux); undefined elsewhere. */
function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]
    return kb ? Number(kb) * 1024 : undefined
  } catch {
    return undefined
  }
}

/** The server process's CPU time so far, user and system, in seconds, from /proc (Linux). */
function cpuOf(pid: number): { user: number; system: number } | undefined {
  try {
    // Fields after the command's name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    const ticks = 100 // USER_HZ, 100 on every Linux Node runs on
    return { user: Number(fields[11]) / ticks, system: Number(fields[12]) / ticks }
  } catch {
    return undefined
  }
}

interface Server {
  child: ChildProcess
  origin: string
  /** The settings its banner gives a second process: S3_ENDPOINT, credentials, ... */
  settings: Record<string, string>
  /** Starts server-probe.ts's figures afresh. */
  resetProbe(): void
  /** server-probe.ts's figures since the last reset. */
  readProbe(): Promise<ProbeReading>
  close(): Promise<void>
}

/** `pnpm start`'s server on a free loopback port, its data in `dataDir`. */
async function startServer(dataDir: string): Promise<Server> {
  // BENCH_LOAD_PROFILE=<dir>: the server writes a CPU profile of its main thread there.
  const profile = process.env.BENCH_LOAD_PROFILE
  const server = runServer(
    { HOST: '127.0.0.1', PORT: '0', DATA_DIR: dataDir },
    {
      nodeArgs: [
        ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
        '--import',
        join(here, 'server-probe.ts'),
      ],
      ipc: true,
    },
  )
  await server.printed('Press Ctrl-C to stop.', 60_000)
  const { child } = server
  return {
    child,
    origin: server.origin(),
    settings: server.sharedSettings(),
    resetProbe: () => child.send('probe:reset'),
    readProbe: () =>
      new Promise((resolve) => {
        child.once('message', (reading) => resolve(reading as ProbeReading))
        child.send('probe:read')
      }),
    close: async () => {
      child.kill('SIGTERM')
      await server.exited
    },
  }
}

/**
 * Opens a connection for each of `clients` clients (a request that does no work from each,
 * all at once), as a browser or a proxy in front holds one open across requests, so the
 * runs time the server's answers, not TCP handshakes (the README's "Under load" has what
 * new connections cost). Then the same burst once more, timed: what `clients` requests
 * that need no work take when they come at once, the floor under any `BUSY` answer.
 */
async function openConnections(server: Server, dispatcher: Agent, clients: number) {
  const burst = () =>
    Promise.all(
      Array.from({ length: clients }, async () => {
        const start = performance.now()
        const response = await request(`${server.origin}/api/limits`, { dispatcher })
        await response.body.arrayBuffer()
        return performance.now() - start
      }),
    )
  await burst()
  return (await burst()).sort((a, b) => a - b)
}

/**
 * The verdict on a run's `BUSY` answers, beside what as many requests that need no work took
 * at once on the same connections, and what the server took from reading each `BUSY` request
 * to answering it: a miss with a high floor, or with the server quick once it has read the
 * request, is the event loop busy before it could read it, not the limiter.
 */
function busyAtOnce(what: string, run: RunResult): string {
  const p99 = percentile(run.busyTimes, 0.99)
  const floor = percentile(run.noWorkTimes, 0.99)
  const inServer =
    `; in the server, from reading the request to answering it: p50 ${fixed(percentile(run.server.busyMs, 0.5))} ms, ` +
    `max ${fixed(run.server.busyMs.at(-1) ?? Number.NaN)} ms; its event loop's longest delay ${fixed(run.server.loopDelayMaxMs)} ms`
  const clients = `; the clients' own event loop's ${fixed(run.clientLoopDelayMaxMs)} ms`
  return (
    `BUSY ${what}: p99 ${fixed(p99)} ms ≤ ${BUSY_AT_ONCE_MS} ms ` +
    `(${run.clients} requests that need no work, at once: p99 ${fixed(floor)} ms${inServer}${clients}) — ` +
    verdict(p99 <= BUSY_AT_ONCE_MS)
  )
}

/**
 * Sends `requests` renders from `clients` clients at once, on connections opened before.
 * A `BUSY` answer is timed, and its client waits the `Retry-After` it was given and sends
 * the same request again (up to `MAX_ATTEMPTS` times, which under a sustained load is what a
 * client that keeps losing its place to clients just served would see); each request is
 * counted once, by its final answer.
 */
async function runLoad(
  server: Server,
  dispatcher: Agent,
  clients: number,
  requests: number,
  imageOf: (i: number) => string,
): Promise<RunResult> {
  const noWorkTimes = await openConnections(server, dispatcher, clients)
  server.resetProbe()
  const result: RunResult = {
    clients,
    renders: 0,
    busy: 0,
    times: [],
    busyTimes: [],
    servedAfterRetry: 0,
    maxAttempts: 0,
    seconds: 0,
    loadedRate: 0,
    noWorkTimes,
    server: { busyMs: [], loopDelayMaxMs: Number.NaN },
    clientLoopDelayMaxMs: Number.NaN,
    otherErrors: [],
  }
  // The clients share this process's event loop: an answer they are slow to notice is timed
  // as the server's.
  const clientLoopDelay = monitorEventLoopDelay({ resolution: 10 })
  clientLoopDelay.enable()
  const done: number[] = []
  let handedOut = Number.POSITIVE_INFINITY
  let cpuHandedOut: ReturnType<typeof cpuOf>
  let ownHandedOut: NodeJS.CpuUsage | undefined
  const pid = server.child.pid!
  let peakRss = rssOf(pid)
  const sampler = setInterval(() => {
    const now = rssOf(pid)
    if (now !== undefined) peakRss = Math.max(peakRss ?? 0, now)
  }, 25)
  let next = 0
  const client = async () => {
    while (next < requests) {
      const i = next++
      if (next === requests) {
        handedOut = performance.now()
        cpuHandedOut = cpuOf(pid)
        ownHandedOut = process.cpuUsage(ownBefore)
      }
      const body = JSON.stringify({ image: imageOf(i), captions: captions(`load test #${i}`) })
      for (let attempt = 0; ; attempt++) {
        const start = performance.now()
        const response = await request(`${server.origin}/api/meme`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          dispatcher,
        })
        // The whole answer is read, as a client does; it is not decoded.
        const bytes = await response.body.arrayBuffer()
        const ms = performance.now() - start
        if (response.statusCode === 200) {
          result.renders += 1
          result.times.push(ms)
          done.push(performance.now())
          if (attempt > 0) result.servedAfterRetry += 1
          result.maxAttempts = Math.max(result.maxAttempts, attempt + 1)
          break
        }
        if (response.statusCode === 503 && attempt + 1 < MAX_ATTEMPTS) {
          result.busy += 1
          result.busyTimes.push(ms)
          await sleep(Number(response.headers['retry-after'] ?? 1) * 1000)
          continue
        }
        result.otherErrors.push(
          `${response.statusCode} ${Buffer.from(bytes).toString('utf8').slice(0, 200)}`,
        )
        break
      }
    }
  }
  const cpuBefore = cpuOf(pid)
  const ownBefore = process.cpuUsage()
  const start = performance.now()
  await Promise.all(Array.from({ length: clients }, client))
  result.seconds = (performance.now() - start) / 1000
  // One client has work until its last request: its rate is its whole run's.
  const loadedUntil = clients === 1 ? Number.POSITIVE_INFINITY : handedOut
  const loaded = done.filter((time) => time <= loadedUntil)
  result.loadedRate =
    clients === 1 || loaded.length === 0
      ? result.renders / result.seconds
      : loaded.length / ((Math.min(loadedUntil, performance.now()) - start) / 1000)
  // Over the same window as the rate: the clients' last waits out of Retry-After are not the
  // server's idle time.
  const cpuAfter = clients === 1 ? cpuOf(pid) : cpuHandedOut
  const cpuSeconds =
    clients === 1 ? result.seconds : (Math.min(handedOut, performance.now()) - start) / 1000
  const own = clients === 1 ? process.cpuUsage(ownBefore) : ownHandedOut
  if (own) result.clientCpu = (own.user + own.system) / 1e6 / cpuSeconds
  if (cpuBefore && cpuAfter) {
    result.cpu = {
      user: (cpuAfter.user - cpuBefore.user) / cpuSeconds,
      system: (cpuAfter.system - cpuBefore.system) / cpuSeconds,
    }
  }
  clearInterval(sampler)
  clientLoopDelay.disable()
  result.clientLoopDelayMaxMs = clientLoopDelay.max / 1e6
  result.server = await server.readProbe()
  result.peakRss = peakRss
  result.times.sort((a, b) => a - b)
  result.busyTimes.sort((a, b) => a - b)
  return result
}

const MAX_ATTEMPTS = 30

const fixed = (value: number, digits = 1) => (Number.isNaN(value) ? '–' : value.toFixed(digits))
const mb = (bytes: number | undefined) =>
  bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(0)} MB`

/** The cores the server kept busy over a run (user and system), where /proc tells. */
const serverCores = (run: RunResult) => (run.cpu ? run.cpu.user + run.cpu.system : undefined)

/**
 * How far more clients can take the server on this machine, were each render to cost as much
 * CPU as with one client: the cores the clients leave, over the cores one client's renders keep
 * busy (the event loop, V8's garbage collector's threads, libvips's and libuv's at once). One
 * client that keeps 1.3 of 2 cores busy can be outrun 1.5 times at most; more only when renders
 * cost less CPU each side by side.
 */
function speedUpCeiling(one: RunResult, many: RunResult): string | undefined {
  const oneCores = serverCores(one)
  const manyCores = serverCores(many)
  if (oneCores === undefined || manyCores === undefined || many.clientCpu === undefined) {
    return undefined
  }
  const cores = availableParallelism()
  const ceiling = (cores - many.clientCpu) / oneCores
  const msPerRender = (busy: number, rate: number) => ((1000 * busy) / rate).toFixed(0)
  return (
    `at one client's CPU per render, ${cores} cores less the clients' ${many.clientCpu.toFixed(2)} ` +
    `allow ${ceiling.toFixed(2)}×: one client keeps ${oneCores.toFixed(2)} busy; CPU per render ` +
    `${msPerRender(oneCores, one.loadedRate)} ms with one client, ` +
    `${msPerRender(manyCores, many.loadedRate)} ms with ${many.clients}`
  )
}

/** The targets. */
const SPEED_UP_TARGET = 1.6
const P95_TARGET = 4
const HTTP_OVERHEAD_TARGET = 1.5
/** `BUSY` "at once": well within one render of the smallest size. */
const BUSY_AT_ONCE_MS = 50
/** RSS a few seconds after the bursts, over its level once warmed up. */
const RSS_SETTLED_MARGIN = 64 * 1024 * 1024
const RSS_SETTLE_SECONDS = 5

export async function loadRun(options: LoadOptions): Promise<string[]> {
  const { dir, makePhoto, requests, clients, overloadClients } = options
  const server = await startServer(join(dir, 'load-data'))
  const dispatcher = new Agent({ connections: overloadClients + 8, pipelining: 1 })
  const s3 = sharedS3Client(server.settings)
  const bucket = server.settings.S3_BUCKET!
  const targets: string[] = []
  try {
    // Every request of a cold run names an upload of its own (the same bytes under another
    // key: the cache is keyed by upload, so each is read and decoded afresh).
    const uploads = new Map<number, string[]>()
    let serial = 0
    for (const width of [1024, 2000]) {
      const height = (width * 3) / 4
      const jpeg = await makePhoto(width, height, width)
      const keys: string[] = []
      for (let i = 0; i < 3 * requests + 1; i++) {
        const key = `uploads/00000000-0000-4000-8000-${String(serial++).padStart(12, '0')}.jpg`
        await s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: jpeg, ContentType: 'image/jpeg' }),
        )
        keys.push(key)
      }
      uploads.set(width, keys)
    }

    const pid = server.child.pid!
    const startedRss = rssOf(pid)
    const cases: LoadCase[] = [
      { width: 1024, height: 768, cache: 'warm' },
      { width: 1024, height: 768, cache: 'cold' },
      { width: 2000, height: 1500, cache: 'warm' },
      { width: 2000, height: 1500, cache: 'cold' },
    ]
    console.log(
      `\nload: ${clients} concurrent clients against one, ${requests} POST /api/meme per run (JSON answer), ` +
        `against \`pnpm start\`'s server in a fresh process on loopback (embedded S3 and DynamoDB in it); ` +
        `warm: every request on one upload decoded before; cold: each on an upload of its own:`,
    )
    console.log(
      [
        'case'.padEnd(22),
        'clients',
        'renders/s',
        '    p50',
        '    p95',
        '    p99',
        ' BUSY',
        'tries',
        'peak RSS',
        'server CPU (user+sys)',
        'clients CPU',
      ].join('  '),
    )
    const labels: string[] = []
    let warmedRss: number | undefined
    // BENCH_LOAD_CASES="2000 warm,1024 cold": only the cases whose label has one of these.
    const only = process.env.BENCH_LOAD_CASES?.split(',')
    for (const loadCase of cases.filter(({ width, cache }) =>
      only ? only.some((name) => `${width} ${cache}`.includes(name.trim())) : true,
    )) {
      const keys = uploads.get(loadCase.width)!
      const label = `${loadCase.width}×${loadCase.height} ${loadCase.cache}`
      // A few renders first, as a server that has been up a while has had.
      let cold = 0
      const imageOf =
        loadCase.cache === 'warm' ? () => keys[0]! : () => keys[1 + (cold++ % (keys.length - 1))]!
      await runLoad(server, dispatcher, 1, 5, imageOf)
      warmedRss ??= rssOf(pid)
      const runs: RunResult[] = []
      for (const n of [1, clients]) {
        const run = await runLoad(server, dispatcher, n, requests, imageOf)
        if (run.otherErrors.length > 0) {
          throw new Error(`${label}, ${n} clients: ${run.otherErrors.slice(0, 3).join('; ')}`)
        }
        runs.push(run)
        console.log(
          [
            label.padEnd(22),
            String(n).padStart(7),
            fixed(run.loadedRate).padStart(9),
            fixed(percentile(run.times, 0.5)).padStart(7),
            fixed(percentile(run.times, 0.95)).padStart(7),
            fixed(percentile(run.times, 0.99)).padStart(7),
            `${((100 * run.busy) / (run.busy + run.renders)).toFixed(0)} %`.padStart(5),
            String(run.maxAttempts).padStart(5),
            mb(run.peakRss).padStart(8),
            (run.cpu
              ? `${serverCores(run)!.toFixed(2)} (${run.cpu.user.toFixed(2)}+${run.cpu.system.toFixed(2)})`
              : 'n/a'
            ).padEnd(17),
            run.clientCpu === undefined ? 'n/a' : run.clientCpu.toFixed(2),
          ].join('  '),
        )
      }
      const [one, many] = runs as [RunResult, RunResult]
      labels.push(label)
      const speedUp = many.loadedRate / one.loadedRate
      const ceiling = speedUpCeiling(one, many)
      const p50 = percentile(one.times, 0.5)
      const p95 = percentile(many.times, 0.95)
      targets.push(
        `${clients} clients ≥ ${SPEED_UP_TARGET}× one client's renders/s at ${label}: ${speedUp.toFixed(2)}× — ${verdict(speedUp >= SPEED_UP_TARGET)}` +
          (ceiling ? ` (${ceiling})` : ''),
        `p95 with ${clients} clients < ${P95_TARGET}× one client's p50 at ${label}: ${fixed(p95)} ms vs ${fixed(p50)} ms = ${(p95 / p50).toFixed(1)}× — ${verdict(p95 < P95_TARGET * p50)}`,
        many.busy === 0
          ? `BUSY with ${clients} clients at ${label}: none`
          : busyAtOnce(`with ${clients} clients at ${label} at once`, many),
      )
    }

    // Beyond capacity: BUSY at once, and served after Retry-After.
    const warmKey = uploads.get(1024)![0]!
    const overload = await runLoad(
      server,
      dispatcher,
      overloadClients,
      overloadClients * 2,
      () => warmKey,
    )
    if (overload.otherErrors.length > 0) {
      throw new Error(`overload: ${overload.otherErrors.slice(0, 3).join('; ')}`)
    }
    console.log(
      `\noverload, ${overloadClients} clients at 1024×768 warm, ${overloadClients * 2} requests: ` +
        `${overload.busy} BUSY answers (p50 ${fixed(percentile(overload.busyTimes, 0.5))} ms, p99 ${fixed(percentile(overload.busyTimes, 0.99))} ms), ` +
        `${overload.renders} renders (${overload.servedAfterRetry} of them after waiting Retry-After), ` +
        `${fixed(overload.loadedRate)} renders/s, peak RSS ${mb(overload.peakRss)}`,
    )
    targets.push(
      overload.busy === 0
        ? `BUSY beyond capacity (${overloadClients} clients): none was answered — MISSED (the overload did not overload)`
        : busyAtOnce('at once beyond capacity', overload),
      `every client that waited Retry-After was served: ${overload.renders} of ${overloadClients * 2} — ${verdict(overload.renders === overloadClients * 2)}`,
    )

    await sleep(RSS_SETTLE_SECONDS * 1000)
    const settledRss = rssOf(pid)
    console.log(
      `\nserver RSS: ${mb(startedRss)} started, ${mb(warmedRss)} after its first renders, ` +
        `${mb(settledRss)} ${RSS_SETTLE_SECONDS} s after the last burst`,
    )
    if (settledRss !== undefined && warmedRss !== undefined) {
      targets.push(
        `RSS back near its level once warmed (≤ +${mb(RSS_SETTLED_MARGIN)}) ${RSS_SETTLE_SECONDS} s after the bursts: ` +
          `${mb(settledRss)} vs ${mb(warmedRss)} — ${verdict(settledRss <= warmedRss + RSS_SETTLED_MARGIN)}`,
      )
    }

    targets.push(...(await overHttpVersusInProcess(server, dispatcher, uploads, labels, requests)))
  } finally {
    s3.destroy()
    await dispatcher.close()
    await server.close()
  }
  return targets
}

/**
 * The same renders over HTTP and in process (`app.makeMeme` in the bench's own process, an app
 * built on the server's stores), one after the other in turns, as one client sends them: the
 * two are measured under the same load of the machine, which changes from minute to minute.
 */
async function overHttpVersusInProcess(
  server: Server,
  dispatcher: Agent,
  uploads: Map<number, string[]>,
  labels: readonly string[],
  requests: number,
): Promise<string[]> {
  const config = loadConfig({ ...server.settings, LOG_LEVEL: 'error' })
  const credentials = {
    accessKeyId: server.settings.AWS_ACCESS_KEY_ID!,
    secretAccessKey: server.settings.AWS_SECRET_ACCESS_KEY!,
  }
  config.s3.credentials = credentials
  config.dynamodb.credentials = credentials
  // As the server draws a cached picture: without asking S3 for its ETag, as the embedded S3
  // tells the server of changes. This app is not told (the store is the server's), and needs
  // not be: nothing changes the bench's uploads while it runs.
  const app = await buildApp(config, { objectChanges: new ObjectChangeFeed() })
  const targets: string[] = []
  try {
    await app.ready()
    console.log(`
one client over HTTP against the same render in process (app.makeMeme), p50 ms:`)
    for (const label of labels) {
      const [size, cache] = label.split(' ')
      const keys = uploads.get(Number(size!.split('×')[0]))!
      const count = Math.min(requests, 40)
      // The cold run used keys[1..] from the start; the last 2 × count are still undecoded in
      // either process.
      const imageOf = (i: number, last: number) =>
        cache === 'warm' ? keys[0]! : keys[keys.length - 1 - last - i]!
      const overHttpTimes: number[] = []
      const inProcessTimes: number[] = []
      // One of each first: the warm case's picture decoded in both.
      for (let i = -1; i < count; i++) {
        let start = performance.now()
        const response = await request(`${server.origin}/api/meme`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ image: imageOf(i + 1, count), captions: captions(`http #${i}`) }),
          dispatcher,
        })
        await response.body.arrayBuffer()
        if (response.statusCode !== 200)
          throw new Error(`${label} over HTTP: ${response.statusCode}`)
        if (i >= 0) overHttpTimes.push(performance.now() - start)
        start = performance.now()
        await app.makeMeme({ image: imageOf(i + 1, 0), captions: captions(`in process #${i}`) })
        if (i >= 0) inProcessTimes.push(performance.now() - start)
      }
      const inProcess = percentile(
        inProcessTimes.sort((a, b) => a - b),
        0.5,
      )
      const overHttp = percentile(
        overHttpTimes.sort((a, b) => a - b),
        0.5,
      )
      console.log(
        `  ${label.padEnd(20)} in process ${fixed(inProcess).padStart(6)}, over HTTP ${fixed(overHttp).padStart(6)} (+${fixed(overHttp - inProcess)})`,
      )
      targets.push(
        `one client over HTTP within ${HTTP_OVERHEAD_TARGET}× of in process at ${label}: ${(overHttp / inProcess).toFixed(2)}× — ${verdict(overHttp <= HTTP_OVERHEAD_TARGET * inProcess)}`,
      )
    }
  } finally {
    await app.close()
  }
  return targets
}
