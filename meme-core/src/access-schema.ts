import { Type, type Static } from 'typebox'

export { API_KEY_SCOPES, scopeAllows, type ApiKeyScope } from './api-key-scope.ts'

export const ApiKeyScopeSchema = Type.Union(
  [Type.Literal('tools'), Type.Literal('jobs'), Type.Literal('admin')],
  { description: 'tools: the signature tools; jobs: the jobs API; admin: everything' },
)

/** `GET /api/admin/session`: which key this is and what it may use (any valid key may ask). */
export const KeySessionSchema = Type.Object(
  {
    keyId: Type.String({ description: 'Names the key without being it (a short hash)' }),
    scope: ApiKeyScopeSchema,
  },
  { additionalProperties: false },
)
export type KeySession = Static<typeof KeySessionSchema>
