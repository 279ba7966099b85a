/**
 * Loopback stand-ins for the services the app calls out to, as real HTTP servers: GitHub's
 * archive download and a Discord webhook. They record what they were asked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import yazl from 'yazl'

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** A zip as GitHub's archive download makes it: every file under `<repo>-<sha>/`. */
export function githubZip(repo: string, sha: string): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  zip.addBuffer(Buffer.from('# site\n'), `${repo}-${sha}/README.md`)
  zip.addBuffer(Buffer.from('build:\n'), `${repo}-${sha}/buildspec.yml`)
  zip.end()
  const chunks: Buffer[] = []
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk))
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    zip.outputStream.on('error', reject)
  })
}

/** A push event's payload, as GitHub sends it: octo/site's main moved to `sha`. */
export function githubPushPayload(sha: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    repository: {
      id: 1,
      name: 'site',
      full_name: 'octo/site',
      owner: { name: 'octo', login: 'octo' },
    },
    pusher: { name: 'mona', email: 'mona@example.com' },
    head_commit: { id: sha, message: 'Build me' },
    ...overrides,
  })
}

/** GitHub's `/<owner>/<repo>/archive/<sha>.zip`, after `delayMs` if given. */
export async function startGithubStandIn(options: { delayMs?: number } = {}) {
  const downloads: string[] = []
  const server = await listen((req, res) => {
    const match = /^\/([^/]+)\/([^/]+)\/archive\/([0-9a-f]{40})\.zip$/.exec(req.url ?? '')
    if (!match) return void res.writeHead(404).end()
    downloads.push(req.url ?? '')
    setTimeout(() => {
      void githubZip(match[2]!, match[3]!).then((zip) =>
        res.writeHead(200, { 'content-type': 'application/zip' }).end(zip),
      )
    }, options.delayMs ?? 0)
  })
  return { ...server, downloads }
}

/** A Discord webhook that takes every message (200 with an id) and keeps what it got. */
export async function startDiscordStandIn() {
  const received: { url: string; body: unknown }[] = []
  const server = await listen((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        body = Buffer.concat(chunks).toString('utf8')
      }
      received.push({ url: req.url ?? '', body })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: String(received.length), channel_id: '9' }))
    })
  })
  return { ...server, webhookUrl: `${server.url}/api/webhooks/1/token`, received }
}

/** What the Step Functions stand-in answers a call with; `stall`: nothing, ever. */
export type StepFunctionsAnswer = { status: number; body: unknown } | 'stall'

/**
 * Step Functions, as the SDK speaks to it: AWS JSON 1.0 (`x-amz-target:
 * AWSStepFunctions.<Action>`). Records each call; `answer` decides, by default an execution
 * as StartExecution answers.
 * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
export async function startStepFunctionsStandIn() {
  const calls: { target: string; contentType: string; body: Record<string, string> }[] = []
  const started = (): StepFunctionsAnswer => ({
    status: 200,
    body: {
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:discord-delivery:x',
      startDate: Date.now() / 1000,
    },
  })
  const state = { answer: started }
  const server = await listen((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      calls.push({
        target: String(req.headers['x-amz-target']),
        contentType: String(req.headers['content-type']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      })
      const answer = state.answer()
      if (answer === 'stall') return
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' })
      res.end(JSON.stringify(answer.body))
    })
  })
  return {
    endpoint: server.url,
    close: server.close,
    calls,
    state,
    /** Back to answering every start with an execution. */
    reset() {
      calls.length = 0
      state.answer = started
    },
  }
}
