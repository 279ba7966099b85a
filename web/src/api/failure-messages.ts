import type { ErrorCode } from '@meme-studio/meme-core/schema'
import { formatBytes } from '@/picture/picture-check.ts'

/**
 * A failure already put into words a person understands. `code` is the API's or S3's
 * machine-readable code, kept so the app can react to it; it is never shown.
 */
export class UserFacingError extends Error {
  override readonly name = 'UserFacingError'
  readonly code: string | undefined

  constructor(message: string, code?: string) {
    super(message)
    this.code = code
  }
}

export const NETWORK_FAILURE = "We couldn't reach meme-studio. Check your connection and try again."
export const SERVER_TIMEOUT = 'The server took too long to answer. Please try again.'
export const UNREADABLE_ANSWER =
  "The server sent an answer we couldn't read. Please try again in a moment."
export const STORAGE_UNREACHABLE =
  "We couldn't reach the storage service. Check your connection and try again."
export const UPLOAD_TIMED_OUT =
  'The upload took too long and was cut off. Check your connection and try again.'
const UNEXPECTED_FAILURE = 'Something went wrong on our side. Please try again.'
const SERVER_UNAVAILABLE =
  "The meme-studio server isn't available right now. Please try again in a moment."
const TOO_MUCH_SENT = 'That was too much to send at once. Try shorter captions and try again.'
const REFUSED = 'The server refused the request. Reload the page and try again.'
const THROTTLED = 'Too many memes at once! Wait a moment and try again.'
const QUOTA_REACHED = "Today's limit for making memes has been reached. Please try again later."

/** Sentences for the API's stable error codes (`{statusCode, error, message, code}`). */
const API_CODE_SENTENCES: Partial<Record<ErrorCode, string>> = {
  BAD_FILENAME:
    "The picture's file name can't be used. Rename it to something like picture.jpg and try again.",
  UNSUPPORTED_MEDIA: "That file isn't a picture we can use. Choose a JPEG, PNG, WebP or GIF.",
  VALIDATION: "Some of the captions weren't accepted. Check the text and try again.",
  IMAGE_NOT_FOUND:
    "The uploaded picture couldn't be found any more. Try again to upload it once more.",
  IMAGE_TOO_LARGE:
    'That picture is too large for us to render. Choose a smaller one and try again.',
  IMAGE_UNREADABLE:
    "That picture seems to be damaged, so we couldn't read it. Choose another one and try again.",
  OUTPUT_TOO_LARGE:
    'The finished meme would be too big to send back. Choose a smaller picture and try again.',
  STORAGE_UNAVAILABLE:
    "The picture storage isn't available right now. Please try again in a moment.",
  TEXT_DOES_NOT_FIT:
    "Some text doesn't fit its box, even at the smallest size. Make that box bigger or the text shorter, then try again.",
  TEMPLATE_NOT_FOUND:
    "That template isn't there any more; it may have been deleted. Choose another one.",
  BUSY: 'meme-studio is busy right now. Please try again in a moment.',
  BODY_TOO_LARGE: TOO_MUCH_SENT,
  INTERNAL: UNEXPECTED_FAILURE,
}

/** Gateway-style errors (`{"message": ...}`), as API Gateway and the local usage plan send. */
const GATEWAY_MESSAGE_SENTENCES: Record<string, string> = {
  Forbidden: REFUSED,
  'Too Many Requests': THROTTLED,
  'Limit Exceeded': QUOTA_REACHED,
}

function describeHttpStatus(status: number): string {
  if (status === 408 || status === 504) return SERVER_TIMEOUT
  if (status === 413) return TOO_MUCH_SENT
  if (status === 429) return THROTTLED
  if (status === 403) return REFUSED
  if (status === 404) {
    return "The meme-studio service wasn't found at this address. Please try again later."
  }
  if (status === 502 || status === 503) return SERVER_UNAVAILABLE
  if (status >= 500) return UNEXPECTED_FAILURE
  return "The server didn't accept that request. Check your picture and captions and try again."
}

/**
 * The body's `code`, typed as the API's codes so that a sentence or a comparison for a code
 * the API never sends fails typecheck. Any other string (a proxy's) only misses the lookups.
 */
