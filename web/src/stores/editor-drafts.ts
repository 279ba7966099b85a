import { memeAltText, memeTitle } from '@meme-studio/meme-core'
import { defineStore } from 'pinia'
import { ref, shallowRef, watch } from 'vue'
import {
  deleteDraft,
  draftOf,
  hasWork,
  loadDraft,
  restoreDraft,
  saveDraft,
  storedFile,
  type EditorDraft,
} from '@/drafts/editor-draft.ts'
import { memeThumbnail } from '@/drafts/meme-thumbnail.ts'
import {
  listRecentMemes,
  removeRecentMeme,
  saveRecentMeme,
  type RecentMeme,
} from '@/drafts/recent-memes.ts'
import { memeDownloadName, type MemeImage } from '@/meme/meme-image.ts'
import type { Picture } from '@/picture/picture-decode.ts'
import { useEditorHistoryStore } from './editor-history.ts'
import { useEditorStore } from './editor.ts'

/** The draft is saved this long after the last change (and at once when the page goes). */
export const DRAFT_SAVE_AFTER_MS = 500

/** A downloaded copy's object URL lives this long: enough for the browser to save it. */
const DOWNLOAD_URL_LIFETIME_MS = 60_000

export const STORAGE_UNAVAILABLE =
  'This browser is not keeping drafts or recent memes here (private browsing, or no space left): your work stays only while this page is open.'

/** What the draft notice says: the draft restored, a recent meme opened, a start over. */
export type DraftNotice =
  | { kind: 'restored'; savedAt: number }
  | { kind: 'opened'; savedAt: number }
  | { kind: 'started-over' }

/**
 * The editor's work kept in this browser: the draft, saved as it changes and put back when
 * the editor opens, and the recent memes, kept after each current render. IndexedDB may be
 * missing or full (private browsing): editing goes on, and `storageProblem` says so once.
 */
