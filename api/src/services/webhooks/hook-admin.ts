import { randomUUID } from 'node:crypto'
import {
  DEFAULT_GRACE_SECONDS,
  DEFAULT_HOOK_ID,
  type Delivery,
  type DeliverySummary,
  type Hook,
  type HookChange,
  type HookCreate,
  type HookWithSecret,
} from '@meme-studio/meme-core/schema'
import type { AppConfig } from '../../config.ts'
import type { StoredHook } from '../../schemas/records.ts'
import type { RecordStore } from '../records/record-store.ts'
import { AppError } from '../shared/app-error.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'
import {
  REDELIVERY_HEADER,
  deliveryDetail,
  deliverySummary,
  findDelivery,
  listDeliveries,
} from './deliveries.ts'
import {
  changedHook,
  createHook,
  defaultHook,
  deleteHook,
  editHook,
  hookNotFound,
  hookProvider,
  listHooks,
  newHook,
  payloadPath,
  publicHook,
  readHook,
  rotatedHook,
} from './hooks.ts'
import { OWN_DELIVERY_HEADER, providerOf } from './providers.ts'

/** Sends a request to the app's own public webhook route, as GitHub would. */
export type SendToRoute = (
  path: string,
  headers: Record<string, string>,
  body: string,
) => Promise<void>

export interface HookAdminDeps {
  records: RecordStore
  config: AppConfig
  send: SendToRoute
  now?: () => number
}

function readOnly(): AppError {
  return new AppError(
    409,
    'HOOK_READ_ONLY',
    'The default webhook is set by GITHUB_WEBHOOK_SECRET and cannot be changed here',
  )
}

function notReplayable(message: string): AppError {
  return new AppError(409, 'DELIVERY_NOT_REPLAYABLE', message)
}

/** GitHub hooks download with the server's GITHUB_BASE_URL and GITHUB_TOKEN, not their own. */
function githubHostSettings(): AppError {
  return new AppError(
    400,
    'BAD_REQUEST',
    'A GitHub webhook downloads from GITHUB_BASE_URL with GITHUB_TOKEN: baseUrl and ' +
      'accessToken are for GitLab, Bitbucket and Gitee webhooks',
  )
}

/** User-Agent of Ping and Redeliver, as each host names its own. */
const USER_AGENTS = {
  github: 'GitHub-Hookshot/meme-studio',
  gitlab: 'GitLab/meme-studio',
  bitbucket: 'Bitbucket-Webhooks/2.0 (meme-studio)',
  gitee: 'git-oschina-hook (meme-studio)',
} as const

/** GitHub numbers its hooks; ours get a number from their id for payloads that want one. */
function hookNumber(hook: StoredHook): number {
  return hook.hookId === DEFAULT_HOOK_ID ? 0 : Number.parseInt(hook.hookId.slice(0, 8), 16)
}

/**
 * A `ping` as GitHub sends it when a hook is created.
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads#ping
 */
export function pingPayload(hook: StoredHook, payloadUrl: string, at: Date): string {
  return JSON.stringify({
    zen: 'Design for failure.',
    hook_id: hookNumber(hook),
    hook: {
      type: 'Repository',
      id: hookNumber(hook),
      name: 'web',
      active: true,
      events: ['push'],
      config: { content_type: 'json', insecure_ssl: '0', url: payloadUrl },
      updated_at: hook.updatedAt,
      created_at: hook.createdAt,
    },
    sender: { login: 'meme-studio', type: 'Bot' },
    sent_at: at.toISOString(),
  })
}

/**
 * The admin side of the webhooks: hooks, their secrets and their deliveries. Ping and
 * Redeliver send a request through the public route itself, signed (or tokened) as the hook's
 * host would, so what they show is what the host would get. Payload URLs are at
 * `PUBLIC_ORIGIN`, where the hosts reach this server.
 */
export class HookAdmin {
  readonly #records: RecordStore
  readonly #secret: string | undefined
  readonly #publicOrigin: string
  readonly #githubBaseUrl: string
  readonly #send: SendToRoute
  readonly #now: () => number
  readonly #defaultSince: Date

  constructor({ records, config, send, now = () => Date.now() }: HookAdminDeps) {
    this.#records = records
    this.#secret = config.github.webhookSecret
    this.#publicOrigin = config.publicOrigin
    this.#githubBaseUrl = config.github.baseUrl
    this.#send = send
    this.#now = now
    this.#defaultSince = new Date(now())
  }

