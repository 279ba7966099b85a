import type { FastifyInstance } from 'fastify'
import { buildAppWith, type AppOptions, type FunctionRoutes } from './app-base.ts'
import type { AppConfig } from './config.ts'
import type { LambdaFunction } from './entry-points.ts'
import control from './functions/control.ts'
import render from './functions/render.ts'

const FUNCTION_ROUTES: Record<LambdaFunction, FunctionRoutes> = { control, render }

/** Every route (the local server, the tests), or one Lambda function's. */
export type AppRoutes = 'all' | LambdaFunction

/**
 * Builds the app from its config. No side effects: nothing listens, nothing is read from env.
 * The Lambda entries build theirs with `buildAppWith` and their own function's routes only, so
 * that each bundle holds just what its function loads; this is the same app with a choice.
 */
export async function buildApp(
  config: AppConfig,
  { routes = 'all', ...options }: AppOptions & { routes?: AppRoutes } = {},
): Promise<FastifyInstance> {
  const functions: LambdaFunction[] = routes === 'all' ? ['control', 'render'] : [routes]
  return buildAppWith(
    config,
    functions.map((name) => FUNCTION_ROUTES[name]),
    options,
  )
}
