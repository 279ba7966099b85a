import { onBeforeUnmount, onMounted } from 'vue'
import { useEditorHistoryStore } from '@/stores/editor-history.ts'

export type HistoryAction = 'undo' | 'redo'

/** Ctrl+Z / Cmd+Z undoes; Ctrl+Shift+Z / Cmd+Shift+Z and Ctrl+Y redo. */
export function historyShortcut(event: KeyboardEvent): HistoryAction | undefined {
  if (event.altKey || event.isComposing || !(event.ctrlKey || event.metaKey)) return undefined
  const key = event.key.toLowerCase()
  if (key === 'z') return event.shiftKey ? 'redo' : 'undo'
  if (key === 'y' && event.ctrlKey && !event.shiftKey) return 'redo'
  return undefined
}

const TEXT_INPUT_TYPES = new Set(['text', 'search', 'url', 'email', 'tel', 'password', 'number'])

/**
 * Whether the shortcut is the document's here. A caption's text is part of the document, so
 * its undo is ours (and the browser's own is stopped, or both would act); any other text
 * field (a template's name, the gallery search) keeps the browser's undo of what was typed.
 */
export function isDocumentShortcutTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return true
  if (target.closest('[data-caption-text]')) return true
  if (target.isContentEditable || target instanceof HTMLTextAreaElement) return false
  return !(target instanceof HTMLInputElement && TEXT_INPUT_TYPES.has(target.type))
}

/**
 * The history's keys and pointers while the editor is on screen: the shortcuts anywhere on
 * the page, and each pointer's press and release, so one drag makes one step.
 */
export function useEditorHistoryKeys(): void {
  const history = useEditorHistoryStore()

  function onKeyDown(event: KeyboardEvent): void {
    const action = historyShortcut(event)
    if (!action || !isDocumentShortcutTarget(event.target)) return
    event.preventDefault()
    if (action === 'undo') history.undo()
    else history.redo()
  }
  const onPointerDown = (event: PointerEvent) => history.pointerDown(event.pointerId)
  const onPointerUp = (event: PointerEvent) => history.pointerUp(event.pointerId)
  const onBlur = () => history.releasePointers()

  const listeners = [
    ['keydown', onKeyDown],
    ['pointerdown', onPointerDown],
    ['pointerup', onPointerUp],
    ['pointercancel', onPointerUp],
  ] as const

  onMounted(() => {
    // Capture: a box's own handlers stop some events from reaching the window.
    for (const [type, listener] of listeners) {
      window.addEventListener(type, listener as EventListener, true)
    }
    window.addEventListener('blur', onBlur)
  })
  onBeforeUnmount(() => {
    for (const [type, listener] of listeners) {
      window.removeEventListener(type, listener as EventListener, true)
    }
    window.removeEventListener('blur', onBlur)
  })
}
