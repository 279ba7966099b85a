import { isImageType, type ImageType } from '@meme-studio/meme-core'
import type { Limits, MemeRequest, MemeResponse, SignedUpload } from '@meme-studio/meme-core/schema'
import {
  apiFailure,
  NETWORK_FAILURE,
  SERVER_TIMEOUT,
  UNREADABLE_ANSWER,
  UserFacingError,
} from './failure-messages.ts'

/** Rendering a large picture takes seconds; past this the person deserves an answer. */
const REQUEST_TIMEOUT_MS = 60_000

export interface RenderedMeme {
  /** Base64 of the picture's bytes. */
  data: string
  type: ImageType
}

export type Shape<T> = (value: unknown) => value is T

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/**
 * The limits as the server sends them; a server from before `maxEdge`, `minEdge` and
 * `maxAspectRatio` leaves them out (the defaults fill them in).
 */
type Added = 'maxEdge' | 'minEdge' | 'maxAspectRatio'
export type LimitsAnswer = Omit<Limits, Added> & Partial<Pick<Limits, Added>>

const isLimits: Shape<LimitsAnswer> = (value): value is LimitsAnswer =>
  isRecord(value) &&
  typeof value.maxUploadBytes === 'number' &&
  typeof value.maxPixels === 'number' &&
  (['maxEdge', 'minEdge', 'maxAspectRatio'] as const).every(
    (name) => value[name] === undefined || typeof value[name] === 'number',
  ) &&
  Array.isArray(value.imageTypes) &&
  value.imageTypes.every((type) => typeof type === 'string')

const isSignedUpload: Shape<SignedUpload> = (value): value is SignedUpload =>
  isRecord(value) &&
  typeof value.url === 'string' &&
  typeof value.key === 'string' &&
  typeof value.maxBytes === 'number' &&
  isRecord(value.fields) &&
  Object.values(value.fields).every((field) => typeof field === 'string')

const isMemeAnswer = (value: unknown): value is MemeResponse & { meme_type: ImageType } =>
  isRecord(value) &&
  typeof value.meme_data === 'string' &&
  typeof value.meme_type === 'string' &&
  isImageType(value.meme_type)

/**
 * Calls the API and returns its JSON answer, or throws a `UserFacingError` whatever went
 * wrong: no connection, a timeout, an error status (put into words by `describeFailure`),
 * or a body that is not what we expect.
 */
export async function requestJson<T>(
  path: string,
  init: RequestInit,
  shape: Shape<T>,
  describeFailure: (status: number, body: string) => UserFacingError = apiFailure,
): Promise<T> {
  let response: Response
  let body: string
  try {
    response = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', ...init.headers },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    body = await response.text()
  } catch (error) {
    const timedOut = isRecord(error) && error.name === 'TimeoutError'
    throw new UserFacingError(timedOut ? SERVER_TIMEOUT : NETWORK_FAILURE, 'NETWORK')
  }
  if (!response.ok) throw describeFailure(response.status, body)
  let value: unknown
  try {
    // 204 No Content has no body to parse: the shape decides whether nothing is an answer.
    value = response.status === 204 ? undefined : JSON.parse(body)
  } catch {
    throw new UserFacingError(UNREADABLE_ANSWER, 'UNREADABLE')
  }
  if (!shape(value)) throw new UserFacingError(UNREADABLE_ANSWER, 'UNREADABLE')
  return value
}

export function fetchLimits(): Promise<LimitsAnswer> {
  return requestJson('/api/limits', {}, isLimits)
}

/** Asks the API for a policy to upload one picture straight to S3. */
export function signUpload(filename: string, contentType: ImageType): Promise<SignedUpload> {
  const query = new URLSearchParams({ filename, contentType })
  return requestJson(`/api/sign-s3-request?${query}`, {}, isSignedUpload)
}

/** Renders the captions onto an uploaded picture. */
export async function renderMeme(request: MemeRequest): Promise<RenderedMeme> {
  const answer = await requestJson(
    '/api/meme',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    },
    isMemeAnswer,
  )
  return { data: answer.meme_data, type: answer.meme_type }
}
