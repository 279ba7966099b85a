import type { FastifyInstance } from 'fastify'
import { buildAppWith, type AppOptions, type FunctionRoutes } from './app-base.ts'
import type { AppConfig } from './config.ts'
import type { LambdaFunction } from './entry-points.ts'
import control from './functions/control.ts'
import render from './functions/render.ts'
import apiDocs from './plugins/external/api-docs.ts'

const FUNCTION_ROUTES: Record<LambdaFunction, FunctionRoutes> = { control, render }

/** Every route (the local server, the tests), or one Lambda function's. */
export type AppRoutes = 'all' | LambdaFunction

/**
 * Builds the app from its config. No side effects: nothing listens, nothing is read from env.
 * The Lambda entries build theirs with `buildAppWith` and their own function's routes only, so
 * that each bundle holds just what its function loads; this is the same app with a choice.
 *
 * The OpenAPI at /api/docs comes with every route only: it documents the routes registered
 * after it, so a function's would describe half the API, and the UI's file server would add
 * about a third to the control function's cold start.
 */
export async function buildApp(
  config: AppConfig,
  { routes = 'all', ...options }: AppOptions & { routes?: AppRoutes } = {},
): Promise<FastifyInstance> {
  const plugins =
    routes === 'all'
      ? [apiDocs, FUNCTION_ROUTES.control, FUNCTION_ROUTES.render]
      : [FUNCTION_ROUTES[routes]]
  return buildAppWith(config, plugins, options)
}
