import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Value } from 'typebox/value'
import type { AppConfig } from '../config.ts'
import {
  EventSchema,
  ForwardResultSchema,
  GatewayErrorSchema,
  type ForwardedEvent,
} from '@meme-studio/meme-core/schema'
import { errorResponses } from '../schemas/errors.ts'
import { AppError } from '../services/shared/app-error.ts'
import {
  MISSING_AUTHENTICATION_TOKEN,
  refusalBody,
  verifySigV4,
  type GatewayRefusal,
  type SigV4Credentials,
} from '../services/signatures/sigv4-verify.ts'

/** An event is a few KiB of text; Discord takes at most 6000 characters of embed. */
const EVENT_BODY_LIMIT = 64 * 1024

function invalidEvent(instancePath: string, problem: string): AppError {
  return new AppError(400, 'VALIDATION', `body${instancePath} ${problem}`)
}

/** The body, read only once its signature is good: JSON, and an event. */
function parseEvent(body: Buffer): ForwardedEvent {
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    throw new AppError(400, 'MALFORMED_JSON', 'The request body is not valid JSON')
  }
  if (Value.Check(EventSchema, value)) return value
  // An unknown property shows first as its own `schema is false`; name it as the app does.
  const errors = Value.Errors(EventSchema, value).filter((error) => error.keyword !== 'boolean')
  const first = errors[0]
  if (!first) throw invalidEvent('', 'is not an event')
  const params = first.params as { additionalProperties?: unknown[] }
  if (first.keyword === 'additionalProperties' && params.additionalProperties?.length) {
    throw invalidEvent(
      first.instancePath,
      `has an unknown property "${String(params.additionalProperties[0])}"`,
    )
  }
  if (first.keyword === 'pattern' && first.instancePath === '/url') {
    throw invalidEvent(first.instancePath, 'must be an http(s) URL')
  }
  throw invalidEvent(first.instancePath, first.message)
}

interface GatewayIdentity {
  accessKey?: unknown
  userArn?: unknown
}

/**
 * The IAM identity API Gateway verified for this request, from the Lambda event that
 * @fastify/aws-lambda keeps on the request (`request.awsLambda`, its `decorateRequest`): the
 * REST API's (v1) `requestContext.identity` or the HTTP API's (v2)
 * `requestContext.authorizer.iam`. Only the event counts, never the client's headers; outside
 * Lambda (no decoration) there is none.
 */
function gatewayIdentity(request: FastifyRequest): { userArn?: string } | undefined {
  const lambda = (request as { awsLambda?: { event?: unknown } }).awsLambda
  const event = lambda?.event as
    | {
        requestContext?: {
          identity?: GatewayIdentity | null
          authorizer?: { iam?: GatewayIdentity | null } | null
        } | null
      }
    | undefined
  const context = event?.requestContext
  const identity = [context?.identity, context?.authorizer?.iam].find(
    (candidate) => typeof candidate?.accessKey === 'string' && candidate.accessKey !== '',
  )
  if (!identity) return undefined
  return typeof identity.userArn === 'string' ? { userArn: identity.userArn } : {}
}

/** API Gateway's 403 as it sends it: a Buffer, so no charset is added to the type. */
function sendRefusal(reply: FastifyReply, refusal: GatewayRefusal) {
  return reply
    .status(refusal.status)
    .header('content-type', 'application/json')
    .header('x-amzn-ErrorType', refusal.errorType)
    .send(refusalBody(refusal))
}

/**
 * `POST /api/events`: an event signed with AWS SigV4, as API Gateway's IAM authorization
 * checks it, forwarded to Discord. Refusals are API Gateway's, byte for byte.
 */
const eventRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app, { config }) => {
  const { accessKeyId, secretAccessKey } = config.events
  const credentials: SigV4Credentials[] =
    accessKeyId && secretAccessKey ? [{ accessKeyId, secretAccessKey }] : []

  // The signature covers the body's bytes: every body is kept as bytes, whatever its type,
  // and read only after the signature is checked.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  app.post(
    '/',
    {
      bodyLimit: EVENT_BODY_LIMIT,
      schema: {
        summary: 'Forward an event to Discord (SigV4-signed)',
        description:
          'The request must be signed with AWS SigV4 for the service execute-api in the ' +
          "server's S3_REGION, with EVENTS_ACCESS_KEY_ID and EVENTS_SECRET_ACCESS_KEY, as " +
          "API Gateway's IAM authorization requires; refusals are its 403s. With " +
          "EVENTS_AUTH=api-gateway-iam (on Lambda) API Gateway's IAM check is trusted instead " +
          'and a request without its IAM identity is refused. The body is a JSON ' +
          'event: {id (1..128 characters), title?, description?, url?, fields?: [{name, value, ' +
          'inline?}]}. The same id twice is one message. The answer comes once Discord has the ' +
          'message or, when its first try failed with a 429, a 5xx or a timeout, once the ' +
          'retries are scheduled.',
        response: {
          202: ForwardResultSchema,
          403: GatewayErrorSchema,
          ...errorResponses(400, 413, 503),
        },
      },
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      if (config.events.auth === 'api-gateway-iam') {
        // API Gateway's IAM authorization verified the signature before the Lambda ran (over
        // the host and stage path the client signed, which are not what the app sees).
        const identity = gatewayIdentity(request)
        if (!identity) {
          request.log.info('event without an API Gateway IAM identity refused')
          return sendRefusal(reply, MISSING_AUTHENTICATION_TOKEN)
        }
        request.log.info({ callerArn: identity.userArn }, 'event from an IAM caller')
      } else {
        const verdict = await verifySigV4(
          { method: request.method, url: request.url, headers: request.headers, body },
          { region: config.s3.region, service: 'execute-api', credentials, now: new Date() },
        )
        if (!verdict.ok) {
          request.log.info({ errorType: verdict.refusal.errorType }, 'event signature refused')
          return sendRefusal(reply, verdict.refusal)
        }
      }
      const event = parseEvent(body)
      const result = await app.notifier.forward(event)
      return reply.status(202).send(result)
    },
  )
}

export default eventRoutes
