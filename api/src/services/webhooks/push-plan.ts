import { posix } from 'node:path'
import { AppError } from '../shared/app-error.ts'

/**
 * What a push delivery's payload asks for: which repository, and whether and what to archive.
 * One planner per Git host, each reading its own payload into the same plan. Pure: the
 * payload in, a plan out.
 */

/**
 * One segment of an owner, namespace or repository name: the characters GitHub, GitLab,
 * Bitbucket and Gitee allow in paths, and never `.` or `..` (or any name of dots only), which
 * would move an archive's key out of its place.
 */
const SEGMENT_PATTERN = /^[A-Za-z0-9._-]{1,100}$/
const DOTS_ONLY = /^\.+$/
/** GitLab nests subgroups up to 20 deep; a namespace is its path from the top group. */
const MAX_NAMESPACE_SEGMENTS = 21
const SHA_PATTERN = /^[0-9a-f]{40}$/
const DELETED_SHA = '0'.repeat(40)

export type PushPlan =
  | {
      action: 'archive'
      /** The owner, workspace or namespace path (`group/subgroup` on GitLab). */
      owner: string
      repo: string
      branch: string
      sha: string
      pusher: string
      /** GitLab's archive API names the project by its number. */
      projectId?: number
    }
  | { action: 'ignore'; reason: string; repo: string; branch?: string; commit?: string }

