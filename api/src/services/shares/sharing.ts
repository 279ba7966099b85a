import type { S3Client } from '@aws-sdk/client-s3'
import type { MemeRequest, Share, ShareCreated } from '@meme-studio/meme-core/schema'
import type { ShareRecord } from '../../schemas/records.ts'
import type { RenderedMeme } from '../meme/meme-render.ts'
import type { NotificationKind } from '../notifications/discord.ts'
import type { PresignedGet } from '../storage/presign.ts'
import { presignShareImage, readShare, saveShare, sharePath, shareTitle } from './share-store.ts'

export interface SharingDeps {
  s3: S3Client
  bucket: string
  /** `PUBLIC_ORIGIN`: where a share's page is, for the links to it. */
  publicOrigin: string
  render: (request: MemeRequest) => Promise<RenderedMeme>
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
}

/**
 * Shared memes: rendered by the server itself (it hosts only memes it made), stored, and
 * handed out through short-lived presigned URLs.
 */
export class Sharing {
  constructor(private readonly deps: SharingDeps) {}

  /** Renders and stores a share; Discord gets a link to its page at the public origin. */
  async create(request: MemeRequest): Promise<ShareCreated> {
    const { s3, bucket, publicOrigin, render, notify } = this.deps
    const meme = await render(request)
    const { id, record } = await saveShare(s3, bucket, meme, shareTitle(request.captions))
    const image = await presignShareImage(s3, bucket, record)
    const url = sharePath(id)
    // Discord, when the admin turned it on; never holds up or fails the answer.
    void notify('shared', { title: record.title, url: `${publicOrigin}${url}` })
    return { id, url, imageUrl: image.url, expiresAt: image.expiresAt }
  }

  /** `GET /api/shares/{id}`. */
  async view(id: string): Promise<Share> {
    const { s3, bucket } = this.deps
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
    return { record, pageUrl: `${publicOrigin}${sharePath(id)}`, image, download }
  }
}
