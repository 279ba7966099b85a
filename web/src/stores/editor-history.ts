import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import { useEditorStore, type EditorDocument } from './editor.ts'

/** Typing or nudging in one place with pauses shorter than this makes one undo step. */
export const HISTORY_QUIET_MS = 500
/** Steps kept to undo; older ones are dropped. */
export const HISTORY_LIMIT = 100

const BOX_FIELDS = new Set(['x', 'y', 'width', 'height', 'rotation'])

/** What an edit touched, so edits of one kind in one place can share a step. */
function fieldKind(field: string): string {
  if (field === 'text') return 'text'
  return BOX_FIELDS.has(field) ? 'box' : field
}

function changedKinds(before: object, after: object): string[] {
  const a = before as Record<string, unknown>
  const b = after as Record<string, unknown>
  const fields = new Set([...Object.keys(a), ...Object.keys(b)])
  const kinds = [...fields]
    .filter((field) => JSON.stringify(a[field]) !== JSON.stringify(b[field]))
    .map(fieldKind)
  return [...new Set(kinds)].sort()
}

const layerIds = (document: EditorDocument) =>
  [
    ...document.captions.map(({ id }) => `caption ${id}`),
    ...document.stickers.map(({ id }) => `sticker ${id}`),
  ].join()

/**
 * Names what changed from `before` to `after`: typing in box 3 is `caption 3: text`, a drag
 * of it `caption 3: box`. Adding, removing or reordering boxes or stickers is always a step
 * of its own, so it gets a name no other change has.
 */
function changeKey(before: EditorDocument, after: EditorDocument, unique: () => number): string {
  if (layerIds(before) !== layerIds(after)) return `layers ${unique()}`
  const parts: string[] = []
  before.captions.forEach((caption, index) => {
    const kinds = changedKinds(caption, after.captions[index]!)
    if (kinds.length > 0) parts.push(`caption ${caption.id}: ${kinds.join()}`)
  })
  before.stickers.forEach((sticker, index) => {
    const kinds = changedKinds(sticker, after.stickers[index]!)
    if (kinds.length > 0) parts.push(`sticker ${sticker.id}: ${kinds.join()}`)
  })
  const edits = changedKinds(before.edits, after.edits)
  if (edits.length > 0) parts.push(`edits: ${edits.join()}`)
  if (before.format !== after.format) parts.push('format')
  return parts.join('; ')
}

/** The boxes an undo or redo changes, so the selection can follow the change. */
function changedCaptionIds(before: EditorDocument, after: EditorDocument): number[] {
  return after.captions
    .filter((caption) => {
      const earlier = before.captions.find(({ id }) => id === caption.id)
      return earlier === undefined || JSON.stringify(earlier) !== JSON.stringify(caption)
    })
    .map(({ id }) => id)
}

/**
 * Undo and redo over the editor's document. Every change of the document is seen, however it
 * was made. The changes of one event are one edit; edits of one kind in one place (a burst
 * of typing, one drag) make one step,
 * which ends after `HISTORY_QUIET_MS` of quiet, when something else changes, or when the
 * pointer that made it is lifted. Choosing another picture starts a new history: the
 * picture itself is not in the document, so no step could bring the old one back.
 */
