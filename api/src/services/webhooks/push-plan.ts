import { AppError } from '../shared/app-error.ts'

/**
 * What a GitHub delivery's payload asks for: which repository, and for a push whether and
 * what to archive. Pure: the payload in, a plan out.
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
 */

/** The characters GitHub allows in owner and repository names. */
const NAME_PATTERN = /^[A-Za-z0-9._-]{1,100}$/
const SHA_PATTERN = /^[0-9a-f]{40}$/
const DELETED_SHA = '0'.repeat(40)

export type PushPlan =
  | { action: 'archive'; owner: string; repo: string; branch: string; sha: string; pusher: string }
  | { action: 'ignore'; reason: string; repo: string; branch?: string; commit?: string }

function badPayload(message: string): AppError {
  return new AppError(400, 'BAD_PAYLOAD', message)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `owner/repo` of any event's payload, when it has a repository. */
export function repositoryOf(payload: unknown): string | undefined {
  if (!isRecord(payload) || !isRecord(payload.repository)) return undefined
  const fullName = payload.repository.full_name
  return typeof fullName === 'string' ? fullName.slice(0, 200) : undefined
}

/**
 * A branch name git would accept, and safe in an S3 key: no `..`, no `//`, no leading or
 * trailing slash, no control characters or spaces.
 * @see https://git-scm.com/docs/git-check-ref-format
 */
function isBranchName(branch: string): boolean {
  return (
    branch.length > 0 &&
    branch.length <= 255 &&
    !branch.includes('..') &&
    !branch.includes('//') &&
    !branch.startsWith('/') &&
    !branch.endsWith('/') &&
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    !/[\x00-\x20\x7f~^:?*[\\]/.test(branch)
  )
}

/**
 * Whether the allow-list takes `branch`: empty takes every branch; an entry is a branch name,
 * where `*` stands for any characters but `/` (`release/*`).
 */
export function branchAllowed(branch: string, allowed: readonly string[]): boolean {
  if (allowed.length === 0) return true
  return allowed.some((pattern) => {
    const source = pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')
    return new RegExp(`^${source}$`).test(branch)
  })
}

/** Where a push's zip goes in the archive bucket. Branch names keep their slashes. */
export function archiveKey(prefix: string, owner: string, repo: string, branch: string): string {
  return `${prefix}${owner}/${repo}/${branch}.zip`
}

/**
 * What to do with a `push` delivery: archive the pushed commit of an allowed branch, or
 * ignore it with a reason (a deleted branch, a tag, another kind of ref, a branch outside the
 * allow-list). A payload without the fields a push has is refused.
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads#push
 */
export function planPush(payload: unknown, allowed: readonly string[]): PushPlan {
  if (!isRecord(payload)) throw badPayload('The push payload is not a JSON object')
  const { ref, after, deleted, repository, pusher } = payload
  if (typeof ref !== 'string') throw badPayload('The push payload has no ref')
  if (!isRecord(repository) || typeof repository.name !== 'string') {
    throw badPayload('The push payload has no repository name')
  }
  const owner = isRecord(repository.owner)
    ? (repository.owner.login ?? repository.owner.name)
    : undefined
  const repo = repository.name
  if (typeof owner !== 'string' || !NAME_PATTERN.test(owner) || !NAME_PATTERN.test(repo)) {
    throw badPayload('The push payload has no valid repository owner and name')
  }
  const full = `${owner}/${repo}`
  const commit = typeof after === 'string' ? after : undefined
  if (ref.startsWith('refs/tags/')) {
    return { action: 'ignore', reason: `tag push (${ref.slice(10)})`, repo: full, commit }
  }
  if (!ref.startsWith('refs/heads/')) {
    return { action: 'ignore', reason: `not a branch (${ref})`, repo: full, commit }
  }
  const branch = ref.slice('refs/heads/'.length)
  if (!isBranchName(branch)) throw badPayload('The push payload names an invalid branch')
  if (deleted === true || commit === DELETED_SHA) {
    return { action: 'ignore', reason: 'branch deleted', repo: full, branch, commit }
  }
  if (commit === undefined || !SHA_PATTERN.test(commit)) {
    throw badPayload('The push payload has no commit sha in after')
  }
  if (!branchAllowed(branch, allowed)) {
    return {
      action: 'ignore',
      reason: `branch ${branch} is not in the hook's branches`,
      repo: full,
      branch,
      commit,
    }
  }
  const pusherName = isRecord(pusher) && typeof pusher.name === 'string' ? pusher.name : ''
  return { action: 'archive', owner, repo, branch, sha: commit, pusher: pusherName }
}
