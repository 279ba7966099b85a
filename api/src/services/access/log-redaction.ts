/**
 * Keys out of the logs. Fastify logs each request's URL, query string included, and a client
 * may put a key there (`?api_key=…`) even though the guard reads it only from the header: the
 * key would sit in every log line of that request. Query parameters named like a key or a
 * token have their value replaced; the path and every other parameter stay as they were.
 */

/** Parameter names compared lowercased, without `-` and `_`: `X-Api-Key`, `api_key`, `apiKey`. */
const SECRET_PARAMETERS = new Set(['key', 'apikey', 'xapikey', 'token', 'accesstoken'])

export const REDACTED = '[redacted]'

function isSecretParameter(rawName: string): boolean {
  let name = rawName
  try {
    name = decodeURIComponent(rawName.replace(/\+/g, ' '))
  } catch {
    // A malformed escape is kept as sent: it is compared as it is.
  }
  return SECRET_PARAMETERS.has(name.toLowerCase().replace(/[-_\s]/g, ''))
}

/** `url` (a request target: path and query) with the values of key-like parameters redacted. */
export function redactUrl(url: string): string {
  const at = url.indexOf('?')
  if (at === -1) return url
  const query = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=')
      const name = equals === -1 ? pair : pair.slice(0, equals)
      return isSecretParameter(name) ? `${name}=${REDACTED}` : pair
    })
    .join('&')
  return `${url.slice(0, at)}?${query}`
}

interface LoggedRequest {
  method: string
  url: string
  host?: string
  ip?: string
  headers?: Record<string, unknown>
  socket?: { remotePort?: number }
}

/** Fastify's own request serializer (fastify/lib/logger-factory.js), with the URL redacted. */
export function serializeRequest(request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: redactUrl(request.url),
    version: request.headers?.['accept-version'],
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  }
}
