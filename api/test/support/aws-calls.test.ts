import { describe, expect, it } from 'vitest'
import { fixtureText, generalisedKey } from './aws-calls.ts'

describe('the AWS call record', () => {
  it.each([
    ['uploads/0b7e4f7c-3f5e-4c1e-9d2a-6a1f0e2b3c4d.png', 'uploads/*.png'],
    ['renders/AbCdEfGhIjKlMnOpQrStUv.json', 'renders/*.json'],
    ['hooks/0123456789abcdef.json', 'hooks/*.json'],
    ['webhooks/0123456789abcdef/hook.json', 'webhooks/*/hook.json'],
    [
      'webhooks/default/deliveries/20260102T030405.678Z-0b7e4f7c-3f5e-4c1e-9d2a-6a1f0e2b3c4d.json',
      'webhooks/*/deliveries/*.json',
    ],
    ['webhooks/0123456789abcdef/handled/delivery-1', 'webhooks/*/handled/*'],
    ['webhooks/0123456789abcdef/deliveries/', 'webhooks/*/deliveries/'],
    ['events/deploy%2042.json', 'events/*.json'],
    ['app/notifications.json', 'app/notifications.json'],
    ['app/', 'app/'],
  ])('writes %s as %s', (key, pattern) => {
    expect(generalisedKey(key)).toBe(pattern)
  })

  it('is sorted, without repeats, formatted as Prettier formats JSON', () => {
    const health = {
      function: 'control',
      route: 'GET /api/health',
      action: 's3:ListBucket' as const,
      bucket: 'uploads' as const,
      prefix: 'app/',
    }
    const secret = {
      function: 'control',
      route: 'POST /api/events',
      action: 'secretsmanager:GetSecretValue' as const,
      secret: 'DISCORD_WEBHOOK_URL',
    }
    expect(fixtureText([secret, health, secret])).toBe(
      '[\n' +
        '  {\n' +
        '    "function": "control",\n' +
        '    "route": "GET /api/health",\n' +
        '    "action": "s3:ListBucket",\n' +
        '    "bucket": "uploads",\n' +
        '    "prefix": "app/"\n' +
        '  },\n' +
        '  {\n' +
        '    "function": "control",\n' +
        '    "route": "POST /api/events",\n' +
        '    "action": "secretsmanager:GetSecretValue",\n' +
        '    "secret": "DISCORD_WEBHOOK_URL"\n' +
        '  }\n' +
        ']\n',
    )
  })
})
