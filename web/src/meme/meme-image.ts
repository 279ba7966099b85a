import { IMAGE_FORMATS, type ImageType } from '@meme-studio/meme-core'

/** A rendered meme, ready to show, download and copy. */
export interface MemeImage {
  type: ImageType
  blob: Blob
  /** Object URL of `blob`, shown and downloaded alike; revoke with `releaseMemeImage`. */
  url: string
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
    type,
    blob,
    url: URL.createObjectURL(blob),
    filename: `meme.${IMAGE_FORMATS[type].extension}`,
  }
}

export function releaseMemeImage(meme: MemeImage): void {
  URL.revokeObjectURL(meme.url)
}
