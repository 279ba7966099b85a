import type { FastifyError } from 'fastify'
import fp from 'fastify-plugin'
import { STATUS_CODES } from 'node:http'
import { AppError } from '../../services/shared/app-error.ts'

function body(statusCode: number, code: string, message: string) {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message, code }
}

/** Fastify's own request errors, by code, with the stable codes clients rely on. */
const FRAMEWORK_CODES: Record<string, { statusCode: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { statusCode: 413, code: 'BODY_TOO_LARGE' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    statusCode: 415,
    code: 'UNSUPPORTED_CONTENT_TYPE',
    message: 'Send the request body as application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    statusCode: 400,
    code: 'VALIDATION',
    message: 'The request body is empty',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    statusCode: 400,
    code: 'MALFORMED_JSON',
    message: 'The request body is not valid JSON',
  },
}

/**
 * One error shape for the whole API: `{statusCode, error, message, code}`. Server errors
 * are logged with their cause and answered without it.
 */
export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
      if (error instanceof AppError) {
        if (error.statusCode >= 500) request.log.warn({ err: error.cause ?? error }, error.message)
        return reply
          .status(error.statusCode)
          .send(body(error.statusCode, error.code, error.message))
      }
      if (error.validation) {
        const first = error.validation[0]
        const where = `${error.validationContext ?? 'request'}${first?.instancePath ?? ''}`
        // ajv's `verbose` adds the failing schema; Fastify's error type does not list it.
        const described = (first as { parentSchema?: { description?: string } } | undefined)
          ?.parentSchema?.description
        const detail =
          first?.keyword === 'additionalProperties'
            ? `has an unknown property "${String(first.params.additionalProperty)}"`
            : first?.keyword === 'pattern' && described
              ? `must be ${described}`
              : first?.keyword === 'enum'
                ? `must be one of ${(first.params.allowedValues as unknown[]).join(', ')}`
                : (first?.message ?? 'is invalid')
        return reply.status(400).send(body(400, 'VALIDATION', `${where} ${detail}`))
      }
      const known = error.code ? FRAMEWORK_CODES[error.code] : undefined
      if (known) {
        return reply
          .status(known.statusCode)
          .send(body(known.statusCode, known.code, known.message ?? error.message))
      }
      if (error.statusCode && error.statusCode < 500) {
        return reply
          .status(error.statusCode)
          .send(body(error.statusCode, 'BAD_REQUEST', error.message))
      }
      request.log.error({ err: error }, 'unhandled error')
      return reply.status(500).send(body(500, 'INTERNAL', 'Something went wrong on our side'))
    })
  },
  { name: 'error-handler' },
)
