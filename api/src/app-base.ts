import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, {
  type FastifyInstance,
  type FastifyPluginCallback,
  type FastifyServerOptions,
} from 'fastify'
import type { AppConfig } from './config.ts'
import apiKeys from './plugins/app/api-keys.ts'
import errorHandler, { answerClientError, sendError } from './plugins/app/error-handler.ts'
import invocations from './plugins/app/invocations.ts'
import notifier from './plugins/app/notifier.ts'
import queues from './plugins/app/queues.ts'
import records from './plugins/app/records.ts'
import hookSecrets from './plugins/app/hook-secrets.ts'
import storage from './plugins/app/storage.ts'
import validation, { serializersOnFirstUse } from './plugins/app/validation.ts'
import securityHeaders, { storageOrigins } from './plugins/external/security-headers.ts'
import compression from './plugins/external/compression.ts'
import webApp from './plugins/external/web-app.ts'
import { ErrorSchema } from '@meme-studio/meme-core/schema'
import { redactUrl, serializeRequest } from './services/access/log-redaction.ts'
import { routeNotFound } from './services/shared/app-error.ts'
import type { ObjectChanges } from './services/storage/object-changes.ts'

/** What each function's routes are registered with. */
export interface FunctionOptions {
  config: AppConfig
  /** The clock the usage plan counts by. */
  now?: () => number
  /** AppOptions' `objectChanges`. */
  objectChanges?: ObjectChanges
  /** AppOptions' `trimAfterIdleMs`. */
  trimAfterIdleMs?: number
}

/** One Lambda function's routes (`functions/render.ts`, `functions/control.ts`): a plugin. */
export type FunctionRoutes = FastifyPluginCallback<FunctionOptions>

export interface AppOptions {
  /** The built SPA to serve at `/`; the API alone when unset. */
  webRoot?: string
  logger?: FastifyServerOptions['logger']
  /** The clock the usage plan counts by (ms since the epoch); tests pass a fake one. */
  now?: () => number
  /**
   * What the store of uploads says of its objects as they change, when every write to it
   * passes through this process (`pnpm start`'s embedded S3): a picture decoded before is
   * then used without asking S3 for its ETag first. Unset, the app asks, as on AWS.
   */
  objectChanges?: ObjectChanges
  /**
   * Once no render has run for this long (ms), glibc gives back the memory it kept from them
   * (`malloc_trim`, services/meme/native-memory.ts): `pnpm start` asks for it. Unset, never: a
   * Lambda function's memory is its allocator settings' to keep (infra's renderMemory), and a
   * timer there would fire in a later invocation, or in a frozen instance never.
   */
  trimAfterIdleMs?: number
}

/**
 * API keys never reach the logs, whatever the serializers: not in the request headers, nor in
 * a logged URL's query string (`?api_key=…`, services/access/log-redaction.ts).
 */
function redactingApiKeys(logger: AppOptions['logger']): AppOptions['logger'] {
  if (!logger) return false
  const options = logger === true ? {} : logger
  const { redact, serializers } = options
  const paths = ['req.headers["x-api-key"]']
  const serializeGiven = serializers?.req
  return {
    ...options,
    redact: Array.isArray(redact)
      ? [...redact, ...paths]
      : redact
        ? { ...redact, paths: [...redact.paths, ...paths] }
        : paths,
    serializers: {
      ...serializers,
      req: (request) => {
        const logged = serializeGiven ? serializeGiven(request) : serializeRequest(request)
        return typeof logged?.url === 'string' ? { ...logged, url: redactUrl(logged.url) } : logged
      },
    },
  }
}

/**
 * The app with the routes of the functions given: the plugins every function has (validation,
 * errors, S3, records, queues, Discord, API keys), then each function's routes, then the 404.
 * Each Lambda entry imports only its own function's routes, so its bundle holds nothing of the
 * other's.
 */
export async function buildAppWith(
  config: AppConfig,
  functions: FunctionRoutes[],
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: redactingApiKeys(options.logger),
    // Lambda and API Gateway cap a request at 6 MB / 10 MB; nothing here needs more than 1 MB.
    bodyLimit: 1024 * 1024,
    // Errors met before a route runs get the same body as every other.
    frameworkErrors: sendError,
    clientErrorHandler: answerClientError,
    schemaController: { compilersFactory: { buildSerializer: serializersOnFirstUse() } },
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.addSchema(ErrorSchema)
  // The API speaks JSON; any other body type is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain')
  await app.register(securityHeaders, { storageOrigins: storageOrigins(config) })
  await app.register(validation)
  await app.register(errorHandler)
  await app.register(invocations)
  await app.register(storage, { settings: config.s3 })
  await app.register(records, { settings: config.dynamodb, table: config.recordsTable })
  await app.register(hookSecrets, { key: config.hookSecretsKey })
  await app.register(queues, { settings: config.queues })
  await app.register(notifier, { config })
  await app.register(apiKeys, { config, now: options.now })
  // With the SPA, this is the local server: it compresses what CloudFront would (before the
  // routes, whose answers it hooks into).
  if (options.webRoot) await app.register(compression)
  for (const routes of functions) {
    const { now, objectChanges, trimAfterIdleMs } = options
    await app.register(routes, { config, now, objectChanges, trimAfterIdleMs })
  }

  if (options.webRoot) await app.register(webApp, { root: options.webRoot })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    const wantsPage =
      options.webRoot &&
      (request.method === 'GET' || request.method === 'HEAD') &&
      !path.startsWith('/api/') &&
      path !== '/api' &&
      (request.headers.accept ?? '').includes('text/html')
    // `/` itself is index.html, the editor's page, which names the editor's chunks for the
    // browser to fetch at once; every other client-side route gets the same page without them
    // (web/build/editor-page.ts).
    if (wantsPage) return reply.header('cache-control', 'no-cache').sendFile('app.html')
    throw routeNotFound(request)
  })

  return app
}
