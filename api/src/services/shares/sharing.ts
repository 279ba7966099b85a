import type { S3Client } from '@aws-sdk/client-s3'
import {
  hasPictureEdits,
  memeAltText,
  memeTitle,
  templateImagePath,
  type ImageUrlFormat,
} from '@meme-studio/meme-core'
import type { MemeRequest, Share, ShareCreated } from '@meme-studio/meme-core/schema'
import type { ShareRecord } from '../../schemas/records.ts'
import type { RenderedMeme } from '../meme/meme-render.ts'
import type { NotificationKind } from '../notifications/discord.ts'
import type { PresignedGet } from '../storage/presign.ts'
import type { TemplateForRender } from '../templates/template-catalog.ts'
import { etagMatches } from '../images/url-images.ts'
import {
  headShareImage,
  presignShareImage,
  readShare,
  readShareImage,
  saveShare,
  sharePath,
  stableImagePath,
} from './share-store.ts'

export interface SharingDeps {
  s3: S3Client
  bucket: string
  /** `PUBLIC_ORIGIN`: where a share's page is, for the links to it. */
  publicOrigin: string
  render: (request: MemeRequest) => Promise<RenderedMeme>
  findTemplate: (id: string) => Promise<TemplateForRender | null>
  notify: (kind: NotificationKind, details: Record<string, unknown>) => Promise<void>
}

/**
 * What a share's page shows: the record, its own public URL, the image's lasting URL (absolute
 * for link previews, and the path for the page itself), its alt text, and a URL to download it.
 */
export interface SharePageData {
  record: ShareRecord
  pageUrl: string
  imageUrl: string
  imagePath: string
  alt: string
  download: PresignedGet
  /** The meme's lasting URL (memes by URL), when it has one. */
  imageLink?: string
}

/**
 * `GET /api/shares/{id}/image`: the headers always, the bytes only for a GET that If-None-Match
 * did not name (then no body is read).
 */
export type ShareImage =
  | { kind: 'not-modified'; etag: string; contentType: string }
  | { kind: 'image'; etag: string; contentType: string; contentLength: number; bytes?: Buffer }

/** The extension a URL names for each type a render makes. */
const URL_FORMATS: Partial<Record<RenderedMeme['contentType'], ImageUrlFormat>> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
}

/**
 * The URL path that draws this meme, when it was drawn over a template with only the boxes'
 * text typed: any other meme has none (an upload's picture expires; moved boxes, picture
 * edits and stickers are not in a URL).
 */
export function shareImagePath(
  request: MemeRequest,
  template: Pick<TemplateForRender, 'id' | 'version' | 'boxes'> | null,
  meme: Pick<RenderedMeme, 'contentType'>,
): string | undefined {
  // A template is never animated: an animated render (GIF) has no URL that draws it.
  const format = URL_FORMATS[meme.contentType]
  if (
    request.template === undefined ||
    hasPictureEdits(request.edits) ||
    (request.stickers?.length ?? 0) > 0 ||
    template === null ||
    template.id !== request.template ||
    !format
  ) {
    return undefined
  }
  return templateImagePath(template, request.captions, format)
}

/**
 * Shared memes: rendered by the server itself (it hosts only memes it made), stored, and
 * handed out through short-lived presigned URLs.
 */
export class Sharing {
  constructor(private readonly deps: SharingDeps) {}

  /** Renders and stores a share; Discord gets a link to its page at the public origin. */
  async create(request: MemeRequest): Promise<ShareCreated> {
    const { s3, bucket, publicOrigin, render, notify, findTemplate } = this.deps
    const meme = await render(request)
    // Read after the render, which has just found it (or answered 404 for it).
    const template = request.template === undefined ? null : await findTemplate(request.template)
    const imagePath = shareImagePath(request, template, meme)
    const { id, record } = await saveShare(s3, bucket, meme, memeTitle(request.captions), {
      ...(imagePath === undefined ? {} : { imagePath }),
    })
    const image = await presignShareImage(s3, bucket, record)
    const url = sharePath(id)
    // Discord, when the admin turned it on; never holds up or fails the answer.
    void notify('shared', { title: record.title, url: `${publicOrigin}${url}` })
    return { id, url, imageUrl: image.url, expiresAt: image.expiresAt }
  }

  /** `GET /api/shares/{id}`. */
  async view(id: string): Promise<Share> {
    const { s3, bucket, publicOrigin } = this.deps
    const record = await readShare(s3, bucket, id)
    const image = await presignShareImage(s3, bucket, record)
    return {
      id,
      title: record.title,
      width: record.width,
      height: record.height,
      contentType: record.contentType,
      imageUrl: image.url,
      expiresAt: image.expiresAt,
      ...(record.imagePath === undefined
        ? {}
        : { imageLink: `${publicOrigin}${record.imagePath}` }),
    }
  }

  /** A share's image under its lasting URL: the bytes never change, so the ETag is S3's. */
  async image(
    id: string,
    { ifNoneMatch, withBody }: { ifNoneMatch?: string | undefined; withBody: boolean },
  ): Promise<ShareImage> {
    const { s3, bucket } = this.deps
    const record = await readShare(s3, bucket, id)
    const { contentType } = record
    if (ifNoneMatch !== undefined || !withBody) {
      const head = await headShareImage(s3, bucket, record)
      if (etagMatches(ifNoneMatch, head.etag)) {
        return { kind: 'not-modified', etag: head.etag, contentType }
      }
      if (!withBody) return { kind: 'image', contentType, ...head }
    }
    const { etag, bytes } = await readShareImage(s3, bucket, record)
    return { kind: 'image', etag, contentType, contentLength: bytes.length, bytes }
  }

  /** What `/m/{id}` shows. */
  async page(id: string): Promise<SharePageData> {
    const { s3, bucket, publicOrigin } = this.deps
    const record = await readShare(s3, bucket, id)
    const download = await presignShareImage(s3, bucket, record, { download: true })
    const imagePath = stableImagePath(id)
    return {
      record,
      pageUrl: `${publicOrigin}${sharePath(id)}`,
      imageUrl: `${publicOrigin}${imagePath}`,
      imagePath,
      alt: memeAltText(record.title),
      download,
      ...(record.imagePath === undefined
        ? {}
        : { imageLink: `${publicOrigin}${record.imagePath}` }),
    }
  }
}
