import type { Delivery, DeliverySummary, Hook } from '@meme-studio/meme-core/schema'

/** Hooks and deliveries shaped as the admin webhooks API answers them. */
export const DEFAULT_HOOK: Hook = {
  hookId: 'default',
  name: 'Default (GITHUB_WEBHOOK_SECRET)',
  provider: 'github',
  baseUrl: 'https://github.com',
  hasAccessToken: false,
  branches: [],
  prefix: '',
  stripRoot: true,
  payloadUrl: 'http://localhost/api/webhooks/github',
  contentType: 'application/json',
  createdAt: '2026-02-01T09:00:00.000Z',
  updatedAt: '2026-02-01T09:00:00.000Z',
}

export const SITE_HOOK: Hook = {
  hookId: 'h1a2b3',
  name: 'Site deploys',
  provider: 'github',
  baseUrl: 'https://github.com',
  hasAccessToken: false,
  branches: ['main', 'release/2.x'],
  prefix: 'builds/',
  stripRoot: true,
  payloadUrl: 'http://localhost/api/webhooks/github/h1a2b3',
  contentType: 'application/json',
  createdAt: '2026-03-01T10:00:00.000Z',
  updatedAt: '2026-03-01T10:00:00.000Z',
}

export const SECRET = 'whsec-3f9a1c0d7e5b2a4c6e8f0a1b3c5d7e9f'

export const PUSH: DeliverySummary = {
  deliveryId: 'd-push-1',
  receivedAt: '2026-03-01T10:05:00.000Z',
  event: 'push',
  repo: 'octo/site',
  branch: 'main',
  commit: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c',
  verified: true,
  status: 202,
  outcome: 'archived',
  archiveKey: 'builds/octo/site/main.zip',
  versionId: 'v-1',
  durationMs: 42,
  updatedAt: '2026-03-01T10:05:03.000Z',
}

/** The same push as it is first answered, then while its archive is made, then failed. */
export const PUSH_QUEUED: DeliverySummary = {
  deliveryId: 'd-push-2',
  receivedAt: '2026-03-01T10:07:00.000Z',
  event: 'push',
  repo: 'octo/site',
  branch: 'main',
  commit: '5c1e0d3a7f9b2d4c6e8a0b1c3d5e7f9a1b3c5d7e',
  verified: true,
  status: 202,
  outcome: 'queued',
  durationMs: 38,
}

export const PUSH_ARCHIVING: DeliverySummary = {
  ...PUSH_QUEUED,
  outcome: 'archiving',
  updatedAt: '2026-03-01T10:07:01.000Z',
}

export const PUSH_FAILED: DeliverySummary = {
  ...PUSH_QUEUED,
  outcome: 'failed',
  error: 'GitHub answered 404 for the archive',
  updatedAt: '2026-03-01T10:07:02.000Z',
}

export const PONG: DeliverySummary = {
  deliveryId: 'd-ping-1',
  receivedAt: '2026-03-01T10:06:00.000Z',
  event: 'ping',
  verified: true,
  status: 200,
  outcome: 'pong',
  durationMs: 12,
}

export const PONG_DETAILS: Delivery = {
  ...PONG,
  requestHeaders: {
    'x-github-event': 'ping',
    'x-github-delivery': 'd-ping-1',
    'x-hub-signature-256': `sha256=${'a'.repeat(64)}`,
    'content-type': 'application/json',
  },
  payload: '{"zen":"Keep it logically awesome.","hook_id":1}',
  truncated: false,
  response: { ok: true },
}
