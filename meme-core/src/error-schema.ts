import { Type, type Static } from 'typebox'

/**
 * Every `code` the API answers with. The README's table says when each is sent and is checked
 * against this list (api/test/error-codes.test.ts); `AppError` takes only these.
 */
export const ERROR_CODES = [
  'VALIDATION',
  'MALFORMED_JSON',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_CONTENT_TYPE',
  'BAD_URL',
  'HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT',
  'BAD_REQUEST',
  'BAD_FILENAME',
  'UNSUPPORTED_MEDIA',
  'IMAGE_NOT_FOUND',
  'IMAGE_TOO_LARGE',
  'IMAGE_UNREADABLE',
  'IMAGE_TRUNCATED',
  'IMAGE_TOO_SMALL',
  'IMAGE_ASPECT_RATIO',
  'TEXT_DOES_NOT_FIT',
  'NOT_ACCEPTABLE',
  'OUTPUT_TOO_LARGE',
  'SHARE_NOT_FOUND',
  'BAD_IMAGE_URL',
  'TEMPLATE_NOT_FOUND',
  'TEMPLATE_EDIT_FORBIDDEN',
  'TEMPLATE_READ_ONLY',
  'JOB_NOT_FOUND',
  'JOB_LOST',
  'SIGNATURE_INVALID',
  'BAD_DELIVERY',
  'BAD_PAYLOAD',
  'HOOK_NOT_FOUND',
  'HOOK_READ_ONLY',
  'DELIVERY_NOT_FOUND',
  'DELIVERY_NOT_REPLAYABLE',
  'ARCHIVE_DOWNLOAD_FAILED',
  'STORAGE_UNAVAILABLE',
  'CONFLICT',
  'BUSY',
  'NOT_FOUND',
  'INTERNAL',
] as const
export type ErrorCode = (typeof ERROR_CODES)[number]

/** Fastify's error shape, with a stable upper-case `code` clients can branch on. */
export const ErrorSchema = Type.Object(
  {
    statusCode: Type.Integer(),
    error: Type.String(),
    message: Type.String(),
    code: Type.String({ examples: ['VALIDATION', 'IMAGE_NOT_FOUND'] }),
  },
  { $id: 'Error', description: 'An error with a stable code' },
)
export type ErrorBody = Static<typeof ErrorSchema>

/** What API Gateway (and the API-key guard) answers a refused request with. */
export const GatewayErrorSchema = Type.Object(
  { message: Type.String({ examples: ['Forbidden', 'Too Many Requests', 'Limit Exceeded'] }) },
  {
    description:
      'An API Gateway error: 403 "Forbidden" (API key missing or unknown), 429 "Too Many ' +
      'Requests" (over the rate or burst) or 429 "Limit Exceeded" (quota spent for the period); ' +
      'the x-amzn-ErrorType header names it',
  },
)