export const useEditorDraftsStore = defineStore('editor-drafts', () => {
  const editor = useEditorStore()
  const history = useEditorHistoryStore()

  const notice = shallowRef<DraftNotice | null>(null)
  const storageProblem = ref<string | null>(null)
  const recentMemes = shallowRef<RecentMeme[]>([])
  /** How a meme becomes a thumbnail; tests put a fake here (no canvas in them). */
  const makeThumbnail = shallowRef<(image: Blob) => Promise<Blob>>(memeThumbnail)
  /** The work "Start over" cleared, to bring back. */
  let clearedWork: Promise<EditorDraft> | undefined

  let opening: Promise<void> | undefined
  let autosaving = false
  let saveTimer: ReturnType<typeof setTimeout> | undefined
  /** Writes in order: an older draft never lands over a newer one. */
  let writing: Promise<void> = Promise.resolve()

  function failed(): void {
    storageProblem.value = STORAGE_UNAVAILABLE
  }

  /** Saves the draft now, or deletes it when there is nothing to lose. */
  function saveNow(): Promise<void> {
    clearTimeout(saveTimer)
    saveTimer = undefined
    const draft = draftOf(editor)
    writing = writing
      .then(async () => {
        const current = await draft
        await (hasWork(current.document, current.picture !== null)
          ? saveDraft(current)
          : deleteDraft())
      })
      .catch(failed)
    return writing
  }

  function scheduleSave(): void {
    if (!autosaving) return
    clearTimeout(saveTimer)
    saveTimer = setTimeout(() => void saveNow(), DRAFT_SAVE_AFTER_MS)
  }

  watch(
    [
      () => JSON.stringify(editor.snapshot()),
      () => editor.picture,
      () => editor.template,
      () => editor.stickerAssets,
    ],
    scheduleSave,
  )

  /** The page is going (a reload, a closed tab): a save still waiting happens now. */
  function onPageHide(): void {
    if (saveTimer !== undefined) void saveNow()
  }

  /**
   * Opens the editor's saved work, once per page: the draft, unless work has begun already,
   * and the recent memes. Saving starts after, so an empty editor never overwrites a draft.
   */
  function open(): Promise<void> {
    opening ??= (async () => {
      try {
        const draft = await loadDraft()
        const untouched = !hasWork(editor.snapshot(), editor.picture !== null)
        const worth = draft && hasWork(draft.document, draft.picture !== null)
        if (draft && worth && untouched && (await restoreDraft(editor, draft))) {
          history.reset()
          notice.value = { kind: 'restored', savedAt: draft.savedAt }
        }
      } catch {
        failed()
      }
      autosaving = true
      window.addEventListener('pagehide', onPageHide)
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'hidden') onPageHide()
      })
      try {
        recentMemes.value = await listRecentMemes()
      } catch {
        failed()
      }
    })()
    return opening
  }

  /** "Start over": an empty editor, the draft deleted; `bringBack` undoes it. */
  async function startOver(): Promise<void> {
    clearedWork = draftOf(editor)
    // Failing to read the work back only means it cannot be brought back.
    clearedWork.catch(() => undefined)
    editor.startOver()
    history.reset()
    notice.value = { kind: 'started-over' }
    await saveNow()
  }

  async function bringBack(): Promise<void> {
    const work = clearedWork
    if (!work) return
    try {
      if (await restoreDraft(editor, await work)) {
        clearedWork = undefined
        history.reset()
        notice.value = null
      }
    } catch {
      // The editor's pictureError says what went wrong with the picture.
    }
  }

  /** Each picture's renders make one recent meme, the latest: re-renders replace it. */
  const recentIds = new WeakMap<Picture, string>()
  /** Recent memes are written one after another, so a later render always lands last. */
  let recentWrites: Promise<void> = Promise.resolve()

  async function keepRecent(meme: MemeImage, picture: Picture): Promise<void> {
    const request = editor.lastRequest
    if (!request) return
    const draft = draftOf(editor)
    let id = recentIds.get(picture)
    if (!id) {
      id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`
      recentIds.set(picture, id)
    }
    const filename = memeDownloadName(request.captions, meme.type)
    const previous = recentWrites
    let done = () => {}
    recentWrites = new Promise((resolve) => (done = resolve))
    try {
      await previous
      const thumbnail = await makeThumbnail.value(meme.blob)
      const entry: RecentMeme = {
        id,
        createdAt: Date.now(),
        thumbnail: await storedFile(
          new File([thumbnail], `thumbnail-${filename}`, { type: thumbnail.type }),
        ),
        image: await storedFile(new File([meme.blob], filename, { type: meme.type })),
        filename,
        altText: memeAltText(memeTitle(request.captions)),
        draft: await draft,
      }
      recentMemes.value = await saveRecentMeme(entry)
    } catch {
      failed()
    } finally {
      done()
    }
  }

  watch(
    () => editor.meme,
    (meme) => {
      if (meme && !editor.resultStale && editor.picture) void keepRecent(meme, editor.picture)
    },
  )

  /** Puts a recent meme's work back in the editor, to change it or make it again. */
  async function openRecent(meme: RecentMeme): Promise<boolean> {
    if (!(await restoreDraft(editor, meme.draft))) return false
    history.reset()
    notice.value = { kind: 'opened', savedAt: meme.createdAt }
    return true
  }

  /** Saves the stored image, byte for byte, under the name its Download gave it. */
  function downloadRecent(meme: RecentMeme): void {
    const url = URL.createObjectURL(new Blob([meme.image.bytes], { type: meme.image.type }))
    const link = document.createElement('a')
    link.href = url
    link.download = meme.filename
    link.click()
    setTimeout(() => URL.revokeObjectURL(url), DOWNLOAD_URL_LIFETIME_MS)
  }

  async function removeRecent(id: string): Promise<void> {
    try {
      await removeRecentMeme(id)
      recentMemes.value = recentMemes.value.filter((meme) => meme.id !== id)
    } catch {
      failed()
    }
  }

  return {
    notice,
    storageProblem,
    recentMemes,
    makeThumbnail,
    open,
    saveNow,
    startOver,
    bringBack,
    openRecent,
    downloadRecent,
    removeRecent,
  }
})
