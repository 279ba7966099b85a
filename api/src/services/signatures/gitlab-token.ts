import {
  firstMatch,
  sameText,
  singleHeader,
  type Headers,
  type TokenCheck,
} from './provider-check.ts'

/**
 * GitLab's webhook secret: the "Secret token" set in the webhook's form comes back as it is in
 * `X-Gitlab-Token` on every delivery. It proves the sender knows the token; it does not sign
 * the body (use HTTPS).
 *
 * @see https://docs.gitlab.com/user/project/integrations/webhooks/#validate-requests-with-a-secret-token
 */
export function verifyGitlabToken(headers: Headers, secrets: readonly string[]): TokenCheck {
  const given = singleHeader(headers, 'x-gitlab-token')
  if (given === undefined) return { verified: false, reason: 'X-Gitlab-Token is missing' }
  const matched = firstMatch(secrets, (secret) => sameText(given, secret))
  return matched === -1
    ? { verified: false, reason: 'X-Gitlab-Token does not match the secret' }
    : { verified: true, secret: matched }
}
