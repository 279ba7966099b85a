import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * What the checks of GitLab's, Bitbucket's and Gitee's deliveries answer, as
 * `verifyGithubSignature` does: which secret matched, or why none did.
 */
export type TokenCheck =
  | {
      verified: true
      /** Which secret matched: 0 the current one, 1 the previous. */ secret: number
    }
  | { verified: false; reason: string }

export type Headers = Record<string, string | string[] | undefined>

/** A header's one value; a repeated header counts as missing. */
export function singleHeader(headers: Headers, name: string): string | undefined {
  const value = headers[name]
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * The index of the first of `secrets` for which `matches` holds, trying every one, so the
 * time taken says nothing about which one came close; -1 when none does.
 */
export function firstMatch(secrets: readonly string[], matches: (secret: string) => boolean) {
  let matched = -1
  secrets.forEach((secret, index) => {
    if (matches(secret) && matched === -1) matched = index
  })
  return matched
}

/**
 * Whether two strings are equal, in a time that depends on neither: both are hashed first,
 * so `timingSafeEqual` always compares two 32-byte digests, whatever their lengths.
 */
export function sameText(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest()
  return timingSafeEqual(digest(given), digest(expected))
}
