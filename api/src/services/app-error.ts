/**
 * An error a client can act on: a status code and a stable upper-case code. The one
 * error handler turns it into Fastify's error shape `{statusCode, error, message, code}`.
 */
export class AppError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = 'AppError'
  }
}
