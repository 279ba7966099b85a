/** The picture formats people may upload, with the extensions their files carry. */
export const IMAGE_TYPES = {
  'image/jpeg': { extension: 'jpg', aliases: ['jpg', 'jpeg', 'jpe', 'jfif'] },
  'image/png': { extension: 'png', aliases: ['png'] },
  'image/webp': { extension: 'webp', aliases: ['webp'] },
  'image/gif': { extension: 'gif', aliases: ['gif'] },
} as const

export type ImageContentType = keyof typeof IMAGE_TYPES

export const IMAGE_CONTENT_TYPES = Object.keys(IMAGE_TYPES) as ImageContentType[]

export function isImageContentType(value: string): value is ImageContentType {
  return Object.hasOwn(IMAGE_TYPES, value)
}

/**
 * The keys the sign endpoint issues, and so the only keys the renderer reads:
 * `uploads/<uuid v4>.<extension>`.
 */
export const UPLOAD_KEY_PATTERN =
  '^uploads/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.(jpg|png|webp|gif)$'
