import type { IncomingHttpHeaders } from 'node:http'
import { EventSchema, type ForwardedEvent } from '@meme-studio/meme-core/schema'
import { Value } from 'typebox/value'
import type { AppConfig } from '../../config.ts'
import { AppError } from '../shared/app-error.ts'
import {
  MISSING_AUTHENTICATION_TOKEN,
  verifySigV4,
  type GatewayRefusal,
  type SigV4Credentials,
} from '../signatures/sigv4-verify.ts'

/** An event request as it arrived: its signature covers the body's bytes. */
export interface ArrivedEvent {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: Buffer
  /** On Lambda, the invocation's event, where API Gateway puts the caller it verified. */
  lambdaEvent?: unknown
}

export type EventAdmission =
  { ok: true; event: ForwardedEvent; callerArn?: string } | { ok: false; refusal: GatewayRefusal }

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
 * The IAM identity API Gateway verified for this request, from the Lambda event: the REST
 * API's (v1) `requestContext.identity` or the HTTP API's (v2) `requestContext.authorizer.iam`.
 * Only the event counts, never the client's headers; outside Lambda there is none.
 */
function gatewayIdentity(lambdaEvent: unknown): { userArn?: string } | undefined {
  const event = lambdaEvent as
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

/**
 * `POST /api/events`: who may send, and what. Locally the app checks the SigV4 signature as
 * API Gateway's IAM authorization does; on Lambda behind that authorization
 * (`EVENTS_AUTH=api-gateway-iam`) it trusts the identity the gateway verified. The body is
 * read only once the sender is known.
 */
export class EventIntake {
  readonly #config: AppConfig
  readonly #credentials: SigV4Credentials[]

  constructor(config: AppConfig) {
    this.#config = config
    const { accessKeyId, secretAccessKey } = config.events
    this.#credentials = accessKeyId && secretAccessKey ? [{ accessKeyId, secretAccessKey }] : []
  }

  /** The event, or API Gateway's refusal; a body that is not an event throws a 400. */
  async admit(arrived: ArrivedEvent): Promise<EventAdmission> {
    let callerArn: string | undefined
    if (this.#config.events.auth === 'api-gateway-iam') {
      // API Gateway's IAM authorization verified the signature before the Lambda ran (over
      // the host and stage path the client signed, which are not what the app sees).
      const identity = gatewayIdentity(arrived.lambdaEvent)
      if (!identity) return { ok: false, refusal: MISSING_AUTHENTICATION_TOKEN }
      callerArn = identity.userArn
    } else {
      const verdict = await verifySigV4(arrived, {
        region: this.#config.s3.region,
        service: 'execute-api',
        credentials: this.#credentials,
        now: new Date(),
      })
      if (!verdict.ok) return { ok: false, refusal: verdict.refusal }
    }
    return { ok: true, event: parseEvent(arrived.body), ...(callerArn ? { callerArn } : {}) }
  }
}
