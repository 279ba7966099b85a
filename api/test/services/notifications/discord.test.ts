import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  notificationMessage,
  postOnce,
  type DiscordSettings,
} from '../../../src/services/notifications/discord.ts'
import { eventShapeMessage } from '../../../src/services/notifications/event-message.ts'

interface Answer {
  status: number
  body?: string
  headers?: Record<string, string>
  /** Never answer (a stalled Discord). */
  stall?: boolean
}

/** A loopback Discord webhook: answers from a script, records what it was sent. */
async function startDiscord(script: Answer[]) {
  const received: { url: string; body: unknown; at: number }[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({
        url: req.url ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        at: Date.now(),
      })
      const answer = script[Math.min(received.length - 1, script.length - 1)] ?? { status: 500 }
      if (answer.stall) return
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
      res.end(answer.body ?? '')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/api/webhooks/123/token`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

let discord: Awaited<ReturnType<typeof startDiscord>> | undefined
afterEach(async () => {
  await discord?.close()
  discord = undefined
})

function settings(url: string, overrides: Partial<DiscordSettings> = {}): DiscordSettings {
  return { webhookUrl: url, timeoutMs: 2000, ...overrides }
}

const MESSAGE = eventShapeMessage(
  { id: 'evt-1', title: 'Deployed' },
  new Date('2024-05-01T10:00:00Z'),
)
const DISCORD_MESSAGE = JSON.stringify({ id: '1234567890', channel_id: '42' })

describe('postOnce', () => {
  it('posts the message with ?wait=true and reads the message id', async () => {
    discord = await startDiscord([{ status: 200, body: DISCORD_MESSAGE }])
    const answer = await postOnce(MESSAGE, settings(discord.url))
    expect(answer).toEqual({ kind: 'delivered', messageId: '1234567890' })
    expect(discord.received[0]?.url).toBe('/api/webhooks/123/token?wait=true')
    expect(discord.received[0]?.body).toEqual({
      embeds: [
        {
          title: 'Deployed',
          timestamp: '2024-05-01T10:00:00.000Z',
          footer: { text: 'event evt-1' },
        },
      ],
      allowed_mentions: { parse: [] },
    })
  })

  it('takes a 204 without a body as delivered', async () => {
    discord = await startDiscord([{ status: 204 }])
    expect(await postOnce(MESSAGE, settings(discord.url))).toEqual({ kind: 'delivered' })
  })

  it('reads the wait a 429 asks for from retry_after, and posts once', async () => {
    discord = await startDiscord([
      {
        status: 429,
        body: JSON.stringify({
          message: 'You are being rate limited.',
          retry_after: 0.3,
          global: false,
        }),
      },
    ])
    const answer = await postOnce(MESSAGE, settings(discord.url))
    expect(answer).toEqual({
      kind: 'rate-limited',
      retryAfterMs: 300,
      reason: 'Discord asked to wait 300 ms (429)',
    })
    expect(discord.received).toHaveLength(1)
  })

  it('reads Retry-After when the 429 has no JSON retry_after, else waits 1 s', async () => {
    discord = await startDiscord([
      { status: 429, body: 'slow down', headers: { 'retry-after': '0.2' } },
      { status: 429, body: 'slow down' },
    ])
    expect(await postOnce(MESSAGE, settings(discord.url))).toMatchObject({ retryAfterMs: 200 })
    expect(await postOnce(MESSAGE, settings(discord.url))).toMatchObject({ retryAfterMs: 1000 })
  })

  it('calls 5xx answers unavailable', async () => {
    discord = await startDiscord([{ status: 502 }])
    expect(await postOnce(MESSAGE, settings(discord.url))).toEqual({
      kind: 'unavailable',
      reason: 'Discord answered 502',
    })
  })

  it('calls a try that times out unavailable', async () => {
    discord = await startDiscord([{ status: 0, stall: true }])
    expect(await postOnce(MESSAGE, settings(discord.url, { timeoutMs: 200 }))).toEqual({
      kind: 'unavailable',
      reason: 'Discord did not answer within 200 ms',
    })
  })

  it('calls a refused connection unavailable', async () => {
    discord = await startDiscord([{ status: 200 }])
    const url = discord.url
    await discord.close()
    discord = undefined
    expect(await postOnce(MESSAGE, settings(url))).toMatchObject({
      kind: 'unavailable',
      reason: expect.stringMatching(/^Discord could not be reached/),
    })
  })

  it('reports 404 as a deleted webhook', async () => {
    discord = await startDiscord([
      { status: 404, body: JSON.stringify({ message: 'Unknown Webhook', code: 10015 }) },
    ])
    expect(await postOnce(MESSAGE, settings(discord.url))).toEqual({
      kind: 'gone',
      reason: 'Discord answered 404: the webhook was deleted',
    })
  })

  it("reports another 4xx as refused, with Discord's message", async () => {
    discord = await startDiscord([
      { status: 400, body: JSON.stringify({ message: 'Invalid Form Body', code: 50035 }) },
    ])
    expect(await postOnce(MESSAGE, settings(discord.url))).toEqual({
      kind: 'refused',
      reason: 'Discord answered 400: Invalid Form Body',
    })
  })
})

describe('messages', () => {
  it('describes an archived push', () => {
    const message = notificationMessage(
      'archived',
      {
        repo: 'octo/hello',
        branch: 'feature/x',
        commit: '0123456789abcdef0123456789abcdef01234567',
        archiveKey: 'octo/hello/feature/x.zip',
      },
      new Date('2024-05-01T10:00:00Z'),
    )
    expect(message.embeds?.[0]).toEqual({
      title: 'Push archived: octo/hello (feature/x)',
      fields: [
        { name: 'Repository', value: 'octo/hello', inline: true },
        { name: 'Branch', value: 'feature/x', inline: true },
        { name: 'Commit', value: '0123456789ab', inline: true },
        { name: 'Archive', value: 'octo/hello/feature/x.zip', inline: false },
      ],
      timestamp: '2024-05-01T10:00:00.000Z',
    })
  })
})
