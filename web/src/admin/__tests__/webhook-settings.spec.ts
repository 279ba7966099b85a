import { describe, expect, it } from 'vitest'
import { EMPTY_WEBHOOK_FORM, headerDisplayName, readWebhookForm } from '../webhook-settings.ts'

describe('readWebhookForm', () => {
  it('reads comma-separated branches, empty meaning all, and makes the prefix a folder', () => {
    expect(
      readWebhookForm({
        ...EMPTY_WEBHOOK_FORM,
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
        provider: 'github',
      },
    })
    expect(readWebhookForm({ ...EMPTY_WEBHOOK_FORM, name: 'x', branches: ' ' })).toEqual({
      settings: { name: 'x', branches: [], prefix: '', stripRoot: true, provider: 'github' },
    })
  })

  it('asks for a name', () => {
    expect(readWebhookForm({ ...EMPTY_WEBHOOK_FORM, name: '  ' })).toEqual({
      problem: 'Name is required: say what the hook is for.',
    })
  })

  it("sends a GitLab hook's base URL and access token; GitHub's never", () => {
    const gitlab = {
      ...EMPTY_WEBHOOK_FORM,
      name: 'x',
      provider: 'gitlab' as const,
      baseUrl: 'https://gitlab.example.com/',
      accessToken: ' glpat-1 ',
    }
    expect(readWebhookForm(gitlab)).toEqual({
      settings: {
        name: 'x',
        branches: [],
        prefix: '',
        stripRoot: true,
        provider: 'gitlab',
        baseUrl: 'https://gitlab.example.com',
        accessToken: 'glpat-1',
      },
    })
    expect(readWebhookForm({ ...gitlab, provider: 'github' })).toEqual({
      settings: { name: 'x', branches: [], prefix: '', stripRoot: true, provider: 'github' },
    })
  })

  it('edits without the provider: blank keeps the token, or removes it when asked', () => {
    const form = { ...EMPTY_WEBHOOK_FORM, name: 'x', provider: 'gitee' as const }
    expect(readWebhookForm(form, true)).toEqual({
      settings: {
        name: 'x',
        branches: [],
        prefix: '',
        stripRoot: true,
        baseUrl: 'https://gitee.com',
      },
    })
    expect(readWebhookForm({ ...form, removeAccessToken: true }, true)).toMatchObject({
      settings: { accessToken: null },
    })
  })

  it.each(['gitlab.example.com', 'https://gitlab.example.com/group', 'ftp://gitlab.example.com'])(
    'refuses the base URL %s',
    (baseUrl) => {
      expect(
        readWebhookForm({ ...EMPTY_WEBHOOK_FORM, name: 'x', provider: 'gitlab', baseUrl }),
      ).toMatchObject({ problem: expect.stringContaining('Base URL must be') })
    },
  )
})

describe('headerDisplayName', () => {
  it("spells GitHub's headers as its docs do", () => {
    expect(headerDisplayName('x-github-event')).toBe('X-GitHub-Event')
    expect(headerDisplayName('x-github-hook-id')).toBe('X-GitHub-Hook-ID')
    expect(headerDisplayName('x-hub-signature-256')).toBe('X-Hub-Signature-256')
    expect(headerDisplayName('content-type')).toBe('Content-Type')
  })
})
