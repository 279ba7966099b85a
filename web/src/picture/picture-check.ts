import {
  formatAspectRatio,
  IMAGE_FORMATS,
  imageTypeOfExtension,
  pictureShapeProblem,
  isImageType,
  sniffImageType,
  SNIFF_LENGTH,
  type ImageType,
} from '@meme-studio/meme-core'
import type { Limits } from '@meme-studio/meme-core/schema'

export type PictureCheck = { ok: true; type: ImageType } | { ok: false; message: string }

/** "JPEG, PNG, WebP or GIF", from the types the server allows. */
export function describeImageTypes(types: readonly string[]): string {
  const names = types.filter(isImageType).map((type) => IMAGE_FORMATS[type].name)
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`
}

/** Sizes as people read them: 10485760 → "10 MB", 12897484 → "12.3 MB", 2048 → "2 KB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB'] as const
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  const rounded = unit === 0 ? value : Math.round(value * 10) / 10
  return `${groupThousands(rounded)} ${units[unit]}`
}

/**
 * `1023.5` → "1,023.5", as `toLocaleString('en')` writes it (at most one decimal here). Not
 * with Intl: a page's first formatter loads ICU's number data, 80 ms in Chromium and 330 ms
 * on Lighthouse's throttled phone, and the editor writes the upload limit as it starts.
 */
function groupThousands(value: number): string {
  const [whole = '', fraction] = String(value).split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',')
  return fraction === undefined ? grouped : `${grouped}.${fraction}`
}

export function notAPictureMessage(types: readonly string[]): string {
  return `That file isn't a picture we can use. Choose a ${describeImageTypes(types)}.`
}

export function tooLargeMessage(bytes: number, maxBytes: number): string {
  const size = formatBytes(bytes)
  const limit = formatBytes(maxBytes)
  // Rounded alike, "10 MB; the limit is 10 MB" would read as if it fitted.
  return size === limit
    ? `That picture is just over the ${limit} limit. Choose a smaller one.`
    : `That picture is ${size}; the limit is ${limit}.`
}

/**
 * Decides, before anything is uploaded, whether a file can become a meme: its reported type
 * and its first bytes must both say it is an allowed picture, and it must fit the upload limit.
 */
export async function checkPictureFile(file: Blob, limits: Limits): Promise<PictureCheck> {
  const refused = { ok: false, message: notAPictureMessage(limits.imageTypes) } as const
  // Browsers report an empty type when they cannot tell from the name; the bytes decide then.
  if (file.type !== '' && !limits.imageTypes.includes(file.type)) return refused
  if (file.size === 0) {
    return { ok: false, message: 'That file is empty. Choose a picture with something in it.' }
  }
  const head = new Uint8Array(await file.slice(0, SNIFF_LENGTH).arrayBuffer())
  const type = sniffImageType(head)
  if (!type || !limits.imageTypes.includes(type)) return refused
  if (file.size > limits.maxUploadBytes) {
    return { ok: false, message: tooLargeMessage(file.size, limits.maxUploadBytes) }
  }
  return { ok: true, type }
}

/**
 * Checks the decoded size as the server checks the header, before decoding: its pixel cap,
 * then meme-core's shape rule (`pictureShapeProblem`) with the numbers from `/api/limits`.
 */
export function checkPictureDimensions(
  width: number,
  height: number,
  limits: Pick<Limits, 'maxPixels' | 'minEdge' | 'maxAspectRatio'>,
): { ok: true } | { ok: false; message: string } {
  const size = `${width} × ${height} pixels`
  if (width * height > limits.maxPixels) {
    const megapixels = (pixels: number) => `${Math.round(pixels / 100_000) / 10} megapixels`
    return {
      ok: false,
      message: `That picture is ${size} (${megapixels(width * height)}); the limit is ${megapixels(limits.maxPixels)}. Choose a smaller one.`,
    }
  }
  const problem = pictureShapeProblem({ width, height }, limits)
  if (problem?.kind === 'too-elongated') {
    return {
      ok: false,
      message: `That picture is ${size}, ${formatAspectRatio(problem.aspectRatio)}: too long and thin for captions. One side may be at most ${limits.maxAspectRatio} times the other (${formatAspectRatio(limits.maxAspectRatio)}). Crop it, or choose another.`,
    }
  }
  if (problem?.kind === 'too-small') {
    return {
      ok: false,
      message: `That picture is ${size}, too small for a caption: both sides must be at least ${limits.minEdge} pixels. Choose a larger one.`,
    }
  }
  return { ok: true }
}

/**
 * The name to ask an upload policy for. The server only takes the extension from it, so
 * give it one that matches the bytes, and keep the rest to characters any server accepts.
 */
export function uploadFilename(name: string, type: ImageType): string {
  const dot = name.lastIndexOf('.')
  const stem = dot > 0 ? name.slice(0, dot) : name
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : ''
  const safeStem =
    stem
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100) || 'picture'
  const safeExtension =
    imageTypeOfExtension(extension) === type ? extension : IMAGE_FORMATS[type].extension
  return `${safeStem}.${safeExtension}`
}
