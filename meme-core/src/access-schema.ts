import { Type, type Static } from 'typebox'

/**
 * What an API key may use: `tools` the signature tools (HMAC and Apigee, SigV4, S3 policy),
 * `jobs` the jobs API, `admin` everything, these included. A key outside its scope gets API
 * Gateway's 403 `{"message":"Forbidden"}`, as an unknown key does.
 */
export const API_KEY_SCOPES = ['tools', 'jobs', 'admin'] as const

export const ApiKeyScopeSchema = Type.Union(
  [Type.Literal('tools'), Type.Literal('jobs'), Type.Literal('admin')],
  { description: 'tools: the signature tools; jobs: the jobs API; admin: everything' },
)
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number]

/** Whether a key of scope `held` may use what needs `needed`: admin may use everything. */
export function scopeAllows(held: ApiKeyScope, needed: ApiKeyScope): boolean {
  return held === 'admin' || held === needed
}

/** `GET /api/admin/session`: which key this is and what it may use (any valid key may ask). */
export const KeySessionSchema = Type.Object(
  {
    keyId: Type.String({ description: 'Names the key without being it (a short hash)' }),
    scope: ApiKeyScopeSchema,
  },
  { additionalProperties: false },
)
export type KeySession = Static<typeof KeySessionSchema>
