import { IMAGE_FORMATS, type Caption, type ImageType } from '@meme-studio/meme-core'

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

/** A download name's stem stays short enough to read in a file list. */
export const FILENAME_STEM_MAX = 50

/**
 * The download name for a meme with these captions: their words in lower-case ASCII joined
 * by '-' (accents dropped, other scripts and symbols left out), cut at a word within
 * `FILENAME_STEM_MAX` characters; `meme` when nothing is left. The type gives the extension.
 */
export function memeFilename(texts: readonly string[], type: ImageType): string {
  const words = texts
    .join(' ')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '')
  let stem = ''
  for (const word of words) {
    const next = stem === '' ? word : `${stem}-${word}`
    if (next.length <= FILENAME_STEM_MAX) stem = next
    else if (stem === '') stem = word.slice(0, FILENAME_STEM_MAX)
    else break
  }
  return `${stem || 'meme'}.${IMAGE_FORMATS[type].extension}`
}

/** The download name of a meme rendered from these captions: their text read top to bottom. */
export function memeDownloadName(captions: readonly Caption[], type: ImageType): string {
  return memeFilename(
    [...captions].sort((a, b) => a.y - b.y).map((caption) => caption.text),
    type,
  )
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
