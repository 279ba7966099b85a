/**
 * Loopback stand-ins for the services the app calls out to, as real HTTP servers: the Git
 * hosts' archive downloads and a Discord webhook; and the hosts' push payloads. They record what they were asked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import yazl from 'yazl'

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** A zip as GitHub's archive download makes it: every file under `<repo>-<sha>/`. */
export function githubZip(repo: string, sha: string): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  zip.addBuffer(Buffer.from('# site\n'), `${repo}-${sha}/README.md`)
  zip.addBuffer(Buffer.from('build:\n'), `${repo}-${sha}/buildspec.yml`)
  zip.end()
  const chunks: Buffer[] = []
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk))
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    zip.outputStream.on('error', reject)
  })
}

/** A push event's payload, as GitHub sends it: octo/site's main moved to `sha`. */
export function githubPushPayload(sha: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: sha,
    created: false,
    deleted: false,
    forced: false,
    repository: {
      id: 1,
      name: 'site',
      full_name: 'octo/site',
      owner: { name: 'octo', login: 'octo' },
    },
    pusher: { name: 'mona', email: 'mona@example.com' },
    head_commit: { id: sha, message: 'Build me' },
    ...overrides,
  })
}

/** GitHub's `/<owner>/<repo>/archive/<sha>.zip`, after `delayMs` if given. */
export async function startGithubStandIn(options: { delayMs?: number } = {}) {
  const downloads: string[] = []
  const server = await listen((req, res) => {
    const match = /^\/([^/]+)\/([^/]+)\/archive\/([0-9a-f]{40})\.zip$/.exec(req.url ?? '')
    if (!match) return void res.writeHead(404).end()
    downloads.push(req.url ?? '')
    setTimeout(() => {
      void githubZip(match[2]!, match[3]!).then((zip) =>
        res.writeHead(200, { 'content-type': 'application/zip' }).end(zip),
      )
    }, options.delayMs ?? 0)
  })
  return { ...server, downloads }
}

/** A zip with every file under one top folder, as each Git host's archive download makes it. */
function folderZip(folder: string): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  zip.addBuffer(Buffer.from('# site\n'), `${folder}/README.md`)
  zip.addBuffer(Buffer.from('build:\n'), `${folder}/buildspec.yml`)
  zip.end()
  const chunks: Buffer[] = []
  return new Promise((resolve, reject) => {
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk))
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)))
    zip.outputStream.on('error', reject)
  })
}

/**
 * GitLab's Push Hook, after the example in GitLab's docs (project mike/diaspora, id 15), moved
 * to `sha`. `path` changes `project.path_with_namespace` (a subgroup: `group/sub/project`).
 * @see https://docs.gitlab.com/user/project/integrations/webhook_events/#push-events
 */
export function gitlabPushPayload(sha: string, overrides: Record<string, unknown> = {}): string {
  const { path = 'mike/diaspora', ...rest } = overrides as { path?: string }
  return JSON.stringify({
    object_kind: 'push',
    event_name: 'push',
    before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
    after: sha,
    ref: 'refs/heads/master',
    ref_protected: true,
    checkout_sha: sha,
    user_id: 4,
    user_name: 'John Smith',
    user_username: 'jsmith',
    user_email: 'john@example.com',
    project_id: 15,
    project: {
      id: 15,
      name: 'Diaspora',
      web_url: 'http://example.com/mike/diaspora',
      namespace: 'Mike',
      visibility_level: 0,
      path_with_namespace: path,
      default_branch: 'master',
    },
    commits: [{ id: sha, message: 'Update Catalan translation to e38cb41.' }],
    total_commits_count: 1,
    repository: { name: 'Diaspora', homepage: 'http://example.com/mike/diaspora' },
    ...rest,
  })
}

/**
 * Bitbucket Cloud's repo:push, after the example in Bitbucket's docs: one change, branch
 * `master` of `team/repo` moved to `hash` (`change` replaces the change; `new: null` deletes).
 * @see https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/#Push
 */
export function bitbucketPushPayload(
  hash: string,
  overrides: { change?: Record<string, unknown>; fullName?: string } = {},
): string {
  const fullName = overrides.fullName ?? 'team/repo'
  const target = { type: 'commit', hash, message: 'Build me', date: '2025-01-02T03:04:05+00:00' }
  return JSON.stringify({
    actor: { type: 'user', display_name: 'Emma', nickname: 'emma', account_id: '557058:1' },
    repository: {
      type: 'repository',
      name: fullName.split('/')[1],
      full_name: fullName,
      workspace: { type: 'workspace', slug: fullName.split('/')[0] },
      uuid: '{a1b2c3d4-0000-4000-8000-000000000001}',
      is_private: true,
    },
    push: {
      changes: [
        {
          new: { type: 'branch', name: 'master', target },
          old: { type: 'branch', name: 'master', target: { ...target, hash: 'f'.repeat(40) } },
          created: false,
          forced: false,
          closed: false,
          ...overrides.change,
        },
      ],
    },
  })
}