function apiCode(body: Record<string, unknown> | undefined): ErrorCode | undefined {
  return typeof body?.code === 'string' ? (body.code as ErrorCode) : undefined
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return value !== null && typeof value === 'object'
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** Turns an API error response, JSON or not (a proxy's HTML 502 page), into a sentence. */
export function apiFailure(status: number, body: string): UserFacingError {
  const parsed = parseJsonObject(body)
  const code = apiCode(parsed)
  const codeSentence = code === undefined ? undefined : API_CODE_SENTENCES[code]
  if (codeSentence) return new UserFacingError(codeSentence, code)
  const gatewayMessage = typeof parsed?.message === 'string' ? parsed.message : undefined
  const gatewaySentence =
    code === undefined && gatewayMessage !== undefined
      ? GATEWAY_MESSAGE_SENTENCES[gatewayMessage]
      : undefined
  if (gatewaySentence) return new UserFacingError(gatewaySentence, gatewayMessage)
  return new UserFacingError(describeHttpStatus(status), code ?? `HTTP_${status}`)
}

/** The sentence that sends a person back to the API-key form: API Gateway's 403 `Forbidden`. */
export const ADMIN_KEY_REFUSED =
  "That API key wasn't accepted: the server doesn't know it, or it is no longer valid. Check the key and enter it again."
const ADMIN_THROTTLED =
  'Too many requests with this API key in a short time. Wait a few seconds and try again.'
const ADMIN_QUOTA_REACHED =
  'This API key has used up its request quota for the period. Try again once the quota resets, or use another key.'
const ADMIN_TOO_MUCH_SENT =
  "That's more than the server accepts in one request. Shorten the payload or body and try again."
const ADMIN_TOOL_MISSING =
  "This server doesn't offer that admin tool. It may be running an older version of meme-studio."

/**
 * The admin routes' gateway answers. API Gateway answers a path it has no route for with
 * 403 `Missing Authentication Token`: that is a missing tool, not a refused key.
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 */
const ADMIN_GATEWAY_SENTENCES: Record<string, string> = {
  Forbidden: ADMIN_KEY_REFUSED,
  'Too Many Requests': ADMIN_THROTTLED,
  'Limit Exceeded': ADMIN_QUOTA_REACHED,
  'Missing Authentication Token': ADMIN_TOOL_MISSING,
}

/** A request field's name as the admin page labels it, e.g. `clientid` → `Client ID`. */
export type FieldLabels = Readonly<Record<string, string>>

function asSentence(text: string): string {
  const trimmed = text.trim()
  const capitalised = trimmed.charAt(0).toUpperCase() + trimmed.slice(1)
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`
}

/**
 * A VALIDATION message names the field it refuses (`body/clientid must NOT have fewer
 * than 1 characters`, `body must have required property 'callback'`): say it with the
 * page's label for that field.
 */
function validationSentence(message: string, labels: FieldLabels): string {
  const label = (field: string) => labels[field] ?? field
  const required = /^body must have required property '([^']+)'$/.exec(message)
  if (required) return `${label(required[1]!)} is required.`
  const field = /^body\/([^\s/]+)(\S*) (.+)$/.exec(message)
  if (field) return asSentence(`${label(field[1]!)}${field[2]} ${field[3]}`)
  const detail = asSentence(message.replace(/^body /, 'the request '))
  return `The server didn't accept the form: ${detail.charAt(0).toLowerCase()}${detail.slice(1)}`
}

/**
 * Turns an admin route's error response into a sentence. The admin tools are for the
 * people who run the service: where the API explains a refusal (a field it rejects, an
 * input it cannot use) its explanation is shown; 5xx answers still never show theirs.
 */
export function adminApiFailure(
  status: number,
  body: string,
  labels: FieldLabels = {},
): UserFacingError {
  const parsed = parseJsonObject(body)
  const code = apiCode(parsed)
  const message = typeof parsed?.message === 'string' ? parsed.message : undefined
  if (code === undefined && message !== undefined && ADMIN_GATEWAY_SENTENCES[message]) {
    return new UserFacingError(ADMIN_GATEWAY_SENTENCES[message], message)
  }
  if (status === 429) return new UserFacingError(ADMIN_THROTTLED, code ?? `HTTP_${status}`)
  // A 404 naming what is missing (`HOOK_NOT_FOUND`) is about that thing, not the route.
  if (code === 'NOT_FOUND' || (status === 404 && (code === undefined || !message))) {
    return new UserFacingError(ADMIN_TOOL_MISSING, code ?? `HTTP_${status}`)
  }
  // A refusal of one field (VALIDATION, or one too large for the tool) names it.
  if (code && message && (code === 'VALIDATION' || message.startsWith('body/'))) {
    return new UserFacingError(validationSentence(message, labels), code)
  }
  if (status === 413) return new UserFacingError(ADMIN_TOO_MUCH_SENT, code ?? `HTTP_${status}`)
  if (status >= 400 && status < 500 && code !== undefined && message) {
    return new UserFacingError(asSentence(message), code)
  }
  return apiFailure(status, body)
}

/** Whether a failure means the API key was refused, and the person must enter one again. */
export function isKeyRefusal(error: unknown): boolean {
  return error instanceof UserFacingError && error.code === 'Forbidden'
}

function uploadTooLarge(maxBytes: number | undefined): string {
  return maxBytes
    ? `That picture is larger than the upload limit of ${formatBytes(maxBytes)}. Choose a smaller one.`
    : 'That picture is larger than the upload limit. Choose a smaller one.'
}

const STORAGE_BUSY = 'The storage service is busy right now. Please try again in a moment.'

/**
 * Sentences for the S3 error codes a browser POST upload can meet.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
 */
function s3CodeSentence(code: string, maxBytes: number | undefined): string | undefined {
  switch (code) {
    case 'EntityTooLarge':
      return uploadTooLarge(maxBytes)
    case 'EntityTooSmall':
      return 'That file is empty. Choose a picture with something in it.'
    case 'AccessDenied':
    case 'ExpiredToken':
      return 'The storage service refused the upload; its permission may have expired. Please try again.'
    case 'InvalidPolicyDocument':
    case 'SignatureDoesNotMatch':
    case 'InvalidAccessKeyId':
      return "The upload permission wasn't valid. Please try again; if it keeps happening, the storage settings need fixing."
    case 'NoSuchBucket':
      return "The picture storage isn't set up, so the upload couldn't be saved. Please try again later."
    case 'RequestTimeout':
      return UPLOAD_TIMED_OUT
    case 'SlowDown':
    case 'ServiceUnavailable':
    case 'InternalError':
      return STORAGE_BUSY
    default:
      return undefined
  }
}

/** The `<Code>` of an S3 XML error body, if the body is one. */
export function readS3ErrorCode(body: string): string | undefined {
  if (!body.trim().startsWith('<')) return undefined
  const document = new DOMParser().parseFromString(body, 'application/xml')
  const code = document.getElementsByTagName('Code')[0]?.textContent?.trim()
  return code || undefined
}

/**
 * Turns a failed browser upload to S3 into a sentence. Status 0 is what XMLHttpRequest
 * reports for network and CORS failures, which scripts cannot tell apart.
 */
export function s3UploadFailure(status: number, body: string, maxBytes?: number): UserFacingError {
  if (status === 0) return new UserFacingError(STORAGE_UNREACHABLE, 'NETWORK')
  const code = readS3ErrorCode(body)
  const sentence = code === undefined ? undefined : s3CodeSentence(code, maxBytes)
  if (sentence) return new UserFacingError(sentence, code)
  if (status === 413) return new UserFacingError(uploadTooLarge(maxBytes), code)
  if (status >= 500) return new UserFacingError(STORAGE_BUSY, code)
  return new UserFacingError(
    'The storage service refused the upload. Please try again.',
    code ?? `HTTP_${status}`,
  )
}

/** The sentence to show for anything thrown; unexpected errors never show their own text. */
export function failureSentence(error: unknown): string {
  if (error instanceof UserFacingError) return error.message
  console.error(error)
  return UNEXPECTED_FAILURE
}
