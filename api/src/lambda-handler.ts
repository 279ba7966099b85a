/**
 * What both Lambda entry points share: the app behind API Gateway (REST payload v1 and HTTP
 * API payload v2), and the other invocations its plugins claim (`app.invocations`: queue
 * batches, Step Functions tasks), built at module load so a cold start pays for it once.
 */
import awsLambdaFastify from '@fastify/aws-lambda'
import { buildAppWith, type FunctionRoutes } from './app-base.ts'
import type { FastifyInstance } from 'fastify'
import { loadConfig, type AppConfig } from './config.ts'
import { resolveSecretEnv } from './lambda-secrets.ts'

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript)|[^;]*\+(json|xml))/i

/** A Lambda handler for the app with one function's routes, its app built and ready. */
export async function lambdaHandler(
  routes: FunctionRoutes,
  options: {
    /** Work at cold start once the app is ready (the control function moves old records). */
    afterReady?: (app: FastifyInstance, config: AppConfig) => Promise<unknown>
  } = {},
) {
  // Secrets Manager ARNs become values first, so a bad or unreadable secret fails the cold start.
  const config = loadConfig(await resolveSecretEnv(process.env))
  const app = await buildAppWith(config, [routes], { logger: { level: config.logLevel } })

  /** Anything that is not text travels base64-encoded, as API Gateway requires. */
  const handler = awsLambdaFastify(app, {
    enforceBase64: (response) => {
      const type = String(response.headers['content-type'] ?? '')
      const encoded = String(response.headers['content-encoding'] ?? 'identity') !== 'identity'
      return encoded || (type !== '' && !TEXT_TYPES.test(type))
    },
  })
  await app.ready()
  await options.afterReady?.(app, config)
  return async (event: unknown, context: unknown) => {
    const kind = app.invocations.find((candidate) => candidate.claims(event))
    if (kind) return kind.handle(event)
    return handler(event as Parameters<typeof handler>[0], context as Parameters<typeof handler>[1])
  }
}
