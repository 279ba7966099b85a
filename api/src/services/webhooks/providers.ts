import { createHash } from 'node:crypto'
import type { HookProvider } from '@meme-studio/meme-core/schema'
import {
  signBitbucketPayload,
  verifyBitbucketSignature,
} from '../signatures/bitbucket-signature.ts'
import { signGiteeTimestamp, verifyGiteeToken } from '../signatures/gitee-token.ts'
import { signGithubPayload, verifyGithubSignature } from '../signatures/github-signature.ts'
import { verifyGitlabToken } from '../signatures/gitlab-token.ts'
import type { Headers, TokenCheck } from '../signatures/provider-check.ts'
import {
  planBitbucketPush,
  planGiteePush,
  planGitlabPush,
  planPush,
  type PushPlan,
} from './push-plan.ts'

/**
 * How each Git host delivers a push: the header that names the event and the one that names
 * the delivery, how the secret comes with it, and how its payload reads. The receiver, Ping
 * and Redeliver work through these, so every host gets the same guarantees (one claim per
 * delivery id, the same key layout and archive path).
 */

/**
 * Names the delivery Ping and Redeliver send to a host that has no delivery id header of its
 * own (Gitee). Unauthenticated, like every delivery id header: it only tells deliveries apart.
 */
export const OWN_DELIVERY_HEADER = 'x-meme-studio-delivery'

/**
 * The event the admin Ping sends to a hook of a host that has no ping of its own. The
 * receiver answers it with a pong once the secret checks out: it proves the URL and the secret,
 * nothing about the host's settings.
 */
export const OWN_PING_EVENT = 'meme-studio:ping'

export interface ProviderProtocol {
  provider: HookProvider
  /** The host's name, for people: "GitLab answered 404". */
  label: string
  eventHeader: string
  /** The event header as the host's docs spell it, for people. */
  eventHeaderName: string
  pushEvent: string
  pingEvent: string
  /** Delivery id headers, the first valid one wins; none: the SHA-256 of the body. */
  deliveryIdHeaders: string[]
  /** GitHub always names its deliveries: a delivery without an id is refused. */
  deliveryIdRequired: boolean
  /** Whether a request header is the host's own and kept in the delivery's record. */
  keptHeader(name: string): boolean
  verify(body: Buffer, headers: Headers, secrets: readonly string[], now: number): TokenCheck
  plan(payload: unknown, allowed: readonly string[]): PushPlan
  /** The headers that prove a delivery of `body` made now, as the host would send them. */
  sign(secret: string, body: string, now: number): Record<string, string>
  /** Headers of a kept delivery that Redeliver replaces: its proof and its id. */
  replaced: string[]
  /** The payload as kept: secrets a host puts in its body (Gitee's password) removed. */
  kept?(body: Buffer): Buffer
}

const COMMON_HEADERS = new Set(['content-type', 'user-agent'])

/** Never kept, whatever the host: these carry the secret itself. */
const SECRET_HEADERS = new Set(['x-gitlab-token', 'x-gitee-token', 'authorization'])

function keeps(names: string[], prefixes: string[]) {
  const exact = new Set([...COMMON_HEADERS, ...names, OWN_DELIVERY_HEADER])
  return (name: string) =>
    !SECRET_HEADERS.has(name) &&
    (exact.has(name) || prefixes.some((prefix) => name.startsWith(prefix)))
}

/** A delivery's id when its host sent none: the same body is the same delivery. */
export function bodyDeliveryId(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex')
}

