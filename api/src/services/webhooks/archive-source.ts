import type { HookProvider } from '@meme-studio/meme-core/schema'
import type { ArchiveSettings } from './github-archive.ts'

/**
 * Where GitLab, Bitbucket Cloud and Gitee serve a commit's zip, and how an access token goes
 * with the request. Pure: the host, the repository and the commit in, a URL and the download
 * settings out. (GitHub's comes from GITHUB_BASE_URL and GITHUB_TOKEN: `archiveSettings`.)
 */

export interface ArchiveTarget {
  /** The owner, workspace or namespace path (`group/subgroup` on GitLab). */
  owner: string
  repo: string
  sha: string
  /** GitLab's project number, from the push. */
  projectId?: number
}

export interface ArchiveSource {
  url: URL
  /** Merged over the GitHub settings: the host's origin, its name and how the token goes. */
  settings: Pick<ArchiveSettings, 'baseUrl' | 'headers' | 'label' | 'allowedHosts'> & {
    token?: undefined
  }
}

const LABELS: Record<Exclude<HookProvider, 'github'>, string> = {
  gitlab: 'GitLab',
  bitbucket: 'Bitbucket',
  gitee: 'Gitee',
}

function path(...segments: string[]): string {
  return segments
    .flatMap((segment) => segment.split('/'))
    .map(encodeURIComponent)
    .join('/')
}

/**
 * Bitbucket takes an access token as a Bearer token, and an app password as HTTP Basic with
 * the username: a token given as `user:app-password` is sent as Basic.
 * @see https://developer.atlassian.com/cloud/bitbucket/rest/intro/#authentication
 */
function bitbucketAuthorization(token: string): string {
  return token.includes(':')
    ? `Basic ${Buffer.from(token, 'utf8').toString('base64')}`
    : `Bearer ${token}`
}

export function archiveSource(
  provider: Exclude<HookProvider, 'github'>,
  baseUrl: string,
  target: ArchiveTarget,
  accessToken?: string,
): ArchiveSource {
  const base = new URL(baseUrl)
  const origin = base.origin
  const settings = {
    baseUrl: origin,
    label: LABELS[provider],
    // Each serves the zip itself; a redirect elsewhere is refused rather than followed.
    allowedHosts: [base.host],
  }
  switch (provider) {
    case 'gitlab': {
      /**
       * `sha` may be a commit; the zip's one folder is `<project>-<sha>-<sha>/`.
       * @see https://docs.gitlab.com/api/repositories/#get-file-archive
       */
      if (target.projectId === undefined) throw new Error('a GitLab archive needs the project id')
      const url = new URL(`${origin}/api/v4/projects/${target.projectId}/repository/archive.zip`)
      url.searchParams.set('sha', target.sha)
      return {
        url,
        settings: { ...settings, headers: accessToken ? { 'private-token': accessToken } : {} },
      }
    }
    case 'bitbucket':
      /**
       * The Download repository link, at a commit; the zip's one folder is
       * `<workspace>-<repo>-<short sha>/`.
       * @see https://support.atlassian.com/bitbucket-cloud/docs/download-a-repository/
       */
      return {
        url: new URL(`${origin}/${path(target.owner, target.repo, 'get', `${target.sha}.zip`)}`),
        settings: {
          ...settings,
          headers: accessToken ? { authorization: bitbucketAuthorization(accessToken) } : {},
        },
      }
    case 'gitee': {
      /**
       * The repository page's Download ZIP at a commit; a private repository's needs
       * `access_token` (Gitee's API takes it as a query parameter).
       * @see https://gitee.com/api/v5/swagger#/getV5ReposOwnerRepoZipball
       */
      const url = new URL(
        `${origin}/${path(target.owner, target.repo, 'repository', 'archive', `${target.sha}.zip`)}`,
      )
      if (accessToken) url.searchParams.set('access_token', accessToken)
      return { url, settings: { ...settings, headers: {} } }
    }
  }
}