/**
 * Gitee's Push Hook, after the example in Gitee's docs (its `password`, `timestamp` and
 * `sign` included), moved to `sha` in oschina/gitee.
 * @see https://help.gitee.com/webhook/gitee-webhook-push-data-format
 */
export function giteePushPayload(sha: string, overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    hook_name: 'push_hooks',
    password: 'pwd',
    hook_id: 1,
    hook_url: 'http://gitee.com/liwen/gitos/hooks/1/edit',
    timestamp: '1576754827988',
    sign: 'rLEHLuZRIQHuTPeXMib9Czoq9dVXO4TsQcmQQHtjXHA=',
    ref: 'refs/heads/change_commitlint_config',
    before: '0000000000000000000000000000000000000000',
    after: sha,
    created: true,
    deleted: false,
    commits: [{ id: sha, message: 'Update README.md' }],
    repository: {
      id: 120249025,
      name: 'Gitee',
      path: 'gitee',
      full_name: 'oschina/gitee',
      namespace: 'oschina',
      path_with_namespace: 'oschina/gitee',
      owner: { login: 'oschina', name: 'OSCHINA' },
    },
    pusher: { name: 'liwen', username: 'liwen' },
    user_name: 'liwen',
    ...overrides,
  })
}

/**
 * GitLab, Bitbucket Cloud and Gitee serving a commit's zip at their archive URLs, each with
 * its own top folder, and answering 401 when `token` is set and the request does not carry it
 * as that host takes it (`PRIVATE-TOKEN`, `Authorization: Bearer`, `access_token=`).
 */
export async function startGitHostStandIn(options: { token?: string } = {}) {
  const downloads: { url: string; headers: Record<string, string | string[] | undefined> }[] = []
  const routes: [RegExp, (m: RegExpExecArray, url: URL, req: IncomingMessage) => string | false][] =
    [
      [
        /^\/api\/v4\/projects\/(\d+)\/repository\/archive\.zip$/,
        (_m, url, req) =>
          (!options.token || req.headers['private-token'] === options.token) &&
          `project-${url.searchParams.get('sha')}-${url.searchParams.get('sha')}`,
      ],
      [
        /^\/([^/]+)\/([^/]+)\/get\/([0-9a-f]{40})\.zip$/,
        (m, _url, req) =>
          (!options.token || req.headers.authorization === `Bearer ${options.token}`) &&
          `${m[1]}-${m[2]}-${m[3]!.slice(0, 12)}`,
      ],
      [
        /^\/((?:[^/]+\/)*[^/]+)\/([^/]+)\/repository\/archive\/([0-9a-f]{40})\.zip$/,
        (m, url) =>
          (!options.token || url.searchParams.get('access_token') === options.token) &&
          `${m[2]}-${m[3]}`,
      ],
    ]
  const server = await listen((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in')
    downloads.push({ url: req.url ?? '', headers: req.headers })
    for (const [pattern, folder] of routes) {
      const match = pattern.exec(url.pathname)
      if (!match) continue
      const name = folder(match, url, req)
      if (name === false) return void res.writeHead(401).end()
      return void folderZip(name).then((zip) =>
        res.writeHead(200, { 'content-type': 'application/zip' }).end(zip),
      )
    }
    res.writeHead(404).end()
  })
  return { ...server, downloads }
}

/** A Discord webhook that takes every message (200 with an id) and keeps what it got. */
export async function startDiscordStandIn() {
  const received: { url: string; body: unknown }[] = []
  const server = await listen((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      let body: unknown
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
      } catch {
        body = Buffer.concat(chunks).toString('utf8')
      }
      received.push({ url: req.url ?? '', body })
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: String(received.length), channel_id: '9' }))
    })
  })
  return { ...server, webhookUrl: `${server.url}/api/webhooks/1/token`, received }
}

/** What the Step Functions stand-in answers a call with; `stall`: nothing, ever. */
export type StepFunctionsAnswer = { status: number; body: unknown } | 'stall'

/**
 * Step Functions, as the SDK speaks to it: AWS JSON 1.0 (`x-amz-target:
 * AWSStepFunctions.<Action>`). Records each call; `answer` decides, by default an execution
 * as StartExecution answers.
 * @see https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
export async function startStepFunctionsStandIn() {
  const calls: { target: string; contentType: string; body: Record<string, string> }[] = []
  const started = (): StepFunctionsAnswer => ({
    status: 200,
    body: {
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:discord-delivery:x',
      startDate: Date.now() / 1000,
    },
  })
  const state = { answer: started }
  const server = await listen((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      calls.push({
        target: String(req.headers['x-amz-target']),
        contentType: String(req.headers['content-type']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      })
      const answer = state.answer()
      if (answer === 'stall') return
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' })
      res.end(JSON.stringify(answer.body))
    })
  })
  return {
    endpoint: server.url,
    close: server.close,
    calls,
    state,
    /** Back to answering every start with an execution. */
    reset() {
      calls.length = 0
      state.answer = started
    },
  }
}
