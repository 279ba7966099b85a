/**
 * The picture formats people may upload: what the browser checks before an upload, what
 * the server signs policies for and decodes.
 */
export const IMAGE_FORMATS = {
  'image/jpeg': { name: 'JPEG', extension: 'jpg', aliases: ['jpg', 'jpeg', 'jpe', 'jfif'] },
  'image/png': { name: 'PNG', extension: 'png', aliases: ['png'] },
  'image/webp': { name: 'WebP', extension: 'webp', aliases: ['webp'] },
  'image/gif': { name: 'GIF', extension: 'gif', aliases: ['gif'] },
} as const satisfies Record<string, { name: string; extension: string; aliases: readonly string[] }>

export type ImageType = keyof typeof IMAGE_FORMATS

export const IMAGE_TYPES = Object.keys(IMAGE_FORMATS) as ImageType[]

export function isImageType(value: string): value is ImageType {
  return Object.hasOwn(IMAGE_FORMATS, value)
}

/** The image type a file extension (without the dot, any case) stands for. */
export function imageTypeOfExtension(extension: string): ImageType | undefined {
  const lower = extension.toLowerCase()
  return IMAGE_TYPES.find((type) =>
    (IMAGE_FORMATS[type].aliases as readonly string[]).includes(lower),
  )
}

/** The longest signature below: WebP's `RIFF` + size + `WEBP`. */
export const SNIFF_LENGTH = 12

const ascii = (text: string) => Array.from(text, (char) => char.charCodeAt(0))

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return signature.every((byte, i) => bytes[offset + i] === byte)
}

/**
 * The format a file's first bytes announce, whatever its name or stated type.
 * @see https://mimesniff.spec.whatwg.org/#matching-an-image-type-pattern
 */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'image/gif'
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'image/webp'
  return undefined
}

/**
 * The keys the sign endpoint issues, and so the only keys the renderer reads:
 * `uploads/<uuid v4>.<extension>`.
 */
export const UPLOAD_KEY_PATTERN = `^uploads/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.(${IMAGE_TYPES.map((t) => IMAGE_FORMATS[t].extension).join('|')})$`
