/**
 * Memes by URL (`GET /api/images/<template>/<lines…>.<ext>`): what a URL names, its ETag, and
 * its render through the same engine as POST /api/meme.
 */
import { createHash } from 'node:crypto'
import { ImageUrlError, parseImageUrlPath, type Caption } from '@meme-studio/meme-core'
import type { MemeRequest } from '@meme-studio/meme-core/schema'
import type { RenderedMeme } from '../meme/meme-render.ts'
import type { MakeMemeOptions } from '../../plugins/app/memes.ts'
import { templateNotFound, type TemplateForRender } from '../templates/template-catalog.ts'
import { CUSTOM_BOXES, imageCaptions } from './image-captions.ts'
import { badImageUrl, parseImageOptions } from './image-options.ts'

/**
 * Part of every ETag: bump it whenever the same request would draw different bytes (layout,
 * drawing, fonts, encoder settings, sharp), so that no cache keeps an image we no longer make.
 */
export const RENDERER_VERSION = 2

/** The template id that draws over an upload (`?background=<key>`) with the editor's boxes. */
export const CUSTOM_TEMPLATE = 'custom'

/** A URL's image is the same bytes for ever: its template version is in the URL. */
export const IMMUTABLE = 'public, max-age=31536000, immutable'

/** Where a URL without the template's current version is sent; edits show within a minute. */
export const REDIRECT_CACHE_CONTROL = 'public, max-age=60'

export interface UrlImagesDependencies {
  findTemplate(id: string): Promise<TemplateForRender | null>
  /** The upload's ETag, from its headers alone; IMAGE_NOT_FOUND when it is gone. */
  uploadEtag(key: string): Promise<string>
  makeMeme(request: MemeRequest, options: MakeMemeOptions): Promise<RenderedMeme>
  maxEdge: number
}

export type UrlImage =
  | {
      kind: 'redirect'
      /** The version the URL should name. */
      version: number
    }
  | {
      kind: 'image'
      /** A strong ETag, quoted. */
      etag: string
      contentType: RenderedMeme['contentType']
      render(): Promise<Buffer>
    }

const CONTENT_TYPES = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const

/** Everything the bytes depend on, hashed: the same URL, the same ETag, the same bytes. */
function strongEtag(parts: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(parts)).digest('base64url')
  return `"${digest.slice(0, 32)}"`
}

/**
 * Whether `If-None-Match` names this ETag (or is `*`). The comparison is weak, as the header
 * asks.
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-if-none-match
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false
  return ifNoneMatch
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag)
}

export class UrlImages {
  constructor(private readonly deps: UrlImagesDependencies) {}

  /**
   * What the path after `/api/images/` and the query name, without reading any picture: the
   * template's record (or, for `custom`, the upload's headers) is all an ETag needs.
   */
  async resolve(
    path: string,
    query: Record<string, string | string[] | undefined>,
  ): Promise<UrlImage> {
    let url
    try {
      url = parseImageUrlPath(path)
    } catch (error) {
      if (error instanceof ImageUrlError) throw badImageUrl(error.message)
      throw error
    }
    const options = parseImageOptions(query, this.deps.maxEdge)
    let source: {
      pictureKey: string
      boxes: readonly Caption[]
      names: unknown
      /** The upload's ETag, read for the URL's: the render checks its cached copy by it. */
      etag?: string
    }
    if (url.template === CUSTOM_TEMPLATE) {
      if (options.background === undefined) {
        throw badImageUrl(`custom draws over an upload: add ?background=<the upload's key>`)
      }
      if (options.version !== undefined) throw badImageUrl('custom has no versions: drop v')
      const etag = await this.deps.uploadEtag(options.background)
      source = {
        pictureKey: options.background,
        boxes: CUSTOM_BOXES,
        names: { upload: options.background, etag },
        etag,
      }
    } else {
      if (options.background !== undefined) {
        throw badImageUrl(`background is for custom images only, not template ${url.template}`)
      }
      const template = await this.deps.findTemplate(url.template)
      if (!template) {
        throw templateNotFound(url.template)
      }
      if (options.version !== template.version) {
        return { kind: 'redirect', version: template.version }
      }
      source = {
        pictureKey: template.pictureKey,
        boxes: template.boxes,
        names: { template: template.id, version: template.version },
      }
    }
    const captions = imageCaptions(url.template, source.boxes, url.lines, options)
    const etag = strongEtag({
      renderer: RENDERER_VERSION,
      source: source.names,
      lines: url.lines,
      format: url.format,
      width: options.width,
      height: options.height,
      font: options.font,
      color: options.color,
      layout: options.layout,
    })
    return {
      kind: 'image',
      etag,
      contentType: CONTENT_TYPES[url.format],
      render: async () => {
        const { width, height } = options
        const meme = await this.deps.makeMeme(
          { image: source.pictureKey, captions, format: url.format },
          {
            ...(source.etag === undefined ? {} : { etag: source.etag }),
            // Drawn at the picture's size and scaled as it is encoded: one encode.
            ...(width === undefined && height === undefined
              ? {}
              : { outputSize: { width, height } }),
          },
        )
        return meme.bytes
      },
    }
  }
}
