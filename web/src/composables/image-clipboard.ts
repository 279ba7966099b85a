import { onBeforeUnmount, ref } from 'vue'

/** How long "Copied" stays up after a copy. */
const COPIED_FOR_MS = 2500

/** Clipboards take pictures as PNG only; other types are re-encoded through a canvas. */
export async function toPngBlob(blob: Blob): Promise<Blob> {
  if (blob.type === 'image/png') return blob
  const bitmap = await createImageBitmap(blob)
  const canvas = document.createElement('canvas')
  canvas.width = bitmap.width
  canvas.height = bitmap.height
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0)
  bitmap.close()
  return new Promise((resolve, reject) => {
    canvas.toBlob(
      (png) => (png ? resolve(png) : reject(new Error('The browser could not encode a PNG'))),
      'image/png',
    )
  })
}

/** Copies a picture to the clipboard and says, in words, how it went. */
export function useImageClipboard() {
  const copied = ref(false)
  const copyError = ref<string | null>(null)
  let timer: ReturnType<typeof setTimeout> | undefined

  async function copyImage(blob: Blob): Promise<void> {
    clearTimeout(timer)
    copied.value = false
    copyError.value = null
    if (typeof ClipboardItem === 'undefined' || !navigator.clipboard?.write) {
      copyError.value = "This browser can't copy pictures. Use Download instead."
      return
    }
    try {
      // A promise, not a blob: Safari allows the write only while the click is handled,
      // and the conversion to PNG finishes after that.
      await navigator.clipboard.write([new ClipboardItem({ 'image/png': toPngBlob(blob) })])
      copied.value = true
      timer = setTimeout(() => (copied.value = false), COPIED_FOR_MS)
    } catch {
      copyError.value = "Your browser didn't let us copy the picture. Try again, or use Download."
    }
  }

  onBeforeUnmount(() => clearTimeout(timer))

  return { copied, copyError, copyImage }
}
