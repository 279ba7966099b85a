/**
 * A Lambda cold start, for render.bench.ts: a fresh `node` loads a bundled function (its init:
 * the module's top-level code, which builds the app), then hands its handler one API Gateway
 * event (the first invocation). Prints one JSON line; times are milliseconds since the process
 * started. Node built-ins only, so nothing but the bundle is loaded.
 *
 * argv: the bundle's path, then the event as JSON.
 */
import { subscribe } from 'node:diagnostics_channel'
import { pathToFileURL } from 'node:url'

interface LambdaResult {
  statusCode: number
}
type Handler = (event: unknown, context: unknown) => Promise<LambdaResult>

const [bundle, eventJson] = process.argv.slice(2)
if (!bundle || !eventJson) throw new Error('usage: lambda-process <bundle> <event json>')

// Fastify announces each instance it creates: the bundle's code is loaded by then.
let loaded: number | undefined
subscribe('fastify.initialization', () => {
  loaded ??= performance.now()
})

const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: Handler }
const initialized = performance.now()
const result = await handler(JSON.parse(eventJson), {
  awsRequestId: 'bench',
  functionName: 'bench',
})
const answered = performance.now()
const { user, system } = process.cpuUsage()
if (result.statusCode !== 200) throw new Error(`the first request answered ${result.statusCode}`)

// The app's own log lines share stdout; this one is marked.
console.log(
  `cold-start ${JSON.stringify({ loaded, initialized, answered, cpu: (user + system) / 1000 })}`,
)
process.exit(0)
