import { vi } from 'vitest'

/** One request the app made with `fetch`, as the server would see it. */
export interface SeenRequest {
  method: string
  url: URL
  headers: Headers
  body: string | undefined
}

type PlainReply =
  { status: number; body: string | Uint8Array<ArrayBuffer>; contentType?: string } | 'network-error'
type Reply = PlainReply | (() => Promise<PlainReply>)

/**
 * Stands in for the API at the `fetch` boundary: answers by path with queued replies
 * (the last one repeats) and records every request.
 */
export function fakeApi(routes: Record<string, Reply | Reply[]>) {
  const requests: SeenRequest[] = []
  const queues = new Map(
    Object.entries(routes).map(([path, replies]) => [
      path,
      Array.isArray(replies) ? [...replies] : [replies],
    ]),
  )
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://localhost')
    requests.push({
      method: init?.method ?? 'GET',
      url,
      headers: new Headers(init?.headers),
      body: typeof init?.body === 'string' ? init.body : undefined,
    })
    const queue = queues.get(url.pathname)
    let reply = queue && (queue.length > 1 ? queue.shift() : queue[0])
    if (typeof reply === 'function') reply = await reply()
    if (!reply) return new Response('Not Found', { status: 404 })
    if (reply === 'network-error') throw new TypeError('Failed to fetch')
    return new Response(reply.status === 204 ? null : reply.body, {
      status: reply.status,
      headers: { 'content-type': reply.contentType ?? 'application/json' },
    })
  })
  vi.stubGlobal('fetch', fetch)
  return { requests, requestsTo: (path: string) => requests.filter((r) => r.url.pathname === path) }
}

/** A reply that waits until the test releases it, to observe the app while it waits. */
export function heldReply(reply: PlainReply) {
  let release: () => void = () => undefined
  const released = new Promise<void>((resolve) => (release = resolve))
  const held = async () => {
    await released
    return reply
  }
  return { reply: held, release: () => release() }
}

export const json = (status: number, value: unknown): PlainReply => ({
  status,
  body: JSON.stringify(value),
})

/**
 * Stands in for the browser's XMLHttpRequest, the S3 upload boundary. Each upload waits
 * until the test reports progress and answers, as S3 would.
 */
export class FakeXhr {
  static sent: FakeXhr[] = []

  method = ''
  url = ''
  body: FormData | undefined
  status = 0
  responseText = ''
  timeout = 0
  upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null }
  onload: (() => void) | null = null
  onerror: (() => void) | null = null
  ontimeout: (() => void) | null = null

  static install(): void {
    FakeXhr.sent = []
    vi.stubGlobal('XMLHttpRequest', FakeXhr)
  }

  open(method: string, url: string): void {
    this.method = method
    this.url = url
  }

  send(body: FormData): void {
    this.body = body
    FakeXhr.sent.push(this)
  }

  progress(loaded: number, total: number): void {
    this.upload.onprogress?.({ lengthComputable: true, loaded, total } as ProgressEvent)
  }

  respond(status: number, body = ''): void {
    this.status = status
    this.responseText = body
    this.onload?.()
  }

  failNetwork(): void {
    this.onerror?.()
  }
}
