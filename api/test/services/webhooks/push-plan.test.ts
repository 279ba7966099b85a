import { describe, expect, it } from 'vitest'
import {
  archiveKey,
  branchAllowed,
  planBitbucketPush,
  planGiteePush,
  planGitlabPush,
  planPush,
} from '../../../src/services/webhooks/push-plan.ts'
import {
  bitbucketPushPayload,
  giteePushPayload,
  gitlabPushPayload,
} from '../../support/stand-ins.ts'

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
    expect(archiveKey('', 'group/sub', '.github', 'main')).toBe('group/sub/.github/main.zip')
  })

  // The security probe: `teamA/` + `../teamB` and `../../main.zip` passed the name check.
  it.each([
    ['..', 'teamB', 'main'],
    ['..', '..', 'main'],
    ['.', 'site', 'main'],
    ['octo', '.', 'main'],
    ['octo', '...', 'main'],
    ['group/../x', 'site', 'main'],
    ['group//x', 'site', 'main'],
    ['', 'site', 'main'],
    ['octo', 'site', 'a/./b'],
    ['octo', 'site', 'a/../../b'],
    ['octo', 'site', '.hidden'],
    ['octo', 'site', 'a/%2e%2e/b'],
    ['octo', 'site', 'a%2Fb'],
    ['octo', 'site', 'a\\b'],
    ['octo', 'site', 'a\u0000b'],
    ['octo%2f..', 'site', 'main'],
  ])('refuses owner %j repo %j branch %j', (owner, repo, branch) => {
    expect(() => archiveKey('teamA/', owner, repo, branch)).toThrow(
      expect.objectContaining({ code: 'BAD_PAYLOAD' }),
    )
  })
})

const SHA_B = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'

describe('planGitlabPush', () => {
  it("reads GitLab docs' example, subgroups kept in the owner", () => {
    expect(planGitlabPush(JSON.parse(gitlabPushPayload(SHA_B)), [])).toEqual({
      action: 'archive',
      owner: 'mike',
      repo: 'diaspora',
      branch: 'master',
      sha: SHA_B,
      pusher: 'jsmith',
      projectId: 15,
    })
    expect(
      planGitlabPush(JSON.parse(gitlabPushPayload(SHA_B, { path: 'a/b/c/site' })), []),
    ).toMatchObject({ owner: 'a/b/c', repo: 'site' })
  })

  it('ignores a deleted branch (after all zeros) and refuses a missing project_id', () => {
    expect(planGitlabPush(JSON.parse(gitlabPushPayload('0'.repeat(40))), [])).toMatchObject({
      action: 'ignore',
      reason: 'branch deleted',
    })
    expect(() =>
      planGitlabPush(JSON.parse(gitlabPushPayload(SHA_B, { project_id: '15' })), []),
    ).toThrow(expect.objectContaining({ code: 'BAD_PAYLOAD' }))
  })
})

describe('planBitbucketPush', () => {
  const plan = (overrides: Parameters<typeof bitbucketPushPayload>[1], allowed: string[] = []) =>
    planBitbucketPush(JSON.parse(bitbucketPushPayload(SHA_B, overrides)), allowed)

  it("reads Bitbucket docs' example: workspace/repo_slug, the new branch's hash", () => {
    expect(plan({})).toEqual({
      action: 'archive',
      owner: 'team',
      repo: 'repo',
      branch: 'master',
      sha: SHA_B,
      pusher: 'emma',
    })
  })

  it('ignores a deleted branch (new: null) and a tag', () => {
    expect(plan({ change: { new: null } })).toMatchObject({
      action: 'ignore',
      reason: 'branch deleted',
      branch: 'master',
    })
    expect(
      plan({ change: { new: { type: 'tag', name: 'v1', target: { hash: SHA_B } } } }),
    ).toMatchObject({ action: 'ignore', reason: 'tag push (v1)' })
  })

  it('refuses a repository whose name is dots', () => {
    expect(() => plan({ fullName: '../..' })).toThrow(
      expect.objectContaining({ code: 'BAD_PAYLOAD' }),
    )
  })
})

describe('planGiteePush', () => {
  it("reads Gitee docs' example", () => {
    expect(planGiteePush(JSON.parse(giteePushPayload(SHA_B)), [])).toEqual({
      action: 'archive',
      owner: 'oschina',
      repo: 'gitee',
      branch: 'change_commitlint_config',
      sha: SHA_B,
      pusher: 'liwen',
    })
  })

  it('ignores a deleted branch', () => {
    expect(
      planGiteePush(JSON.parse(giteePushPayload('0'.repeat(40), { deleted: true })), []),
    ).toMatchObject({ action: 'ignore', reason: 'branch deleted' })
  })
})
