/**
 * What an API key may use: `tools` the signature tools (HMAC and Apigee, SigV4, S3 policy),
 * `jobs` the jobs API, `admin` everything, these included. A key outside its scope gets API
 * Gateway's 403 `{"message":"Forbidden"}`, as an unknown key does. Apart from the schemas
 * (access-schema.ts), so that a page can ask what a key may use without loading TypeBox.
 */
export const API_KEY_SCOPES = ['tools', 'jobs', 'admin'] as const
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number]

/** Whether a key of scope `held` may use what needs `needed`: admin may use everything. */
export function scopeAllows(held: ApiKeyScope, needed: ApiKeyScope): boolean {
  return held === 'admin' || held === needed
}
