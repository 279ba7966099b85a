import type { ImageType } from '@meme-studio/meme-core'

/** A chosen picture, decoded and ready to draw at its natural size. */
export interface Picture {
  file: File
  type: ImageType
  /** Decoded with the browser's EXIF orientation applied, as the server renders it. */
  image: HTMLImageElement
  /** Object URL of `file`; revoke with `releasePicture`. */
  url: string
  width: number
  height: number
}

/** Decodes a checked picture file; rejects when the browser cannot read it. */
export async function decodePicture(file: File, type: ImageType): Promise<Picture> {
  const url = URL.createObjectURL(file)
  const image = new Image()
  image.src = url
  try {
    await image.decode()
  } catch (error) {
    URL.revokeObjectURL(url)
    throw error
  }
  return { file, type, image, url, width: image.naturalWidth, height: image.naturalHeight }
}

export function releasePicture(picture: Picture): void {
  URL.revokeObjectURL(picture.url)
}
