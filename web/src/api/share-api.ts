import type { MemeRequest, ShareCreated } from '@meme-studio/meme-core/schema'
import { isRecord, requestJson } from './meme-api.ts'

export interface SharedMeme {
  id: string
  /** The meme's public page, absolute, ready to paste anywhere. */
  link: string
}

/**
 * `POST /api/shares`'s answer, checked by hand: the editor's bundle carries no schema
 * checker. Only a page of this site becomes the link we hand out.
 */
const isShareAnswer = (value: unknown): value is ShareCreated =>
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
  const answer = await requestJson(
    '/api/shares',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    },
    isShareAnswer,
  )
  return { id: answer.id, link: new URL(answer.url, window.location.origin).href }
}
