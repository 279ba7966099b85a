import type { S3Client } from '@aws-sdk/client-s3'
import { templateImagePath, type ImageUrlFormat } from '@meme-studio/meme-core'
import type { MemeRequest, Share, ShareCreated } from '@meme-studio/meme-core/schema'
import type { ShareRecord } from '../../schemas/records.ts'
import type { RenderedMeme } from '../meme/meme-render.ts'
import type { NotificationKind } from '../notifications/discord.ts'
import type { PresignedGet } from '../storage/presign.ts'
import type { TemplateForRender } from '../templates/template-catalog.ts'
import { presignShareImage, readShare, saveShare, sharePath, shareTitle } from './share-store.ts'

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
 * What a share's page shows: the record, its own public URL, a URL to show the image and one
 * to download it.
 */
export interface SharePageData {
  record: ShareRecord
  pageUrl: string
  image: PresignedGet
  download: PresignedGet
  /** The meme's lasting URL (memes by URL), when it has one. */
  imageLink?: string
}

/** The extension a URL names for each type a render makes. */
const URL_FORMATS: Record<RenderedMeme['contentType'], ImageUrlFormat> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
}

/**
 * The URL path that draws this meme, when it was drawn over a template with only the boxes'
 * text typed: any other meme has none (an upload's picture expires, moved boxes are not in a
 * URL).
 */
export function shareImagePath(
  request: MemeRequest,
  template: Pick<TemplateForRender, 'id' | 'version' | 'boxes'> | null,
  meme: Pick<RenderedMeme, 'contentType'>,
): string | undefined {
  if (request.template === undefined || template === null || template.id !== request.template) {
    return undefined
  }
  return templateImagePath(template, request.captions, URL_FORMATS[meme.contentType])
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
    const { id, record } = await saveShare(s3, bucket, meme, shareTitle(request.captions), {
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

  /** What `/m/{id}` shows, both URLs signed at the same instant. */
  async page(id: string): Promise<SharePageData> {
    const { s3, bucket, publicOrigin } = this.deps
    const record = await readShare(s3, bucket, id)
    const now = new Date()
    const [image, download] = await Promise.all([
      presignShareImage(s3, bucket, record, { now }),
      presignShareImage(s3, bucket, record, { now, download: true }),
    ])
    return {
      record,
      pageUrl: `${publicOrigin}${sharePath(id)}`,
      image,
      download,
      ...(record.imagePath === undefined
        ? {}
        : { imageLink: `${publicOrigin}${record.imagePath}` }),
    }
  }
}
