import { STATUS_CODES } from 'node:http'
import type { ErrorBody, ErrorCode } from '@meme-studio/meme-core/schema'

/**
 * An error a client can act on: a status code and a stable upper-case code from the
 * contract's list (`ERROR_CODES`). `errorBody` turns it into the answer.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'AppError'
  }
}

/** A request that matched no route. */
export function routeNotFound(request: { method: string; url: string }): AppError {
  const path = request.url.split('?')[0] ?? ''
  return new AppError(404, 'NOT_FOUND', `Route ${request.method} ${path} not found`)
}

/** The message a client gets for anything we did not foresee: never the cause. */
export const INTERNAL_MESSAGE = 'Something went wrong on our side'

/**
 * The one place the error body `{statusCode, error, message, code}` is built: what the error
 * handler answers, and what a webhook delivery's record says it was answered.
 */
export function errorBody(error: unknown): ErrorBody {
  const known = error instanceof AppError ? error : new AppError(500, 'INTERNAL', INTERNAL_MESSAGE)
  return {
    statusCode: known.statusCode,
    error: STATUS_CODES[known.statusCode] ?? 'Error',
    message: known.message,
    code: known.code,
  }
}
