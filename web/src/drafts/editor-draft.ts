import { isImageType } from '@meme-studio/meme-core'
import { del, get, set } from 'idb-keyval'
import type { ChosenTemplate, EditorDocument, useEditorStore } from '@/stores/editor.ts'
import { decodePicture } from '@/picture/picture-decode.ts'
import { localDatabase } from './local-database.ts'

type EditorStore = ReturnType<typeof useEditorStore>

/**
 * A file as IndexedDB keeps it: its bytes, not the Blob, so every browser (and the unit
 * tests' IndexedDB) can store it.
 */
export interface StoredFile {
  name: string
  type: string
  bytes: ArrayBuffer
}

/** Everything needed to put the editor back as it was: a saved draft, or a recent meme's. */
export interface EditorDraft {
  savedAt: number
  document: EditorDocument
  picture: StoredFile | null
  /** The template the picture came from: Generate names it again instead of uploading. */
  template: ChosenTemplate | null
  /** The pictures of the stickers in the document. */
  stickers: { id: string; file: StoredFile; emoji?: string }[]
}

const DRAFT_KEY = 'draft'

/** A picture's bytes are read once: the same File is saved again on every edit. */
const filesRead = new WeakMap<Blob, Promise<ArrayBuffer>>()

export async function storedFile(file: File): Promise<StoredFile> {
  let bytes = filesRead.get(file)
  if (!bytes) {
    bytes = file.arrayBuffer()
    filesRead.set(file, bytes)
  }
  return { name: file.name, type: file.type, bytes: await bytes }
}

export function fileOf(stored: StoredFile): File {
  return new File([stored.bytes], stored.name, { type: stored.type })
}

/** The editor's work as it is now, read at once: later changes do not reach it. */
export async function draftOf(editor: EditorStore): Promise<EditorDraft> {
  const document = editor.snapshot()
  const { picture, template } = editor
  const used = new Set(document.stickers.map(({ asset }) => asset))
  const assets = [...editor.stickerAssets.values()].filter(({ id }) => used.has(id))
  const stickers = await Promise.all(
    assets.map(async ({ id, picture: { file }, emoji }) => ({
      id,
      file: await storedFile(file),
      ...(emoji === undefined ? {} : { emoji }),
    })),
  )
  return {
    savedAt: Date.now(),
    document,
    picture: picture ? await storedFile(picture.file) : null,
    template,
    stickers,
  }
}

/** Whether a reload would lose anything: a picture, some text, a sticker. */
export function hasWork(document: EditorDocument, hasPicture: boolean): boolean {
  return (
    hasPicture ||
    document.stickers.length > 0 ||
    document.captions.some(({ text }) => text.trim() !== '')
  )
}

/**
 * Puts a draft in the editor: its picture, its stickers' pictures, then its document. A
 * sticker whose picture no longer decodes is left out. False (with the editor's
 * `pictureError` saying why) when the picture itself is refused.
 */
export async function restoreDraft(editor: EditorStore, draft: EditorDraft): Promise<boolean> {
  if (draft.picture) {
    if (!(await editor.restorePicture(fileOf(draft.picture), draft.template))) return false
  } else if (editor.picture) {
    editor.startOver()
  }
  const restored = new Set<string>()
  for (const sticker of draft.stickers) {
    if (!isImageType(sticker.file.type)) continue
    try {
      const picture = await decodePicture(fileOf(sticker.file), sticker.file.type)
      editor.addStickerAsset({
        id: sticker.id,
        picture,
        ...(sticker.emoji === undefined ? {} : { emoji: sticker.emoji }),
      })
      restored.add(sticker.id)
    } catch {
      // Left out below: a sticker with no picture cannot be drawn or sent.
    }
  }
  editor.restore({
    ...draft.document,
    stickers: draft.document.stickers.filter(({ asset }) => restored.has(asset)),
  })
  return true
}

export async function loadDraft(): Promise<EditorDraft | undefined> {
  return get<EditorDraft>(DRAFT_KEY, localDatabase())
}

export async function saveDraft(draft: EditorDraft): Promise<void> {
  await set(DRAFT_KEY, draft, localDatabase())
}

export async function deleteDraft(): Promise<void> {
  await del(DRAFT_KEY, localDatabase())
}
