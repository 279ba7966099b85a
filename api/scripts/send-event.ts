/**
 * Signs an event with AWS SigV4 and sends it to `POST /api/events`, as a Discord bot or any
 * AWS client would send it to API Gateway with IAM authorization.
 *
 *   pnpm --filter @meme-studio/api send-event '{"id":"deploy-42","title":"Deployed"}'
 *   pnpm --filter @meme-studio/api send-event --file voice-join.json --idempotency-key join-7
 *   echo '{"content":"Hello"}' | pnpm --filter @meme-studio/api send-event -
 *
 * The body is any JSON object: the app's event, a Discord execute-webhook body, or a bot's
 * own event (`{"type":"voice.join",…}`), given as an argument, a file (`--file`) or on stdin
 * (`-`). `--idempotency-key` sends an `Idempotency-Key` header (signed with the rest).
 * Signs with EVENTS_ACCESS_KEY_ID and EVENTS_SECRET_ACCESS_KEY (the app's own settings), or
 * else the AWS CLI's AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, with AWS_SESSION_TOKEN when
 * set (temporary credentials: SSO, an assumed role), for the region S3_REGION. Sends to
 * EVENTS_URL (default http://127.0.0.1:3000/api/events). On AWS that is API Gateway's own URL,
 * which the stack outputs, not the CloudFront URL: a SigV4 signature covers the host and the
 * path, and both change between CloudFront and API Gateway. An event without an `id` gets a
 * random one, unless it is a Discord message (which has no `id`) or has a key. Prints the status, the body and what it means (accepted: the delivery to Discord
 * has started and goes on after the answer; the admin notifications page shows how the last one
 * ended); exits 1 unless the answer is 2xx.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
 */
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { loadConfig } from '../src/config.ts'

export const DEFAULT_EVENTS_URL = 'http://127.0.0.1:3000/api/events'

export interface SendEventOptions {
  url: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  /** Temporary credentials' token: sent as `X-Amz-Security-Token`, and signed. */
  sessionToken?: string
  /** The signing time; unset: now. */
  signingDate?: Date
  /** Sent as `Idempotency-Key`, and signed. */
  idempotencyKey?: string
}

export interface SentEvent {
  status: number
  body: string
  /** The event as sent, its id filled in. */
  sent: string
}

/**
 * The event text as it will be sent: a JSON object, with an id unless it is a Discord message
 * or `keyed` (an Idempotency-Key goes with it).
 */
export function eventBody(json: string, keyed = false): string {
  let event: unknown
  try {
    event = JSON.parse(json)
  } catch {
    throw new Error(`the event is not JSON: ${json}`)
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new Error('the event must be a JSON object, e.g. {"id":"deploy-42","title":"Deployed"}')
  }
  const discord = ['content', 'embeds', 'poll'].some((key) => key in event)
  return 'id' in event || discord || keyed ? json : JSON.stringify({ id: randomUUID(), ...event })
}

/** Signs the body as the AWS SDK does for execute-api, and POSTs it. */
export async function sendEvent(body: string, options: SendEventOptions): Promise<SentEvent> {
  const url = new URL(options.url)
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region,
    credentials: {
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
    },
    sha256: Hash.bind(null, 'sha256'),
  })
  const query: Record<string, string> = {}
  url.searchParams.forEach((value, name) => (query[name] = value))
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: {
        host: url.host,
        'content-type': 'application/json',
        ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
      },
      body,
    },
    options.signingDate ? { signingDate: options.signingDate } : {},
  )
  // fetch sets Host itself, from the URL: the same value as signed.
  const headers = { ...signed.headers }
  delete headers.host
  let response: Response
  try {
    response = await fetch(url, { method: 'POST', headers, body })
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message
    throw new Error(`could not reach ${url.href}${cause ? `: ${cause}` : ''}`, { cause: error })
  }
  return { status: response.status, body: await response.text(), sent: body }
}

/** What an answer means, in a sentence (undefined when the body is not the API's). */
export function describeAnswer(status: number, body: string): string | undefined {
  let answer: { duplicate?: unknown; delivery?: unknown; reason?: unknown; message?: unknown }
  try {
    answer = JSON.parse(body) as typeof answer
  } catch {
    return undefined
  }
  if (answer.duplicate === true) return 'duplicate: an event with this id was sent before'
  if (answer.delivery === 'accepted') {
    return 'accepted: the delivery to Discord has started (GET /api/admin/notifications shows how it ended)'
  }
  if (answer.delivery === 'not-forwarded') return `not forwarded: ${String(answer.reason)}`
  if (status === 503) return 'not accepted: the delivery did not start; send the event again'
  return undefined
}

const USAGE = "usage: send-event [--idempotency-key <key>] ('{…json…}' | --file <path> | -)"

/** The arguments: the body's source and the key, or why they are not understood. */
export function parseArguments(argv: string[]): { source: string; idempotencyKey?: string } {
  let source: string | undefined
  let idempotencyKey: string | undefined
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] as string
    if (arg === '--idempotency-key' || arg === '--file') {
      const value = argv[++index]
      if (value === undefined) throw new Error(`${arg} needs a value\n${USAGE}`)
      if (arg === '--idempotency-key') idempotencyKey = value
      else source = `@${value}`
    } else if (source === undefined) {
      source = arg
    } else {
      throw new Error(USAGE)
    }
  }
  if (source === undefined) throw new Error(USAGE)
  return { source, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) }
}

async function readSource(source: string): Promise<string> {
  if (source === '-') {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  }
  if (source.startsWith('@')) return readFile(source.slice(1), 'utf8')
  return source
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let args: ReturnType<typeof parseArguments>
  try {
    args = parseArguments(argv)
  } catch (error) {
    console.error((error as Error).message)
    return 2
  }
  const config = loadConfig(env)
  const own = config.events
  const accessKeyId = own.accessKeyId ?? env.AWS_ACCESS_KEY_ID?.trim()
  const secretAccessKey = own.secretAccessKey ?? env.AWS_SECRET_ACCESS_KEY?.trim()
  if (!accessKeyId || !secretAccessKey) {
    console.error(
      'Set EVENTS_ACCESS_KEY_ID and EVENTS_SECRET_ACCESS_KEY (or AWS_ACCESS_KEY_ID and ' +
        'AWS_SECRET_ACCESS_KEY) to sign the event.',
    )
    return 2
  }
  const sessionToken = env.AWS_SESSION_TOKEN?.trim() || undefined
  const url = env.EVENTS_URL?.trim() || DEFAULT_EVENTS_URL
  const json = await readSource(args.source)
  const result = await sendEvent(eventBody(json, args.idempotencyKey !== undefined), {
    url,
    region: config.s3.region,
    accessKeyId,
    secretAccessKey,
    sessionToken,
    ...(args.idempotencyKey !== undefined ? { idempotencyKey: args.idempotencyKey } : {}),
  })
  console.log(`POST ${url}: ${result.status}`)
  console.log(result.body)
  const meaning = describeAnswer(result.status, result.body)
  if (meaning) console.log(meaning)
  return result.status >= 200 && result.status < 300 ? 0 : 1
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2), process.env).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error)
      process.exitCode = 1
    },
  )
}
