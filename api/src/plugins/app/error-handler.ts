import type { Socket } from 'node:net'
import { STATUS_CODES } from 'node:http'
import type { ErrorCode } from '@meme-studio/meme-core/schema'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { AppError, errorBody, INTERNAL_MESSAGE } from '../../services/shared/app-error.ts'

/** Fastify's own request errors, by code, with the stable codes clients rely on. */
const FRAMEWORK_CODES: Record<string, { statusCode: number; code: ErrorCode; message?: string }> = {
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
  FST_ERR_BAD_URL: {
    statusCode: 400,
    code: 'BAD_URL',
    message: 'The URL has a malformed %-escape',
  },
}

/** Another client error's code, by its status. */
const CODES_BY_STATUS: Record<number, ErrorCode> = {
  404: 'NOT_FOUND',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_CONTENT_TYPE',
  431: 'HEADERS_TOO_LARGE',
}

/** The words ajv's first complaint puts a field's problem in. */
function validationMessage(error: FastifyError): string {
  const first = error.validation?.[0]
  const where = `${error.validationContext ?? 'request'}${first?.instancePath ?? ''}`
  // ajv's `verbose` adds the failing schema; Fastify's error type does not list it.
  const described = (first as { parentSchema?: { description?: string } } | undefined)?.parentSchema
    ?.description
  const detail =
    first?.keyword === 'additionalProperties'
      ? `has an unknown property "${String(first.params.additionalProperty)}"`
      : first?.keyword === 'pattern' && described
        ? `must be ${described}`
        : first?.keyword === 'enum'
          ? `must be one of ${(first.params.allowedValues as unknown[]).join(', ')}`
          : (first?.message ?? 'is invalid')
  return `${where} ${detail}`
}

/**
 * Any error as the AppError a client is answered with: ours as they are, Fastify's with the
 * stable codes, and anything unforeseen as a 500 `INTERNAL` whose cause stays in the log.
 */
export function asAppError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error
  if (error.validation) return new AppError(400, 'VALIDATION', validationMessage(error))
  const known = error.code ? FRAMEWORK_CODES[error.code] : undefined
  if (known) return new AppError(known.statusCode, known.code, known.message ?? error.message)
  const status = error.statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError(status, CODES_BY_STATUS[status] ?? 'BAD_REQUEST', error.message)
  }
  return new AppError(500, 'INTERNAL', INTERNAL_MESSAGE, { cause: error })
}

/** Answers any error with the one error body. */
export function sendError(
  error: FastifyError | AppError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const answer = asAppError(error)
  if (answer.code === 'INTERNAL') request.log.error({ err: error }, 'unhandled error')
  else if (answer.statusCode >= 500)
    request.log.warn({ err: answer.cause ?? answer }, answer.message)
  return reply.status(answer.statusCode).send(errorBody(answer))
}

/**
 * Errors Node's HTTP parser meets before Fastify has a request (headers too large, a
 * malformed request line, a timeout), answered on the socket with the same body as any other.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const [statusCode, code]: [number, ErrorCode] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'HEADERS_TOO_LARGE']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST_TIMEOUT']
        : [400, 'BAD_REQUEST']
  const message =
    statusCode === 431
      ? 'The request headers are larger than the server takes'
      : statusCode === 408
        ? 'The request took too long to arrive'
        : 'The request is not valid HTTP'
  const body = JSON.stringify(errorBody(new AppError(statusCode, code, message)))
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\nConnection: close\r\n` +
        `Content-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    )
  }
  socket.destroy(error)
}

/** One error shape for the whole API: `{statusCode, error, message, code}` (see `errorBody`). */
export default fp(
  async (app) => {
    app.setErrorHandler(sendError)
  },
  { name: 'error-handler' },
)
