import type { Caption } from '@meme-studio/meme-core'
import type { MemeRequest } from '@meme-studio/meme-core/schema'
import { AppError } from '../shared/app-error.ts'

/** What a render needs of a template (`app.templates.forRender`: memes by URL and by template id). */
export interface TemplateForRender {
  id: string
  version: number
  /** A key in the uploads bucket that `app.makeMeme({image: pictureKey, …})` can read. */
  pictureKey: string
  /** The template's boxes, each with empty text. */
  boxes: Caption[]
}

/**
 * Where templates keep their pictures in the uploads bucket. An object there is written once and
 * never overwritten: a saved template's picture is named by its version, a starter's is the same
 * bytes every time, and a deleted template is not found before its picture would be read. So a
 * decoded copy of one stays good without asking S3 for its ETag again.
 */
export const TEMPLATE_PICTURES_PREFIX = 'templates/'

export function isTemplatePicture(key: string): boolean {
  return key.startsWith(TEMPLATE_PICTURES_PREFIX)
}

/** 404 TEMPLATE_NOT_FOUND, naming the id asked for. */
export function templateNotFound(id: string): AppError {
  return new AppError(404, 'TEMPLATE_NOT_FOUND', `No template has the id ${id}`)
}

/** What a meme is drawn on: an upload, or a template's picture at its current version. */
export type MemePicture = { kind: 'upload'; key: string } | { kind: 'template'; id: string }

/**
 * The picture a meme request names: exactly one of `image` and `template` (JSON Schema could
 * say so, but not in words a client understands).
 */
export function memePicture({
  image,
  template,
}: Pick<MemeRequest, 'image' | 'template'>): MemePicture {
  if (image !== undefined && template !== undefined) {
    throw new AppError(
      400,
      'VALIDATION',
      'body must have either image (an upload key) or template (a template id), not both',
    )
  }
  if (image !== undefined) return { kind: 'upload', key: image }
  if (template !== undefined) return { kind: 'template', id: template }
  throw new AppError(
    400,
    'VALIDATION',
    'body must have image (an upload key) or template (a template id)',
  )
}

/** What the gallery's search and paging look at in a template. */
export interface Listed {
  name: string
  tags: readonly string[]
}

export interface CatalogQuery {
  q?: string
  tag?: string
  cursor?: string
  limit: number
}

/**
 * The cursor is where the next page starts in the filtered list, in base64url so that
 * clients treat it as opaque: `o<offset>`. Anything else is refused rather than read as 0.
 */
const CURSOR = /^o(0|[1-9][0-9]{0,8})$/

export function encodeCursor(offset: number): string {
  return Buffer.from(`o${offset}`).toString('base64url')
}

export function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,20}$/.test(cursor)
    ? Buffer.from(cursor, 'base64url').toString('latin1')
    : ''
  const match = CURSOR.exec(text)
  if (!match) throw new AppError(400, 'VALIDATION', 'cursor is not one this API gave')
  return Number(match[1])
}

/** Matches by name substring (any case) and by tag, then cuts out one page. */
export function pageOf<T extends Listed>(
  all: readonly T[],
  { q, tag, cursor, limit }: CatalogQuery,
): { items: T[]; nextCursor: string | null } {
  const needle = q?.trim().toLowerCase() ?? ''
  const wanted = tag?.trim().toLowerCase()
  const matching = all.filter(
    (item) => item.name.toLowerCase().includes(needle) && (!wanted || item.tags.includes(wanted)),
  )
  const start = cursor === undefined ? 0 : decodeCursor(cursor)
  const items = matching.slice(start, start + limit)
  const end = start + items.length
  return { items, nextCursor: end < matching.length ? encodeCursor(end) : null }
}
