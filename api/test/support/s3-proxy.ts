import { createServer, request as forward, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pipeline } from 'node:stream'

/** What the proxy does with one request: pass it on (after a delay), or fail it. */
export type ProxyAction = { fail: true } | { delayMs: number } | 'pass'

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
}

/**
 * A loopback proxy in front of s3rver: it passes requests through and records what the
 * app sent (s3rver keeps no encryption header), answers 503 SlowDown where a test wants S3
 * to fail, and holds back requests a test wants to stay in progress.
 */
export async function startS3Proxy(
  upstream: string,
  decide: (method: string, path: string) => ProxyAction = () => 'pass',
) {
  const target = new URL(upstream)
  const requests: RecordedRequest[] = []
  const server = createServer((req, res) => {
    const method = req.method ?? ''
    const path = decodeURIComponent((req.url ?? '').split('?')[0] ?? '')
    requests.push({ method, path, headers: req.headers })
    const action = decide(method, path)
    if (action !== 'pass' && 'fail' in action) {
      req.resume()
      res.writeHead(503, { 'content-type': 'application/xml' })
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message></Error>',
      )
      return
    }
    const pass = () => {
      const upstreamRequest = forward(
        { host: target.hostname, port: target.port, method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          // s3rver's writes are not atomic: a read that races a write of the same key can end
          // short. Passing that on as a broken connection lets the client see it and retry;
          // pipe() would leave the client's response open for good.
          pipeline(answer, res, (error) => {
            if (error) res.destroy(error)
          })
        },
      )
      upstreamRequest.on('error', () => res.destroy())
      req.pipe(upstreamRequest)
    }
    if (action !== 'pass' && action.delayMs > 0) setTimeout(pass, action.delayMs)
    else pass()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    // Connections the app's client left open would hold close() until they time out.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