function badPayload(message: string): AppError {
  return new AppError(400, 'BAD_PAYLOAD', message)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

export function isNameSegment(segment: string): boolean {
  return SEGMENT_PATTERN.test(segment) && !DOTS_ONLY.test(segment)
}

/** `group/subgroup`: each segment a name, at most GitLab's depth. */
function isNamespace(namespace: string): boolean {
  const segments = namespace.split('/')
  return segments.length <= MAX_NAMESPACE_SEGMENTS && segments.every(isNameSegment)
}

/** `owner/repo` of any push payload we take, when it names a repository. */
export function repositoryOf(payload: unknown): string | undefined {
  if (!isRecord(payload)) return undefined
  const { repository, project } = payload
  const name =
    (isRecord(project) ? text(project.path_with_namespace) : undefined) ??
    (isRecord(repository)
      ? (text(repository.path_with_namespace) ?? text(repository.full_name))
      : undefined)
  return name?.slice(0, 200)
}

/**
 * A branch name git would accept, and safe in an S3 key: no empty, `.` or `..` segment nor one
 * starting with a dot, no `.lock` ending, no `@{`, no control characters, spaces, `~ ^ : ? * [ \`,
 * and no percent-encoded dot, slash or backslash (a key is never decoded, but a path may be).
 * @see https://git-scm.com/docs/git-check-ref-format
 */
export function isBranchName(branch: string): boolean {
  return (
    branch.length > 0 &&
    branch.length <= 255 &&
    // eslint-disable-next-line no-control-regex -- control characters are what is refused
    !/[\x00-\x20\x7f~^:?*[\\]/.test(branch) &&
    !branch.includes('@{') &&
    !/%(2e|2f|5c)/i.test(branch) &&
    branch
      .split('/')
      .every((segment) => segment !== '' && !segment.startsWith('.') && !segment.endsWith('.lock'))
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

/**
 * Where a push's zip goes in the archive bucket: `{prefix}{owner}/{repo}/{branch}.zip`, branch
 * names (and GitLab namespaces) keeping their slashes. Every part is checked again here, and
 * the key itself last: normalised, it must be unchanged and still under the hook's prefix, so
 * that no delivery writes outside its hook's place, whatever a planner let through.
 */
export function archiveKey(prefix: string, owner: string, repo: string, branch: string): string {
  if (!isNamespace(owner) || !isNameSegment(repo) || !isBranchName(branch)) {
    throw badPayload(`The push names ${owner}/${repo} ${branch}, which cannot be an archive key`)
  }
  const key = `${prefix}${owner}/${repo}/${branch}.zip`
  if (posix.normalize(key) !== key || !key.startsWith(prefix) || key.startsWith('/')) {
    throw badPayload(`The archive key ${key} would leave the hook's prefix`)
  }
  return key
}

interface PushFacts {
  owner: string
  repo: string
  ref: string
  commit: string | undefined
  deleted: boolean
  pusher: string
  projectId?: number
}

/**
 * The plan for a push once a host's payload has been read: tags, other refs, deleted and
 * unlisted branches are ignored with a reason; anything else must name a valid branch and
 * commit, or it is refused.
 */
function planFromFacts(facts: PushFacts, allowed: readonly string[]): PushPlan {
  const { owner, repo, ref, commit, deleted, pusher, projectId } = facts
  if (!isNamespace(owner) || !isNameSegment(repo)) {
    throw badPayload('The push payload has no valid repository owner and name')
  }
  const full = `${owner}/${repo}`
  if (ref.startsWith('refs/tags/')) {
    return { action: 'ignore', reason: `tag push (${ref.slice(10)})`, repo: full, commit }
  }
  if (!ref.startsWith('refs/heads/')) {
    return { action: 'ignore', reason: `not a branch (${ref})`, repo: full, commit }
  }
  const branch = ref.slice('refs/heads/'.length)
  if (!isBranchName(branch)) throw badPayload('The push payload names an invalid branch')
  if (deleted || commit === DELETED_SHA) {
    return { action: 'ignore', reason: 'branch deleted', repo: full, branch, commit }
  }
  if (commit === undefined || !SHA_PATTERN.test(commit)) {
    throw badPayload('The push payload has no commit sha')
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
  return {
    action: 'archive',
    owner,
    repo,
    branch,
    sha: commit,
    pusher,
    ...(projectId !== undefined ? { projectId } : {}),
  }
}

/** `a/b/c` as owner `a/b` and repo `c`. */
function splitPath(path: string): { owner: string; repo: string } {
  const slash = path.lastIndexOf('/')
  return { owner: path.slice(0, Math.max(slash, 0)), repo: path.slice(slash + 1) }
}

/**
 * GitHub's `push`: `repository.owner.login` and `.name`, `ref`, `after`, `deleted`.
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
  if (typeof owner !== 'string' || owner.includes('/')) {
    throw badPayload('The push payload has no valid repository owner and name')
  }
  return planFromFacts(
    {
      owner,
      repo: repository.name,
      ref,
      commit: text(after),
      deleted: deleted === true,
      pusher: (isRecord(pusher) ? text(pusher.name) : undefined) ?? '',
    },
    allowed,
  )
}

/**
 * GitLab's Push Hook: `project.path_with_namespace` (subgroups kept: `group/sub/project`),
 * `project_id`, `ref`, `after` (all zeros: the branch was deleted), `user_username`.
 * @see https://docs.gitlab.com/user/project/integrations/webhook_events/#push-events
 */
export function planGitlabPush(payload: unknown, allowed: readonly string[]): PushPlan {
  if (!isRecord(payload)) throw badPayload('The push payload is not a JSON object')
  const { ref, after, project, project_id: projectId } = payload
  if (typeof ref !== 'string') throw badPayload('The push payload has no ref')
  const path = isRecord(project) ? text(project.path_with_namespace) : undefined
  if (path === undefined) throw badPayload('The push payload has no project.path_with_namespace')
  if (!Number.isSafeInteger(projectId) || (projectId as number) <= 0) {
    throw badPayload('The push payload has no project_id')
  }
  return planFromFacts(
    {
      ...splitPath(path),
      ref,
      commit: text(after),
      deleted: false,
      pusher: text(payload.user_username) ?? text(payload.user_name) ?? '',
      projectId: projectId as number,
    },
    allowed,
  )
}

/**
 * Bitbucket Cloud's `repo:push`: `repository.full_name` (`workspace/repo_slug`) and
 * `push.changes[]`, each with `new` (null: the branch was deleted) and `old`, of `type`
 * `branch` or `tag`, the commit in `target.hash`. A push of several refs at once lists them
 * all; the first change to a branch in the hook's list is archived, the others are named in
 * the reason when none is.
 * @see https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#Push
 */
export function planBitbucketPush(payload: unknown, allowed: readonly string[]): PushPlan {
  if (!isRecord(payload)) throw badPayload('The push payload is not a JSON object')
  const { repository, push, actor } = payload
  const path = isRecord(repository) ? text(repository.full_name) : undefined
  if (path === undefined) throw badPayload('The push payload has no repository.full_name')
  if (!isRecord(push) || !Array.isArray(push.changes) || push.changes.length === 0) {
    throw badPayload('The push payload has no push.changes')
  }
  const pusher = (isRecord(actor) ? (text(actor.nickname) ?? text(actor.display_name)) : '') ?? ''
  const plans = push.changes.slice(0, 100).map((change: unknown) => {
    if (!isRecord(change)) throw badPayload('A push change is not an object')
    const state = isRecord(change.new) ? change.new : isRecord(change.old) ? change.old : undefined
    const type = state ? text(state.type) : undefined
    const name = state ? text(state.name) : undefined
    if (type === undefined || name === undefined) {
      throw badPayload('A push change names no branch or tag')
    }
    const target = state && isRecord(state.target) ? text(state.target.hash) : undefined
    return planFromFacts(
      {
        ...splitPath(path),
        ref: type === 'branch' ? `refs/heads/${name}` : type === 'tag' ? `refs/tags/${name}` : type,
        commit: target,
        deleted: change.new === null,
        pusher,
      },
      allowed,
    )
  })
  const archived = plans.find((plan) => plan.action === 'archive')
  if (archived) return archived
  const ignored = plans.filter((plan) => plan.action === 'ignore')
  const [first] = ignored as [(typeof ignored)[number], ...typeof ignored]
  return { ...first, reason: ignored.map((plan) => plan.reason).join('; ') }
}

/**
 * Gitee's Push Hook: `repository.path_with_namespace` (or `full_name`), `ref`, `after`,
 * `deleted`, `pusher.name` (or `user_name`).
 * @see https://help.gitee.com/webhook/gitee-webhook-push-data-format
 */
export function planGiteePush(payload: unknown, allowed: readonly string[]): PushPlan {
  if (!isRecord(payload)) throw badPayload('The push payload is not a JSON object')
  const { ref, after, deleted, repository, pusher } = payload
  if (typeof ref !== 'string') throw badPayload('The push payload has no ref')
  const path = isRecord(repository)
    ? (text(repository.path_with_namespace) ?? text(repository.full_name))
    : undefined
  if (path === undefined) throw badPayload('The push payload has no repository path')
  return planFromFacts(
    {
      ...splitPath(path),
      ref,
      commit: text(after),
      deleted: deleted === true,
      pusher: (isRecord(pusher) ? text(pusher.name) : undefined) ?? text(payload.user_name) ?? '',
    },
    allowed,
  )
}
