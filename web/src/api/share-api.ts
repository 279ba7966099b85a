import type { MemeRequest } from '@meme-studio/meme-core/schema'
import {
  apiFailure,
  NETWORK_FAILURE,
  SERVER_TIMEOUT,
  UNREADABLE_ANSWER,
  UserFacingError,
} from './failure-messages.ts'

/** The server renders the meme again before storing it: as long as a render may take. */
const REQUEST_TIMEOUT_MS = 60_000

/** `POST /api/shares`, as the API answers it. */
interface ShareAnswer {
  id: string
  url: string
  imageUrl: string
  expiresAt: string
}

export interface SharedMeme {
  id: string
  /** The meme's public page, absolute, ready to paste anywhere. */
  link: string
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/** Only a page of this site becomes the link we hand out. */
const isShareAnswer = (value: unknown): value is ShareAnswer =>
  isRecord(value) &&
  typeof value.id === 'string' &&
  /^[A-Za-z0-9_-]+$/.test(value.id) &&
  value.url === `/m/${value.id}` &&
  typeof value.imageUrl === 'string' &&
  typeof value.expiresAt === 'string'

/**
 * Stores the meme this request renders behind a public link. Throws a `UserFacingError`
 * whatever goes wrong: no connection, a timeout, an error status or an unexpected answer.
 */
export async function shareMeme(request: MemeRequest): Promise<SharedMeme> {
  let response: Response
  let body: string
  try {
    response = await fetch('/api/shares', {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    body = await response.text()
  } catch (error) {
    const timedOut = isRecord(error) && error.name === 'TimeoutError'
    throw new UserFacingError(timedOut ? SERVER_TIMEOUT : NETWORK_FAILURE, 'NETWORK')
  }
  if (!response.ok) throw apiFailure(response.status, body)
  let answer: unknown
  try {
    answer = JSON.parse(body)
  } catch {
    throw new UserFacingError(UNREADABLE_ANSWER, 'UNREADABLE')
  }
  if (!isShareAnswer(answer)) throw new UserFacingError(UNREADABLE_ANSWER, 'UNREADABLE')
  return { id: answer.id, link: new URL(answer.url, window.location.origin).href }
}
