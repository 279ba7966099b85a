import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import type { Caption } from '@meme-studio/meme-core'
import fp from 'fastify-plugin'
import type { AppConfig } from '../../config.ts'
import { isMissing, storageUnavailable } from '../../services/storage/s3-errors.ts'
import {
  drawStarterPicture,
  starterById,
  starterPictureKey,
  type StarterTemplate,
} from '../../services/templates/starter-templates.ts'

/** What a render needs of a template. */
export interface TemplateForRender {
  id: string
  version: number
  /** A key in the uploads bucket that `app.makeMeme({image: pictureKey, …})` can read. */
  pictureKey: string
  /** The template's boxes, each with empty text. */
  boxes: Caption[]
}

export interface TemplateService {
  /** What a render needs: null when no template has that id. */
  forRender(id: string): Promise<TemplateForRender | null>
}

declare module 'fastify' {
  interface FastifyInstance {
    templates: TemplateService
  }
}

/**
 * Puts a starter's picture in the bucket unless it is there. The picture is the same bytes
 * every time, so two first uses (here or in another process) that both write it both succeed
 * and leave the same object: no lock needed.
 */
async function ensureStarterPicture(
  s3: S3Client,
  bucket: string,
  starter: StarterTemplate,
): Promise<string> {
  const key = starterPictureKey(starter)
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    return key
  } catch (error) {
    if (!isMissing(error)) throw storageUnavailable(error)
  }
  const body = await drawStarterPicture(starter)
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'image/png' }),
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
    // One write per starter per process; a failed one is forgotten so the next use retries.
    const pictures = new Map<string, Promise<string>>()

    function starterPicture(starter: StarterTemplate): Promise<string> {
      let pending = pictures.get(starter.id)
      if (!pending) {
        pending = ensureStarterPicture(app.s3, bucket, starter)
        pictures.set(starter.id, pending)
        pending.catch(() => pictures.delete(starter.id))
      }
      return pending
    }

    app.decorate('templates', {
      async forRender(id: string) {
        const starter = starterById(id)
        if (!starter) return null
        return {
          id: starter.id,
          version: starter.version,
          pictureKey: await starterPicture(starter),
          boxes: starter.boxes.map((box) => ({ ...box })),
        }
      },
    } satisfies TemplateService)
  },
  { name: 'templates', dependencies: ['storage'] },
)
