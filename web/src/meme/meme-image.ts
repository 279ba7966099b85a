import { IMAGE_FORMATS, type ImageType } from '@meme-studio/meme-core'

/** A rendered meme, ready to show, download and copy. */
export interface MemeImage {
  /** `data:<type>;base64,<data>`, exactly as the API sent it. */
  dataUrl: string
  type: ImageType
  blob: Blob
  /** Object URL of `blob` for the download link; revoke with `releaseMemeImage`. */
  downloadUrl: string
  filename: string
}

function decodeBase64(data: string): Uint8Array<ArrayBuffer> {
  const binary = atob(data)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i)
  return bytes
}

export function memeImageFromBase64(data: string, type: ImageType): MemeImage {
  const blob = new Blob([decodeBase64(data)], { type })
  return {
    dataUrl: `data:${type};base64,${data}`,
    type,
    blob,
    downloadUrl: URL.createObjectURL(blob),
    filename: `meme.${IMAGE_FORMATS[type].extension}`,
  }
}

export function releaseMemeImage(meme: MemeImage): void {
  URL.revokeObjectURL(meme.downloadUrl)
}
