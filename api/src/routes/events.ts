import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply } from 'fastify'
import type { AppConfig } from '../config.ts'
import { ForwardResultSchema, GatewayErrorSchema } from '@meme-studio/meme-core/schema'
import { errorResponses } from '../schemas/errors.ts'
import { EventIntake } from '../services/notifications/event-intake.ts'
import { refusalBody, type GatewayRefusal } from '../services/signatures/sigv4-verify.ts'

/**
 * An event is a few KiB of text; a Discord message at its limits (2000 characters of content,
 * 6000 of embeds, a poll) is well under 64 KiB, even escaped.
 */
const EVENT_BODY_LIMIT = 64 * 1024

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
 * checks it, handed to the Discord delivery state machine. Refusals are API Gateway's, byte
 * for byte.
 */
const eventRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app, { config }) => {
  const events = new EventIntake(config)

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
          'and a request without its IAM identity is refused. The body is a JSON object of at ' +
          'most 64 KiB, one of: a Discord execute-webhook body (it has content, embeds or ' +
          'poll: content, username, avatar_url, tts, embeds, allowed_mentions, flags, ' +
          "thread_name, applied_tags, poll, within Discord's limits: 2000 characters of " +
          'content, 10 embeds, 6000 characters across them, 25 fields each...), forwarded as ' +
          'it is but for allowed_mentions, which is {"parse":[]} unless an admin allows ' +
          'mentions; the event {id?, title?, description?, url?, fields?: [{name, value, ' +
          'inline?}]}; or any other object, e.g. {"type":"voice.join","user":"...","channel":' +
          '"..."}, posted as an embed titled by its title, type or event, its other properties ' +
          "as fields, cut to Discord's limits. The idempotency key is the body's id (a string " +
          'of 1..128 characters or a number), else the Idempotency-Key header (1..255 ' +
          'printable ASCII characters), else the signed request itself (its signature and ' +
          'X-Amz-Date): the same key twice is one message, kept 7 days, and a second request ' +
          'gets {"duplicate":true}; the answer says which (idempotencyKeyFrom). The answer ' +
          '(202, delivery "accepted") comes once the delivery has started: a Step Functions ' +
          'execution on AWS, the same state machine in the local server, which posts to ' +
          'Discord after, waiting out 429s and retrying 5xx answers. A 503 means it did not ' +
          'start: send the event again.',
        response: {
          202: ForwardResultSchema,
          403: GatewayErrorSchema,
          ...errorResponses(400, 413, 503),
        },
      },
    },
    async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
      const intake = await events.admit({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body,
        // The Lambda event @fastify/aws-lambda keeps on the request (its `decorateRequest`).
        lambdaEvent: (request as { awsLambda?: { event?: unknown } }).awsLambda?.event,
      })
      if (!intake.ok) {
        request.log.info({ errorType: intake.refusal.errorType }, 'event refused')
        return sendRefusal(reply, intake.refusal)
      }
      if (intake.callerArn)
        request.log.info({ callerArn: intake.callerArn }, 'event from an IAM caller')
      const result = await app.notifier.forward(intake.event)
      return reply.status(202).send(result)
    },
  )
}

export default eventRoutes
