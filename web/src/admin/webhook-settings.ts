import type { Hook, HookCreate } from '@meme-studio/meme-core/schema'

/** What the New hook and Edit forms send: every setting, so an edit sends them all too. */
export type WebhookSettings = Required<HookCreate>

/** The New hook / Edit form as typed. */
export interface WebhookForm {
  name: string
  /** Comma-separated; empty: every branch. */
  branches: string
  prefix: string
  stripRoot: boolean
}

export const EMPTY_WEBHOOK_FORM: Readonly<WebhookForm> = {
  name: '',
  branches: '',
  prefix: '',
  stripRoot: true,
}

export function webhookForm(hook: Hook): WebhookForm {
  return {
    name: hook.name,
    branches: hook.branches.join(', '),
    prefix: hook.prefix,
    stripRoot: hook.stripRoot,
  }
}

/**
 * The settings a form asks for, or the sentence saying what to fix. The prefix is a folder:
 * `builds` becomes `builds/`, so archives land at `builds/{owner}/{repo}/{branch}.zip`.
 */
export function readWebhookForm(
  form: WebhookForm,
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
  return { settings: { name, branches, prefix, stripRoot: form.stripRoot } }
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
