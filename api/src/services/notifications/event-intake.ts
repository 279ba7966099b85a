import type { IncomingHttpHeaders } from 'node:http'
import type { AppConfig } from '../../config.ts'
import {
  MISSING_AUTHENTICATION_TOKEN,
  verifySigV4,
  type GatewayRefusal,
  type SigV4Credentials,
} from '../signatures/sigv4-verify.ts'
import { eventSubmission, parseEventBody, type EventSubmission } from './event-message.ts'

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
  { ok: true; event: EventSubmission; callerArn?: string } | { ok: false; refusal: GatewayRefusal }

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
 * read only once the sender is known (`event-message.ts` says what it may be).
 */
export class EventIntake {
  readonly #config: AppConfig
  readonly #credentials: SigV4Credentials[]

  constructor(config: AppConfig) {
    this.#config = config
    const { accessKeyId, secretAccessKey } = config.events
    this.#credentials = accessKeyId && secretAccessKey ? [{ accessKeyId, secretAccessKey }] : []
  }

  /**
   * The event (its message and idempotency key), or API Gateway's refusal; a body that is
   * not one throws a 400.
   */
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
    const { headers } = arrived
    const event = eventSubmission(
      parseEventBody(arrived.body),
      {
        idempotencyKey: headers['idempotency-key'],
        // On Lambda too: API Gateway hands the signed headers on to the function.
        authorization: headers.authorization,
        amzDate: headers['x-amz-date'],
      },
      new Date(),
    )
    return { ok: true, event, ...(callerArn ? { callerArn } : {}) }
  }
}
