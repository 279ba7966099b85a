import { describe, expect, it } from 'vitest'
import { archiveSource } from '../../../src/services/webhooks/archive-source.ts'

const SHA = 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7'

describe('archiveSource', () => {
  it("GitLab: the project's archive API at the commit, PRIVATE-TOKEN when set", () => {
    const { url, settings } = archiveSource(
      'gitlab',
      'https://gitlab.example.com',
      { owner: 'group/sub', repo: 'site', sha: SHA, projectId: 15 },
      'glpat-x',
    )
    expect(url.href).toBe(
      `https://gitlab.example.com/api/v4/projects/15/repository/archive.zip?sha=${SHA}`,
    )
    expect(settings).toEqual({
      baseUrl: 'https://gitlab.example.com',
      label: 'GitLab',
      allowedHosts: ['gitlab.example.com'],
      headers: { 'private-token': 'glpat-x' },
    })
  })

  it('Bitbucket: get/{hash}.zip, a token as Bearer and user:app-password as Basic', () => {
    const target = { owner: 'team', repo: 'repo', sha: SHA }
    const bearer = archiveSource('bitbucket', 'https://bitbucket.org', target, 'tok')
    expect(bearer.url.href).toBe(`https://bitbucket.org/team/repo/get/${SHA}.zip`)
    expect(bearer.settings.headers).toEqual({ authorization: 'Bearer tok' })
    const basic = archiveSource('bitbucket', 'https://bitbucket.org', target, 'emma:app-pw')
    expect(basic.settings.headers).toEqual({
      authorization: `Basic ${Buffer.from('emma:app-pw').toString('base64')}`,
    })
    expect(archiveSource('bitbucket', 'https://bitbucket.org', target).settings.headers).toEqual({})
  })

  it('Gitee: repository/archive/{sha}.zip, access_token as a query parameter', () => {
    const target = { owner: 'oschina', repo: 'gitee', sha: SHA }
    expect(archiveSource('gitee', 'https://gitee.com', target).url.href).toBe(
      `https://gitee.com/oschina/gitee/repository/archive/${SHA}.zip`,
    )
    expect(archiveSource('gitee', 'https://gitee.com', target, 'a+b').url.search).toBe(
      '?access_token=a%2Bb',
    )
  })
})
