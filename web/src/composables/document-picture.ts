import { onBeforeUnmount, onMounted } from 'vue'

/** The first file in a paste or a drop, if it carries one. */
export function firstFile(data: DataTransfer | null): File | undefined {
  if (!data) return undefined
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind !== 'file') continue
    const file = item.getAsFile()
    if (file) return file
  }
  return data.files[0]
}

function isTextField(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target instanceof HTMLInputElement ||
      target instanceof HTMLTextAreaElement ||
      target.isContentEditable)
  )
}

/**
 * Takes a picture pasted anywhere on the page, or dropped outside the drop zone (where
 * the browser would otherwise leave the app to open the file).
 */
export function usePictureFromDocument(onPicture: (file: File) => void): void {
  function onPaste(event: ClipboardEvent): void {
    const data = event.clipboardData
    // In a caption field, text wins over a picture copied along with it.
    if (isTextField(event.target) && data?.types.includes('text/plain')) return
    const file = firstFile(data)
    if (!file) return
    event.preventDefault()
    onPicture(file)
  }

  function onDragOver(event: DragEvent): void {
    if (event.dataTransfer?.types.includes('Files')) event.preventDefault()
  }

  function onDrop(event: DragEvent): void {
    if (event.defaultPrevented) return
    const file = firstFile(event.dataTransfer)
    if (!file) return
    event.preventDefault()
    onPicture(file)
  }

  onMounted(() => {
    document.addEventListener('paste', onPaste)
    document.addEventListener('dragover', onDragOver)
    document.addEventListener('drop', onDrop)
  })
  onBeforeUnmount(() => {
    document.removeEventListener('paste', onPaste)
    document.removeEventListener('dragover', onDragOver)
    document.removeEventListener('drop', onDrop)
  })
}