export const PROVIDERS: Record<HookProvider, ProviderProtocol> = {
  /** @see https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers */
  github: {
    provider: 'github',
    label: 'GitHub',
    eventHeader: 'x-github-event',
    eventHeaderName: 'X-GitHub-Event',
    pushEvent: 'push',
    pingEvent: 'ping',
    deliveryIdHeaders: ['x-github-delivery'],
    deliveryIdRequired: true,
    keptHeader: keeps([], ['x-github-', 'x-hub-']),
    verify: (body, headers, secrets) => verifyGithubSignature(body, headers, secrets),
    plan: planPush,
    sign: (secret, body) => ({ 'x-hub-signature-256': signGithubPayload(secret, body) }),
    replaced: ['x-hub-signature', 'x-hub-signature-256', 'x-github-delivery'],
  },
  /**
   * GitLab has no ping: its Test button sends a Push Hook of the latest push. `Idempotency-Key`
   * (GitLab 17.4) is the same on every retry of a delivery; `X-Gitlab-Event-UUID`, before it,
   * names the event.
   * @see https://docs.gitlab.com/user/project/integrations/webhooks/#delivery-headers
   */
  gitlab: {
    provider: 'gitlab',
    label: 'GitLab',
    eventHeader: 'x-gitlab-event',
    eventHeaderName: 'X-Gitlab-Event',
    pushEvent: 'Push Hook',
    pingEvent: OWN_PING_EVENT,
    deliveryIdHeaders: ['idempotency-key', 'x-gitlab-event-uuid'],
    deliveryIdRequired: false,
    keptHeader: keeps(['idempotency-key'], ['x-gitlab-']),
    verify: (_body, headers, secrets) => verifyGitlabToken(headers, secrets),
    plan: planGitlabPush,
    sign: (secret) => ({ 'x-gitlab-token': secret }),
    replaced: ['idempotency-key', 'x-gitlab-event-uuid', 'x-gitlab-webhook-uuid'],
  },
  /**
   * Bitbucket Cloud has no ping or test button. `X-Request-UUID` names the delivery (the same
   * on a retry, counted by `X-Attempt-Number`); `X-Hook-UUID` names the webhook.
   * @see https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#HTTP-headers
   */
  bitbucket: {
    provider: 'bitbucket',
    label: 'Bitbucket',
    eventHeader: 'x-event-key',
    eventHeaderName: 'X-Event-Key',
    pushEvent: 'repo:push',
    pingEvent: OWN_PING_EVENT,
    deliveryIdHeaders: ['x-request-uuid'],
    deliveryIdRequired: false,
    keptHeader: keeps(
      ['x-event-key', 'x-hook-uuid', 'x-request-uuid', 'x-attempt-number', 'x-hub-signature'],
      [],
    ),
    verify: (body, headers, secrets) => verifyBitbucketSignature(body, headers, secrets),
    plan: planBitbucketPush,
    sign: (secret, body) => ({ 'x-hub-signature': signBitbucketPayload(secret, body) }),
    replaced: ['x-hub-signature', 'x-request-uuid'],
  },
  /**
   * Gitee's Test button (测试) sends a Push Hook; it names no delivery, so a delivery's id is
   * the SHA-256 of its body. Its payload repeats the password (`password`) and the signature
   * (`sign`): neither is kept.
   * @see https://help.gitee.com/webhook/gitee-webhook-push-data-format
   */
  gitee: {
    provider: 'gitee',
    label: 'Gitee',
    eventHeader: 'x-gitee-event',
    eventHeaderName: 'X-Gitee-Event',
    pushEvent: 'Push Hook',
    pingEvent: OWN_PING_EVENT,
    deliveryIdHeaders: [OWN_DELIVERY_HEADER],
    deliveryIdRequired: false,
    keptHeader: keeps(['x-git-oschina-event'], ['x-gitee-']),
    verify: (_body, headers, secrets, now) => verifyGiteeToken(headers, secrets, now),
    plan: planGiteePush,
    sign: (secret, _body, now) => ({
      'x-gitee-token': signGiteeTimestamp(secret, now),
      'x-gitee-timestamp': String(now),
    }),
    replaced: ['x-gitee-timestamp', OWN_DELIVERY_HEADER],
    kept: (body) => {
      try {
        const payload: unknown = JSON.parse(body.toString('utf8'))
        if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return body
        const rest: Record<string, unknown> = { ...payload }
        delete rest.password
        delete rest.sign
        return Buffer.from(JSON.stringify(rest))
      } catch {
        return body
      }
    },
  },
}

export function providerOf(provider: HookProvider | undefined): ProviderProtocol {
  return PROVIDERS[provider ?? 'github']
}