export const useEditorHistoryStore = defineStore('editor-history', () => {
  const editor = useEditorStore()

  const past = shallowRef<EditorDocument[]>([])
  const future = shallowRef<EditorDocument[]>([])
  /** The document as of the last step. */
  let base = editor.snapshot()
  /** The document as last seen, and as text to compare. */
  let latest = base
  let latestText = JSON.stringify(latest)
  /** What the step under way changed; null when the document is as of the last step. */
  const pendingKey = ref<string | null>(null)
  let quietTimer: ReturnType<typeof setTimeout> | undefined
  /** Pointers down on the page: a step they are making goes on until they are lifted. */
  const pointersDown = new Set<number>()
  /** Set while undo or redo puts a document in place, so that is not seen as an edit. */
  let applying = false
  /** Set while a new picture's own changes (its boxes, no edits) settle into the start. */
  let absorbing = false
  let layerChanges = 0
  /** The document before the first change of the task (event) under way. */
  let taskStart: EditorDocument | undefined

  const canUndo = computed(() => past.value.length > 0 || pendingKey.value !== null)
  const canRedo = computed(() => future.value.length > 0)

  function stopTimer(): void {
    clearTimeout(quietTimer)
    quietTimer = undefined
  }

  /** Ends the step under way, if any: it becomes one to undo. */
  function commit(): void {
    stopTimer()
    taskStart = undefined
    if (pendingKey.value === null) return
    past.value = [...past.value, base].slice(-HISTORY_LIMIT)
    base = latest
    pendingKey.value = null
  }

  function seen(text: string): void {
    if (applying || text === latestText) return
    const next = JSON.parse(text) as EditorDocument
    if (absorbing) {
      base = latest = next
      latestText = text
      return
    }
    const unique = () => (layerChanges += 1)
    if (taskStart) {
      // More of the same edit: one call sets several fields, each seen on its own.
      latest = next
      latestText = text
      pendingKey.value = changeKey(taskStart, next, unique)
      return
    }
    taskStart = latest
    queueMicrotask(() => (taskStart = undefined))
    const key = changeKey(latest, next, unique)
    if (pendingKey.value !== null && key !== pendingKey.value) commit()
    pendingKey.value = key
    latest = next
    latestText = text
    if (future.value.length > 0) future.value = []
    stopTimer()
    if (pointersDown.size === 0) quietTimer = setTimeout(commit, HISTORY_QUIET_MS)
  }

  // Synchronous, so each edit is seen on its own, before any other can join it.
  watch(() => JSON.stringify(editor.snapshot()), seen, { flush: 'sync' })

  /** Forgets every step: the document as it is now is where undo stops. */
  function reset(): void {
    stopTimer()
    past.value = []
    future.value = []
    pendingKey.value = null
    base = latest = editor.snapshot()
    latestText = JSON.stringify(latest)
  }

  watch(
    () => editor.picture,
    () => {
      reset()
      // Opening a picture also sets its boxes and clears the edits in the same task.
      absorbing = true
      queueMicrotask(() => (absorbing = false))
    },
    { flush: 'sync' },
  )

  function apply(target: EditorDocument): void {
    const before = base
    base = latest = target
    applying = true
    try {
      editor.restore(target)
    } finally {
      applying = false
    }
    latestText = JSON.stringify(editor.snapshot())
    // The selection moves to the box the step changed, so the change is in sight.
    const changed = changedCaptionIds(before, target)
    const selected = editor.selectedId
    if (changed.length > 0 && (selected === null || !changed.includes(selected))) {
      editor.selectCaption(changed[0]!)
    }
  }

  function undo(): void {
    commit()
    const previous = past.value.at(-1)
    if (!previous) return
    past.value = past.value.slice(0, -1)
    future.value = [...future.value, base]
    apply(previous)
  }

  function redo(): void {
    commit()
    const next = future.value.at(-1)
    if (!next) return
    future.value = future.value.slice(0, -1)
    past.value = [...past.value, base]
    apply(next)
  }

  function pointerDown(pointerId: number): void {
    pointersDown.add(pointerId)
    stopTimer()
  }

  /** A lifted pointer ends what it did: one drag, one click, one step. */
  function pointerUp(pointerId: number): void {
    if (!pointersDown.delete(pointerId)) return
    if (pointersDown.size === 0) commit()
  }

  /** The window lost focus: a release may never arrive, so every gesture ends here. */
  function releasePointers(): void {
    pointersDown.clear()
    commit()
  }

  return { canUndo, canRedo, undo, redo, commit, reset, pointerDown, pointerUp, releasePointers }
})
