import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { Template, TemplatePage, TemplateQuery } from '@meme-studio/meme-core/schema'
import fp from 'fastify-plugin'
import type { AppConfig } from '../../config.ts'
import { presignGetObject } from '../../services/storage/presign.ts'
import { isMissing, storageUnavailable } from '../../services/storage/s3-errors.ts'
import {
  pageOf,
  templateNotFound,
  type TemplateForRender,
} from '../../services/templates/template-catalog.ts'
import {
  drawStarterPicture,
  drawThumbnail,
  STARTER_TEMPLATES,
  starterById,
  starterPictureKey,
  STARTERS_RELEASED,
  starterThumbnailKey,
  type StarterTemplate,
} from '../../services/templates/starter-templates.ts'

export interface TemplateService {
  /** What a render needs: null when no template has that id. */
  forRender(id: string): Promise<TemplateForRender | null>
  /** One page of the gallery: starters first. */
  list(query: TemplateQuery): Promise<TemplatePage>
  /** One template; 404 TEMPLATE_NOT_FOUND when none has that id. */
  get(id: string): Promise<Template>
}

declare module 'fastify' {
  interface FastifyInstance {
    templates: TemplateService
  }
}

/** How long a template's image URLs work; answers that carry them are cached for far less. */
export const TEMPLATE_URL_SECONDS = 60 * 60

/**
 * Puts an object in the bucket unless it is there. Starters' objects are the same bytes every
 * time, so two first uses (here or in another process) that both write both succeed and leave
 * the same object: no lock needed.
 */
async function ensureObject(
  s3: S3Client,
  bucket: string,
  key: string,
  contentType: string,
  draw: () => Promise<Buffer>,
): Promise<string> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    return key
  } catch (error) {
    if (!isMissing(error)) throw storageUnavailable(error)
  }
  const body = await draw()
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
    )
  } catch (error) {
    throw storageUnavailable(error)
  }
  return key
}

/** The app's templates: the starters it ships with. */
export default fp<{ config: AppConfig }>(
  async (app, { config }) => {
    const bucket = config.uploadBucket
    // One write per object per process; a failed one is forgotten so the next use retries.
    const ensured = new Map<string, Promise<string>>()
    function once(key: string, contentType: string, draw: () => Promise<Buffer>) {
      let pending = ensured.get(key)
      if (!pending) {
        pending = ensureObject(app.s3, bucket, key, contentType, draw)
        ensured.set(key, pending)
        pending.catch(() => ensured.delete(key))
      }
      return pending
    }
    const starterPicture = (starter: StarterTemplate) =>
      once(starterPictureKey(starter), 'image/png', () => drawStarterPicture(starter))
    const starterThumbnail = (starter: StarterTemplate) =>
      once(starterThumbnailKey(starter), 'image/webp', async () =>
        drawThumbnail(await drawStarterPicture(starter)),
      )

    async function describe(starter: StarterTemplate): Promise<Template> {
      const [picture, thumbnail] = await Promise.all([
        starterPicture(starter),
        starterThumbnail(starter),
      ])
      const now = new Date()
      const presign = (key: string) =>
        presignGetObject(app.s3, bucket, key, { expiresInSeconds: TEMPLATE_URL_SECONDS, now })
      const [image, thumb] = await Promise.all([presign(picture), presign(thumbnail)])
      return {
        id: starter.id,
        kind: 'starter',
        name: starter.name,
        tags: [...starter.tags],
        boxes: starter.boxes.map((box) => ({ ...box })),
        ...(starter.layout ? { layout: { ...starter.layout } } : {}),
        width: starter.width,
        height: starter.height,
        version: starter.version,
        createdAt: STARTERS_RELEASED,
        updatedAt: STARTERS_RELEASED,
        imageUrl: image.url,
        thumbnailUrl: thumb.url,
        expiresAt: image.expiresAt,
      }
    }

    app.decorate('templates', {
      async forRender(id) {
        const starter = starterById(id)
        if (!starter) return null
        return {
          id: starter.id,
          version: starter.version,
          pictureKey: await starterPicture(starter),
          boxes: starter.boxes.map((box) => ({ ...box })),
        }
      },
      async list({ limit = 24, ...query }) {
        const { items, nextCursor } = pageOf(STARTER_TEMPLATES, { ...query, limit })
        return { templates: await Promise.all(items.map(describe)), nextCursor }
      },
      async get(id) {
        const starter = starterById(id)
        if (!starter) throw templateNotFound(id)
        return describe(starter)
      },
    } satisfies TemplateService)
  },
  { name: 'templates', dependencies: ['storage'] },
)
