import type { Hook, HookChange, HookCreate, HookProvider } from '@meme-studio/meme-core/schema'

/**
 * What the New hook form sends (every setting it shows), or the Edit form's changes: the
 * provider is fixed once a hook exists, and a blank access token leaves the one stored.
 */
export type WebhookSettings = HookChange & Pick<HookCreate, 'name' | 'provider'>

/** The New hook form's settings as the API takes them (it never removes a token). */
export function createSettings(settings: WebhookSettings): HookCreate {
  const { accessToken, ...rest } = settings
  return typeof accessToken === 'string' ? { ...rest, accessToken } : rest
}

/** The New hook / Edit form as typed. */
export interface WebhookForm {
  name: string
  provider: HookProvider
  /** Comma-separated; empty: every branch. */
  branches: string
  prefix: string
  stripRoot: boolean
  /** GitLab, Bitbucket and Gitee only; blank: the host's public site. */
  baseUrl: string
  /** Write-only: blank keeps the stored one (or none). */
  accessToken: string
  /** Edit form: remove the stored access token. */
  removeAccessToken: boolean
}

export const EMPTY_WEBHOOK_FORM: Readonly<WebhookForm> = {
  name: '',
  provider: 'github',
  branches: '',
  prefix: '',
  stripRoot: true,
  baseUrl: '',
  accessToken: '',
  removeAccessToken: false,
}

/** What each Git host is called, and what the hook form and its setup steps say about it. */
export interface HostSetup {
  label: string
  /** The public site, the base URL left blank stands for. */
  publicUrl?: string
  /** Where in the host's pages a repository's webhooks are. */
  where: string
  /** The button that starts a new webhook there. */
  add: string
  urlField: string
  secretField: string
  /** Which events to tick. */
  events: string
  /** The host's own way to try the hook, if it has one. */
  test: string
  /** What the access token is on that host. */
  token: string
}

/**
 * @see https://docs.github.com/en/webhooks/using-webhooks/creating-webhooks
 * @see https://docs.gitlab.com/user/project/integrations/webhooks/#configure-webhooks
 * @see https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/
 * @see https://help.gitee.com/webhook/gitee-webhook-push-data-format
 */
export const HOST_SETUP: Record<HookProvider, HostSetup> = {
  github: {
    label: 'GitHub',
    where: 'the repository on GitHub: Settings → Webhooks',
    add: 'Add webhook',
    urlField: 'Payload URL',
    secretField: 'Secret',
    events: 'Which events: Just the push event',
    test: 'GitHub sends a ping when the webhook is added; Ping here sends one too.',
    token: 'the server’s GITHUB_TOKEN',
  },
  gitlab: {
    label: 'GitLab',
    publicUrl: 'https://gitlab.com',
    where: 'the project on GitLab: Settings → Webhooks',
    add: 'Add new webhook',
    urlField: 'URL',
    secretField: 'Secret token',
    events: 'Trigger: Push events (all branches; this hook archives only its own branches)',
    test: 'GitLab’s Test → Push events sends your latest push: it is archived. Ping here only checks the URL and the secret token.',
    token: 'a personal, project or group access token with read_repository, sent as PRIVATE-TOKEN',
  },
  bitbucket: {
    label: 'Bitbucket',
    publicUrl: 'https://bitbucket.org',
    where: 'the repository on Bitbucket: Repository settings → Webhooks',
    add: 'Add webhook',
    urlField: 'URL',
    secretField: 'Secret',
    events: 'Triggers: Repository push',
    test: 'Bitbucket has no test button: push to a branch. Ping here only checks the URL and the secret.',
    token: 'a repository access token (Bearer), or username:app-password',
  },
  gitee: {
    label: 'Gitee',
    publicUrl: 'https://gitee.com',
    where: 'the repository on Gitee: 管理 (Manage) → WebHooks',
    add: '添加 webHook (Add webHook)',
    urlField: 'URL',
    secretField: 'WebHook 密码/签名密钥 (password or signing key; either mode works)',
    events: '选择事件 (Events): Push',
    test: 'Gitee’s 测试 (Test) sends a push: it is archived. Ping here only checks the URL and the secret.',
    token: 'a Gitee private token (access_token)',
  },
}

export function webhookForm(hook: Hook): WebhookForm {
  return {
    name: hook.name,
    provider: hook.provider,
    branches: hook.branches.join(', '),
    prefix: hook.prefix,
    stripRoot: hook.stripRoot,
    baseUrl: hook.provider === 'github' ? '' : hook.baseUrl,
    accessToken: '',
    removeAccessToken: false,
  }
}

/**
 * The settings a form asks for, or the sentence saying what to fix. The prefix is a folder:
 * `builds` becomes `builds/`, so archives land at `builds/{owner}/{repo}/{branch}.zip`. With
 * `editing`, the provider is left out (it cannot change) and so is a blank access token.
 */
export function readWebhookForm(
  form: WebhookForm,
  editing = false,
): { settings: WebhookSettings } | { problem: string } {
  const name = form.name.trim()
  if (name === '') return { problem: 'Name is required: say what the hook is for.' }
  const branches = [
    ...new Set(
      form.branches
        .split(',')
        .map((branch) => branch.trim())
        .filter((branch) => branch !== ''),
    ),
  ]
  const folder = form.prefix.trim().replace(/^\/+/, '')
  const prefix = folder === '' || folder.endsWith('/') ? folder : `${folder}/`
  const settings: WebhookSettings = { name, branches, prefix, stripRoot: form.stripRoot }
  if (!editing) settings.provider = form.provider
  if (form.provider === 'github') return { settings }

  const base = form.baseUrl.trim().replace(/\/+$/, '')
  if (base !== '') {
    let url: URL | undefined
    try {
      url = new URL(base)
    } catch {
      url = undefined
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== base) {
      return {
        problem: `Base URL must be the address of your ${HOST_SETUP[form.provider].label} alone, such as https://gitlab.example.com (no path).`,
      }
    }
    settings.baseUrl = base
  } else if (editing) {
    settings.baseUrl = HOST_SETUP[form.provider].publicUrl
  }
  const token = form.accessToken.trim()
  if (/\s/.test(token)) return { problem: 'The access token cannot contain spaces.' }
  if (token !== '') settings.accessToken = token
  else if (editing && form.removeAccessToken) settings.accessToken = null
  return { settings }
}

/** Words GitHub and HTTP spell with capitals inside a header name. */
const SPELLINGS: Record<string, string> = { github: 'GitHub', id: 'ID' }

/** `x-github-event` as GitHub's docs write it: `X-GitHub-Event`. */
export function headerDisplayName(name: string): string {
  return name
    .split('-')
    .map((word) => SPELLINGS[word.toLowerCase()] ?? word.charAt(0).toUpperCase() + word.slice(1))
    .join('-')
}
