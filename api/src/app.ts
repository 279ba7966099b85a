import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { AppConfig } from './config.ts'
import apiKeys from './plugins/app/api-keys.ts'
import errorHandler, { answerClientError, sendError } from './plugins/app/error-handler.ts'
import memes from './plugins/app/memes.ts'
import notifier from './plugins/app/notifier.ts'
import storage from './plugins/app/storage.ts'
import validation from './plugins/app/validation.ts'
import swagger from './plugins/external/swagger.ts'
import webApp from './plugins/external/web-app.ts'
import adminRoutes from './routes/admin/index.ts'
import eventRoutes from './routes/events.ts'
import jobRoutes from './routes/jobs.ts'
import memeRoutes from './routes/memes.ts'
import shareRoutes, { sharePageRoutes } from './routes/shares.ts'
import storageRoutes from './routes/storage.ts'
import uploadRoutes from './routes/uploads.ts'
import webhookRoutes from './routes/webhooks.ts'
import { ErrorSchema } from '@meme-studio/meme-core/schema'
import { routeNotFound } from './services/shared/app-error.ts'

export interface AppOptions {
  /** The built SPA to serve at `/`; the API alone when unset. */
  webRoot?: string
  logger?: FastifyServerOptions['logger']
  /** The clock the usage plan counts by (ms since the epoch); tests pass a fake one. */
  now?: () => number
}

/** Request headers never reach the logs with an API key in them, whatever the serializers. */
function redactingApiKeys(logger: AppOptions['logger']): AppOptions['logger'] {
  if (!logger) return false
  const options = logger === true ? {} : logger
  const { redact } = options
  const paths = ['req.headers["x-api-key"]']
  return {
    ...options,
    redact: Array.isArray(redact)
      ? [...redact, ...paths]
      : redact
        ? { ...redact, paths: [...redact.paths, ...paths] }
        : paths,
  }
}

/** Builds the app from its config. No side effects: nothing listens, nothing is read from env. */
export async function buildApp(
  config: AppConfig,
  options: AppOptions = {},
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: redactingApiKeys(options.logger),
    // Lambda and API Gateway cap a request at 6 MB / 10 MB; nothing here needs more than 1 MB.
    bodyLimit: 1024 * 1024,
    // Errors met before a route runs get the same body as every other.
    frameworkErrors: sendError,
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>()

  app.addSchema(ErrorSchema)
  // The API speaks JSON; any other body type is a 415, not a string to validate.
  app.removeContentTypeParser('text/plain')
  await app.register(validation)
  await app.register(errorHandler)
  await app.register(storage, { settings: config.s3 })
  await app.register(notifier, { config })
  await app.register(memes, { config })
  await app.register(apiKeys, { config, now: options.now })
  await app.register(swagger)

  await app.register(
    async (api) => {
      await api.register(storageRoutes, { config })
      await api.register(uploadRoutes, { config })
      await api.register(memeRoutes)
      await api.register(shareRoutes, { config })
      await api.register(adminRoutes, { config, now: options.now, prefix: '/admin' })
      await api.register(jobRoutes, { config, prefix: '/jobs' })
      await api.register(webhookRoutes, { config, now: options.now, prefix: '/webhooks' })
      await api.register(eventRoutes, { config, prefix: '/events' })
    },
    { prefix: '/api' },
  )

  await app.register(sharePageRoutes, { config })

  if (options.webRoot) await app.register(webApp, { root: options.webRoot })

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? ''
    const wantsPage =
      options.webRoot &&
      (request.method === 'GET' || request.method === 'HEAD') &&
      !path.startsWith('/api/') &&
      path !== '/api' &&
      (request.headers.accept ?? '').includes('text/html')
    if (wantsPage) return reply.header('cache-control', 'no-cache').sendFile('index.html')
    throw routeNotFound(request)
  })

  return app
}
