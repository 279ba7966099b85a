import { describe, expect, it } from 'vitest'
import { headerDisplayName, readWebhookForm } from '../webhook-settings.ts'

describe('readWebhookForm', () => {
  it('reads comma-separated branches, empty meaning all, and makes the prefix a folder', () => {
    expect(
      readWebhookForm({
        name: ' Site ',
        branches: 'main, release/2.x,,main ',
        prefix: '/builds',
        stripRoot: false,
      }),
    ).toEqual({
      settings: {
        name: 'Site',
        branches: ['main', 'release/2.x'],
        prefix: 'builds/',
        stripRoot: false,
      },
    })
    expect(readWebhookForm({ name: 'x', branches: ' ', prefix: '', stripRoot: true })).toEqual({
      settings: { name: 'x', branches: [], prefix: '', stripRoot: true },
    })
  })

  it('asks for a name', () => {
    expect(readWebhookForm({ name: '  ', branches: '', prefix: '', stripRoot: true })).toEqual({
      problem: 'Name is required: say what the hook is for.',
    })
  })
})

describe('headerDisplayName', () => {
  it("spells GitHub's headers as its docs do", () => {
    expect(headerDisplayName('x-github-event')).toBe('X-GitHub-Event')
    expect(headerDisplayName('x-github-hook-id')).toBe('X-GitHub-Hook-ID')
    expect(headerDisplayName('x-hub-signature-256')).toBe('X-Hub-Signature-256')
    expect(headerDisplayName('content-type')).toBe('Content-Type')
  })
})
