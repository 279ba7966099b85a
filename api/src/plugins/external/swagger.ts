/**
 * How routes behind the API key are documented in the OpenAPI (`api-docs.ts`). Apart from the
 * docs plugin, so that the routes that use it load no part of it.
 */
import type { RouteOptions } from 'fastify'
import { GatewayErrorSchema } from '@meme-studio/meme-core/schema'

/** The scheme routes behind the API key name in their `security`. */
export const API_KEY_SECURITY = [{ apiKey: [] }]

/**
 * An `onRoute` hook for a scope behind the API key: its routes say so in the OpenAPI, with
 * the gateway's 403 and 429 answers.
 */
export function documentApiKey(route: RouteOptions): void {
  const declared = (route.schema?.response ?? {}) as Record<string, unknown>
  const response = { 403: GatewayErrorSchema, 429: GatewayErrorSchema, ...declared }
  route.schema = { ...route.schema, security: API_KEY_SECURITY, response }
}
