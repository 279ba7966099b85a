import { describe, expect, it } from 'vitest'
import { archiveKey, branchAllowed, planPush } from '../../../src/services/webhooks/push-plan.ts'

const SHA = 'c0ffee0000000000000000000000000000000001'

/** The fields of GitHub's push payload the receiver reads. */
function push(overrides: Record<string, unknown> = {}) {
  return {
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: SHA,
    deleted: false,
    repository: { name: 'site', full_name: 'octo/site', owner: { name: 'octo', login: 'octo' } },
    pusher: { name: 'mona', email: 'mona@example.com' },
    ...overrides,
  }
}

describe('planPush', () => {
  it('archives a push to a branch, slashes kept', () => {
    expect(planPush(push({ ref: 'refs/heads/feature/x-1' }), [])).toEqual({
      action: 'archive',
      owner: 'octo',
      repo: 'site',
      branch: 'feature/x-1',
      sha: SHA,
      pusher: 'mona',
    })
  })

  it.each([
    [{ deleted: true, after: '0'.repeat(40) }, 'branch deleted'],
    [{ after: '0'.repeat(40) }, 'branch deleted'],
    [{ ref: 'refs/tags/v1.0.0' }, 'tag push (v1.0.0)'],
    [{ ref: 'refs/notes/commits' }, 'not a branch (refs/notes/commits)'],
  ])('ignores %o', (overrides, reason) => {
    expect(planPush(push(overrides), [])).toMatchObject({
      action: 'ignore',
      reason,
      repo: 'octo/site',
    })
  })

  it('ignores a branch outside the allow-list', () => {
    expect(planPush(push({ ref: 'refs/heads/dev' }), ['main'])).toMatchObject({
      action: 'ignore',
      reason: "branch dev is not in the hook's branches",
      branch: 'dev',
    })
  })

  it.each([
    ['no ref', { ref: undefined }],
    ['an owner with a slash', { repository: { name: 'site', owner: { login: '../x' } } }],
    ['a branch with ..', { ref: 'refs/heads/a/../b' }],
    ['a short sha', { after: 'abc' }],
  ])('refuses a payload with %s', (_case, overrides) => {
    expect(() => planPush(push(overrides), [])).toThrow(
      expect.objectContaining({ code: 'BAD_PAYLOAD' }),
    )
  })
})

describe('branchAllowed', () => {
  it('takes every branch when the list is empty, else names and * patterns', () => {
    expect(branchAllowed('anything/at/all', [])).toBe(true)
    expect(branchAllowed('main', ['main'])).toBe(true)
    expect(branchAllowed('mainline', ['main'])).toBe(false)
    expect(branchAllowed('release/1.2', ['release/*'])).toBe(true)
    expect(branchAllowed('release/1/hotfix', ['release/*'])).toBe(false)
    expect(branchAllowed('release.x', ['release.*'])).toBe(true)
    expect(branchAllowed('releaseAx', ['release.*'])).toBe(false)
  })
})

describe('archiveKey', () => {
  it('keys archives by prefix, owner, repo and branch, slashes kept', () => {
    expect(archiveKey('builds/', 'octo', 'site', 'feature/x')).toBe(
      'builds/octo/site/feature/x.zip',
    )
  })
})
