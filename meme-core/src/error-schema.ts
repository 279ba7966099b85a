import { Type, type Static } from 'typebox'

/**
 * Every `code` the API answers with, and when. The README's list of codes is checked against
 * this one (api/test/error-codes.test.ts), and the error handler takes only these.
 */
export const ERROR_CODES = {
  VALIDATION: 'the request does not match the route’s schema; the message names the field',
  MALFORMED_JSON: 'the body is not valid JSON',
  BODY_TOO_LARGE: 'the body is larger than the route takes',
  UNSUPPORTED_CONTENT_TYPE: 'the body is not of a type the route takes (JSON, mostly)',
  BAD_URL: 'the URL cannot be decoded (a malformed %-escape)',
  HEADERS_TOO_LARGE: 'the request’s headers are larger than the server takes (431)',
  BAD_REQUEST: 'any other malformed request',
  BAD_FILENAME: 'the upload’s file name is empty, too long or has no allowed extension',
  UNSUPPORTED_MEDIA: 'the picture is not a JPEG, PNG, WebP or GIF',
  IMAGE_NOT_FOUND: 'no upload with that key',
  IMAGE_TOO_LARGE: 'the picture has more pixels or bytes than allowed',
  IMAGE_UNREADABLE: 'the picture’s bytes cannot be decoded',
  TEXT_DOES_NOT_FIT: 'a caption would be smaller than the minimum size in its box',
  OUTPUT_TOO_LARGE: 'the finished image would not fit in Lambda’s 6 MB answer',
  SHARE_NOT_FOUND: 'no share with that id',
  JOB_NOT_FOUND: 'no job with that id',
  JOB_LOST: 'a job made no progress for 10 minutes (in a job’s error, not an HTTP answer)',
  SIGNATURE_INVALID: 'a webhook delivery’s X-Hub-Signature-256 does not match the hook’s secret',
  BAD_DELIVERY: 'a webhook delivery lacks X-GitHub-Delivery or X-GitHub-Event',
  BAD_PAYLOAD: 'a webhook payload lacks what its event has',
  HOOK_NOT_FOUND: 'no webhook with that id',
  HOOK_READ_ONLY: 'the default webhook is set by GITHUB_WEBHOOK_SECRET and cannot be changed',
  DELIVERY_NOT_FOUND: 'the webhook has no delivery with that id',
  DELIVERY_NOT_REPLAYABLE: 'the delivery’s signature failed or its payload was cut when kept',
  ARCHIVE_DOWNLOAD_FAILED: 'GitHub’s zip of the pushed commit could not be downloaded whole',
  STORAGE_UNAVAILABLE: 'S3 could not be reached or refused the app’s credentials',
  BUSY: 'more renders arrived than fit in memory; try again after Retry-After',
  NOT_FOUND: 'no such route',
  INTERNAL: 'something went wrong on the server; the details are in its log',
} as const
export type ErrorCode = keyof typeof ERROR_CODES

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
export type GatewayErrorBody = Static<typeof GatewayErrorSchema>
