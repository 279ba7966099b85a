import fp from 'fastify-plugin'
import type { MemeRequest } from '@meme-studio/meme-core/schema'
import type { AppConfig } from '../../config.ts'
import {
  drawMeme,
  renderCost,
  renderMeme,
  type Picture,
  type RenderedMeme,
} from '../../services/meme/meme-render.ts'
import { PictureCache } from '../../services/meme/picture-cache.ts'
import { BusyError, RenderLimiter } from '../../services/meme/render-limiter.ts'
import { AppError } from '../../services/shared/app-error.ts'
import { readUpload, uploadEtag } from '../../services/storage/upload-store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Reads the upload and renders the captions onto it: what `/api/meme` and Share both do. */
    makeMeme(request: MemeRequest): Promise<RenderedMeme>
  }
}

/** A full queue drains in well under a second; two leaves room for a slow picture. */
const RETRY_AFTER_SECONDS = 2

export default fp<{ config: AppConfig }>(
  async (app, { config }) => {
    const bucket = config.uploadBucket
    const decoding = { maxPixels: config.maxPixels, maxEdge: config.maxEdge }
    const pictures = new PictureCache<Picture>(config.render.cacheBytes)
    const limiter = new RenderLimiter({
      maxBytesInFlight: config.render.maxBytesInFlight,
      maxQueued: config.render.maxQueued,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    })

    app.decorate('makeMeme', async ({ image, captions, format }: MemeRequest) => {
      if (image === undefined) throw new AppError(400, 'VALIDATION', 'body must have image')
      // A picture decoded before is good while the object keeps its ETag; the HEAD also
      // notices an upload that has since been deleted.
      if (pictures.etagOf(image) !== undefined) {
        const picture = pictures.get(image, await uploadEtag(app.s3, bucket, image))
        if (picture) {
          return limiter.run(picture.byteLength, () => drawMeme(picture, captions, { format }))
        }
      }
      // Reading counts too: a burst of reads of 10 MB uploads is itself a burst of memory.
      const upload = await limiter.run(config.maxUploadBytes, () =>
        readUpload(app.s3, bucket, image, config.maxUploadBytes),
      )
      const cost = upload.bytes.length + renderCost(upload.bytes, decoding)
      return limiter.run(cost, () =>
        renderMeme(upload.bytes, captions, {
          ...decoding,
          format,
          onDecoded: (picture) => {
            if (upload.etag) pictures.set(image, upload.etag, picture)
          },
        }),
      )
    })

    // onError hooks run before the error handler: where an error reply gets its headers.
    app.addHook('onError', async (_request, reply, error) => {
      if (error instanceof BusyError) reply.header('retry-after', String(error.retryAfterSeconds))
    })
  },
  { name: 'memes', dependencies: ['storage'] },
)
