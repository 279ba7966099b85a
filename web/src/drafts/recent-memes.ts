import { del, entries, set } from 'idb-keyval'
import type { EditorDraft, StoredFile } from './editor-draft.ts'
import { localDatabase } from './local-database.ts'

/** How many recent memes this browser keeps; the oldest go first. */
export const RECENT_MEMES_KEPT = 12

/** A meme this browser made: to show, download again and open again. */
export interface RecentMeme {
  id: string
  createdAt: number
  /** At most `THUMBNAIL_EDGE` pixels a side. */
  thumbnail: StoredFile
  /** The rendered meme, byte for byte. */
  image: StoredFile
  /** The name its Download gave it. */
  filename: string
  /** What is written on it, for the thumbnail's alt text. */
  altText: string
  /** The editor as it was when it rendered. */
  draft: EditorDraft
}

const PREFIX = 'recent:'

/** Newest first. */
export async function listRecentMemes(): Promise<RecentMeme[]> {
  const stored = await entries<string, RecentMeme>(localDatabase())
  return stored
    .filter(([key]) => typeof key === 'string' && key.startsWith(PREFIX))
    .map(([, meme]) => meme)
    .sort((a, b) => b.createdAt - a.createdAt)
}

const isQuotaError = (error: unknown) =>
  (error as { name?: unknown } | null)?.name === 'QuotaExceededError'

/**
 * Keeps `meme` (in place of an entry with its id), then drops all but the newest few. When
 * the browser's quota is full, the oldest memes make room, one at a time, as newer memes
 * would push them out anyway; with none left to drop, the quota error is thrown.
 */
export async function saveRecentMeme(meme: RecentMeme): Promise<RecentMeme[]> {
  for (;;) {
    try {
      await set(PREFIX + meme.id, meme, localDatabase())
      break
    } catch (error) {
      if (!isQuotaError(error)) throw error
      const oldest = (await listRecentMemes()).filter(({ id }) => id !== meme.id).at(-1)
      if (!oldest) throw error
      await removeRecentMeme(oldest.id)
    }
  }
  const all = await listRecentMemes()
  await Promise.all(all.slice(RECENT_MEMES_KEPT).map(({ id }) => removeRecentMeme(id)))
  return all.slice(0, RECENT_MEMES_KEPT)
}

export async function removeRecentMeme(id: string): Promise<void> {
  await del(PREFIX + id, localDatabase())
}
