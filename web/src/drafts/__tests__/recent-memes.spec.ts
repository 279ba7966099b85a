import 'fake-indexeddb/auto'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import {
  listRecentMemes,
  RECENT_MEMES_KEPT,
  removeRecentMeme,
  saveRecentMeme,
  type RecentMeme,
} from '../recent-memes.ts'

const stored = (bytes: number[]) => ({
  name: 'meme.png',
  type: 'image/png',
  bytes: new Uint8Array(bytes).buffer,
})

function recent(id: string, createdAt: number): RecentMeme {
  return {
    id,
    createdAt,
    thumbnail: stored([1]),
    image: stored([0x89, 0x50, createdAt % 256]),
    filename: `${id}.png`,
    altText: `Meme: “${id}”`,
    draft: {
      savedAt: createdAt,
      document: { captions: [], stickers: [], edits: {}, format: undefined },
      picture: null,
      template: null,
      stickers: [],
    },
  }
}

const quotaFull = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError')
const ids = async () => (await listRecentMemes()).map(({ id }) => id)

beforeEach(async () => {
  for (const meme of await listRecentMemes()) await removeRecentMeme(meme.id)
})

describe('the recent memes in IndexedDB', () => {
  it('are listed newest first, the same id replaced, at most the last few kept', async () => {
    for (let at = 1; at <= RECENT_MEMES_KEPT + 3; at += 1)
      await saveRecentMeme(recent(`m${at}`, at))
    const kept = await saveRecentMeme(recent('m5', 100))
    expect(kept.map(({ id }) => id)).toEqual(await ids())
    expect(kept[0]!.id).toBe('m5')
    expect(kept).toHaveLength(RECENT_MEMES_KEPT)
    // m1 to m3 went when m13 to m15 came; m5 took its own place, so m4 stays.
    expect(kept.map(({ id }) => id).sort()).toEqual(
      ['m4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10', 'm11', 'm12', 'm13', 'm14', 'm15'].sort(),
    )
    expect(Array.from(new Uint8Array(kept[0]!.image.bytes))).toEqual([0x89, 0x50, 100])
  })

  it('a full quota drops the oldest memes to make room for the new one', async () => {
    await saveRecentMeme(recent('old', 1))
    await saveRecentMeme(recent('older-but-newer', 2))
    const put = IDBObjectStore.prototype.put
    vi.spyOn(IDBObjectStore.prototype, 'put')
      .mockImplementationOnce(() => {
        throw quotaFull()
      })
      .mockImplementation(function (this: IDBObjectStore, ...args) {
        return put.apply(this, args)
      })
    await saveRecentMeme(recent('new', 3))
    expect(await ids()).toEqual(['new', 'older-but-newer'])
  })

  it('with nothing left to drop, the quota error is the answer', async () => {
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw quotaFull()
    })
    await expect(saveRecentMeme(recent('alone', 1))).rejects.toMatchObject({
      name: 'QuotaExceededError',
    })
    expect(await ids()).toEqual([])
  })
})
