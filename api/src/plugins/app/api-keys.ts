import { createHash, timingSafeEqual } from 'node:crypto'
import { scopeAllows, type ApiKeyScope } from '@meme-studio/meme-core/schema'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { AppConfig } from '../../config.ts'
import { UsagePlan } from '../../services/access/usage-plan.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * An `onRequest` (or `preHandler`) hook for the routes behind an API key (`/api/admin/*`,
     * `/api/jobs*`): answers as API Gateway does with a usage plan (403 Forbidden, 429 Too
     * Many Requests, 429 Limit Exceeded), and 403 Forbidden to a key whose scope does not
     * allow `scope` (any valid key when unset), or lets the request through with
     * `request.apiKeyId` and `request.apiKeyScope` set.
     */
    apiKeyGuard(scope?: ApiKeyScope): ApiKeyHook
    /** Each key's throttle and quota; the guard admits requests through it. */
    usagePlan: UsagePlan
  }
  interface FastifyRequest {
    /**
     * Which key the request came with, once the guard has admitted it: a short hash that
     * names the key in logs and usage without being the key.
     */
    apiKeyId?: string
    /** What that key may use. */
    apiKeyScope?: ApiKeyScope
  }
}

type ApiKeyHook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>

/**
 * API Gateway's own answers, byte for byte. Status and message are the defaults of its
 * gateway responses (INVALID_API_KEY 403, THROTTLED 429, QUOTA_EXCEEDED 429; the knowledge
 * center names the two 429 messages). The rest is as recorded from REST APIs with `curl -v`:
 * `Content-Type: application/json` with no charset, the body with no trailing newline
 * (`Content-Length: 23` for `{"message":"Forbidden"}`), `x-amzn-ErrorType:
 * ForbiddenException`, `TooManyRequestsException` or `LimitExceededException`, and no
 * Retry-After.
 *
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 * @see https://repost.aws/knowledge-center/api-gateway-429-limit
 */
const GATEWAY_RESPONSES = {
  // INVALID_API_KEY (and a missing key on a method that requires one)
  forbidden: { status: 403, errorType: 'ForbiddenException', body: '{"message":"Forbidden"}' },
  // THROTTLED
  throttled: {
    status: 429,
    errorType: 'TooManyRequestsException',
    body: '{"message":"Too Many Requests"}',
  },
  // QUOTA_EXCEEDED
  'quota-exceeded': {
    status: 429,
    errorType: 'LimitExceededException',
    body: '{"message":"Limit Exceeded"}',
  },
} as const

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest()
}

/**
 * A key's name in logs and usage: a short, domain-separated SHA-256 of it, the same in every
 * process and across restarts. It gives nothing away about a random key (the generated ones
 * are 24 random bytes); a key someone could guess is weak whatever its id.
 */
export function apiKeyId(key: string): string {
  return createHash('sha256')
    .update(`meme-studio api key id\0${key}`, 'utf8')
    .digest('hex')
    .slice(0, 12)
}

/**
 * The API keys, checked as API Gateway checks them with a usage plan. On AWS, API Gateway
 * enforces keys, throttle and quota before the app sees a request, and this guard is the
 * second line (it needs the same keys in ADMIN_API_KEYS); locally it is the only one. The
 * throttle and quota are counted in this process's memory.
 *
 * Scopes are the app's alone: API Gateway admits every key of the usage plan to every method
 * that requires one. So a key is admitted (and counted) first, as API Gateway counts it, and
 * its scope checked after; a key outside its scope gets the same 403 as an unknown key, so the
 * answer tells it nothing more.
 */
export default fp<{ config: AppConfig; now?: () => number }>(
  async (app, { config, now = Date.now }) => {
    // Every key is compared by its SHA-256, so each comparison takes the same time whatever
    // the length or content of what was sent, and every key is compared on every request.
    const keys = config.adminApiKeys.map(({ key, scope }) => ({
      digest: digest(key),
      id: apiKeyId(key),
      scope,
    }))
    const usagePlan = new UsagePlan(config.usage, now)

    function identify(header: string | string[] | undefined): (typeof keys)[number] | undefined {
      if (typeof header !== 'string' || header === '') return undefined
      const given = digest(header)
      let found: (typeof keys)[number] | undefined
      for (const key of keys) {
        if (timingSafeEqual(given, key.digest)) found = key
      }
      return found
    }

    async function answer(reply: FastifyReply, outcome: keyof typeof GATEWAY_RESPONSES) {
      const { status, errorType, body } = GATEWAY_RESPONSES[outcome]
      // A Buffer, because Fastify appends `; charset=utf-8` to a JSON content type sent with
      // a string. Awaiting the reply waits for it to be written: the request goes no further.
      await reply
        .status(status)
        .header('content-type', 'application/json')
        .header('x-amzn-ErrorType', errorType)
        .send(Buffer.from(body))
    }

    app.decorate('usagePlan', usagePlan)
    app.decorateRequest('apiKeyId', undefined)
    app.decorateRequest('apiKeyScope', undefined)
    app.decorate('apiKeyGuard', (scope?: ApiKeyScope): ApiKeyHook => {
      return async (request, reply) => {
        // Hooks of nested scopes, and a scope's 404 handler, may guard a request that an
        // outer hook already admitted: it is identified and counted once.
        if (request.apiKeyId === undefined) {
          const key = identify(request.headers['x-api-key'])
          if (key === undefined) {
            request.log.info('API key missing or unknown')
            return answer(reply, 'forbidden')
          }
          const admission = usagePlan.admit(key.id)
          if (admission !== 'admitted') {
            request.log.info({ apiKeyId: key.id, admission }, 'API key over its usage plan')
            return answer(reply, admission)
          }
          request.apiKeyId = key.id
          request.apiKeyScope = key.scope
        }
        if (scope && !scopeAllows(request.apiKeyScope as ApiKeyScope, scope)) {
          request.log.info(
            { apiKeyId: request.apiKeyId, apiKeyScope: request.apiKeyScope, neededScope: scope },
            'API key outside its scope',
          )
          return answer(reply, 'forbidden')
        }
      }
    })
  },
  { name: 'api-keys' },
)