  async #find(hookId: string): Promise<StoredHook> {
    if (hookId === DEFAULT_HOOK_ID) {
      if (!this.#secret) throw hookNotFound()
      return defaultHook(this.#secret, this.#defaultSince)
    }
    return readHook(this.#records, hookId)
  }

  /** Edits a hook under the optimistic lock; the default hook cannot be changed. */
  async #edit(hookId: string, change: (hook: StoredHook) => StoredHook): Promise<StoredHook> {
    if (hookId === DEFAULT_HOOK_ID) {
      await this.#find(hookId)
      throw readOnly()
    }
    return editHook(this.#records, hookId, change)
  }

  #show(hook: StoredHook): Hook {
    return publicHook(hook, this.#publicOrigin, new Date(this.#now()), this.#githubBaseUrl)
  }

  /** The default hook (when GITHUB_WEBHOOK_SECRET is set) first, then the others by age. */
  async list(): Promise<Hook[]> {
    const hooks = await listHooks(this.#records)
    const all = this.#secret ? [defaultHook(this.#secret, this.#defaultSince), ...hooks] : hooks
    return all.map((hook) => this.#show(hook))
  }

  async create(settings: HookCreate): Promise<HookWithSecret> {
    const github = (settings.provider ?? 'github') === 'github'
    if (github && (settings.baseUrl !== undefined || settings.accessToken !== undefined)) {
      throw githubHostSettings()
    }
    const hook = newHook(settings, new Date(this.#now()))
    await createHook(this.#records, hook)
    return { hook: this.#show(hook), secret: hook.secret }
  }

  async get(hookId: string): Promise<Hook> {
    return this.#show(await this.#find(hookId))
  }

  async change(hookId: string, changes: HookChange): Promise<Hook> {
    const hostSettings = changes.baseUrl !== undefined || changes.accessToken !== undefined
    const hook = await this.#edit(hookId, (current) => {
      if (hostSettings && hookProvider(current) === 'github') throw githubHostSettings()
      return changedHook(current, changes, new Date(this.#now()))
    })
    return this.#show(hook)
  }

  async remove(hookId: string): Promise<void> {
    const hook = await this.#find(hookId)
    if (hook.hookId === DEFAULT_HOOK_ID) throw readOnly()
    await deleteHook(this.#records, hook.hookId)
  }

  async rotateSecret(
    hookId: string,
    graceSeconds = DEFAULT_GRACE_SECONDS,
  ): Promise<HookWithSecret> {
    const hook = await this.#edit(hookId, (current) =>
      rotatedHook(current, graceSeconds, new Date(this.#now())),
    )
    return { hook: this.#show(hook), secret: hook.secret }
  }

  async deliveries(hookId: string): Promise<DeliverySummary[]> {
    const hook = await this.#find(hookId)
    return listDeliveries(this.#records, hook.hookId)
  }

  async delivery(hookId: string, deliveryId: string): Promise<Delivery> {
    const hook = await this.#find(hookId)
    return deliveryDetail(await findDelivery(this.#records, hook.hookId, deliveryId))
  }

  /**
   * Runs a delivery again, for every host: its payload, signed (or tokened) anew with the
   * hook's current secret, under a new delivery id (so it is not a duplicate); its record
   * names the original.
   */
  async redeliver(hookId: string, deliveryId: string): Promise<DeliverySummary> {
    const hook = await this.#find(hookId)
    const original = await findDelivery(this.#records, hook.hookId, deliveryId)
    if (!original.verified) {
      throw notReplayable('Only a delivery whose signature matched can be sent again')
    }
    if (original.truncated) {
      throw notReplayable('The payload was cut at 64 KiB when it was kept: it cannot be sent again')
    }
    const replaced = new Set(providerOf(hook.provider).replaced)
    const headers = Object.fromEntries(
      Object.entries(original.requestHeaders).filter(([name]) => !replaced.has(name)),
    )
    return this.#deliver(hook, original.event, original.payload, {
      ...headers,
      [REDELIVERY_HEADER]: original.deliveryId,
    })
  }

  /**
   * Sends the hook a ping, signed as its host would: GitHub's own `ping`; for GitLab,
   * Bitbucket and Gitee, which have none, the same payload as `meme-studio:ping` in their
   * event header (see `providers.ts`). It proves the payload URL and the secret.
   */
  async ping(hookId: string): Promise<DeliverySummary> {
    const hook = await this.#find(hookId)
    const protocol = providerOf(hook.provider)
    const payloadUrl = `${this.#publicOrigin}${payloadPath(hook.hookId, hookProvider(hook))}`
    const payload = pingPayload(hook, payloadUrl, new Date(this.#now()))
    return this.#deliver(hook, protocol.pingEvent, payload, {
      ...(protocol.provider === 'github' ? { 'x-github-hook-id': String(hookNumber(hook)) } : {}),
    })
  }

  /** Sends a signed delivery through the public route and reads back its record. */
  async #deliver(
    hook: StoredHook,
    event: string,
    body: string,
    headers: Record<string, string>,
  ): Promise<DeliverySummary> {
    const deliveryId = randomUUID()
    const protocol = providerOf(hook.provider)
    await this.#send(
      payloadPath(hook.hookId, hookProvider(hook)),
      {
        'content-type': 'application/json',
        'user-agent': USER_AGENTS[protocol.provider],
        ...headers,
        [protocol.eventHeader]: event,
        [protocol.deliveryIdHeaders[0] ?? OWN_DELIVERY_HEADER]: deliveryId,
        ...protocol.sign(hook.secret, body, this.#now()),
      },
      body,
    )
    try {
      return deliverySummary(await findDelivery(this.#records, hook.hookId, deliveryId))
    } catch (error) {
      // The route answered, but its record could not be written: storage is failing.
      if (error instanceof AppError && error.code === 'DELIVERY_NOT_FOUND') {
        throw storageUnavailable(error)
      }
      throw error
    }
  }
}
