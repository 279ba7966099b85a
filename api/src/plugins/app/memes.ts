import { hasPictureEdits, type Sticker } from '@meme-studio/meme-core'
import fp from 'fastify-plugin'
import type { FunctionOptions } from '../../app-base.ts'
import {
  animatedRenderCost,
  decodePicture,
  drawMeme,
  type DrawOptions,
  editedRenderCost,
  renderCost,
  renderEditedMeme,
  renderMeme,
  type Picture,
  type RenderRequest,
  type RenderedMeme,
} from '../../services/meme/meme-render.ts'
import { checkPictureEdits } from '../../services/shared/picture-edits-check.ts'
import { PictureCache } from '../../services/meme/picture-cache.ts'
import { mallocTrim, TrimWhenIdle } from '../../services/meme/native-memory.ts'
import { BusyError, RenderLimiter } from '../../services/meme/render-limiter.ts'
import {
  probeSticker,
  stickerCost,
  stickerError,
  type StickerUpload,
} from '../../services/meme/sticker-layers.ts'
import { readUpload, uploadEtag } from '../../services/storage/upload-store.ts'
import {
  isTemplatePicture,
  memePicture,
  templateNotFound,
} from '../../services/templates/template-catalog.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Reads the upload or the template's picture and renders the captions onto it: what
     * `/api/meme`, Share, jobs and memes by URL all do.
     */
    makeMeme(request: RenderRequest, options?: MakeMemeOptions): Promise<RenderedMeme>
    /**
     * Reads an upload, decodes it as a render does (its checks, upright, scaled to
     * `MAX_EDGE`) and hands it to `use`, all within the renders' memory budget: what saving a
     * template keeps of an upload.
     */
    withUploadPicture<T>(key: string, use: (picture: Picture) => Promise<T>): Promise<T>
  }
}

export interface MakeMemeOptions {
  /**
   * The picture's ETag, when the caller has just read it (memes by URL name their upload by
   * it): a decoded copy is checked against it rather than by a second HEAD.
   */
  etag?: string
  outputSize?: DrawOptions['outputSize']
}

/**
 * A full queue is one render per core: it drains in well under a second, even of the
 * largest pictures, so the shortest wait HTTP can name is enough.
 */
const RETRY_AFTER_SECONDS = 1

export default fp<Pick<FunctionOptions, 'config' | 'objectChanges' | 'trimAfterIdleMs'>>(
  async (app, { config, objectChanges, trimAfterIdleMs }) => {
    const bucket = config.uploadBucket
    const decoding = { maxPixels: config.maxPixels, maxEdge: config.maxEdge }
    const pictures = new PictureCache<Picture>(config.render.cacheBytes)

    /*
     * Told of every change to the uploads (the embedded S3 of `pnpm start`), a picture decoded
     * before is good until its upload changes: no HEAD per render, about a quarter of the
     * event loop's work under load. A change drops the picture, and marks the reads of that
     * upload going on meanwhile: what they read may be the version before, so it is drawn
     * but not kept.
     */
    const reading = new Map<string, Set<{ changed: boolean }>>()
    const stopWatching = objectChanges?.subscribe((changedBucket, key) => {
      if (changedBucket !== bucket) return
      pictures.delete(key)
      for (const read of reading.get(key) ?? []) read.changed = true
    })
    app.addHook('onClose', async () => stopWatching?.())
    /** Runs `read` of `key`, telling it whether the upload changed before it ended. */
    async function whileReading<T>(
      key: string,
      read: (changed: () => boolean) => Promise<T>,
    ): Promise<T> {
      const mark = { changed: false }
      const marks = reading.get(key) ?? new Set()
      reading.set(key, marks.add(mark))
      try {
        return await read(() => mark.changed)
      } finally {
        marks.delete(mark)
        if (marks.size === 0) reading.delete(key)
      }
    }
    const limiter = new RenderLimiter({
      maxBytesInFlight: config.render.maxBytesInFlight,
      maxRunning: config.render.concurrency,
      maxQueued: config.render.maxQueued,
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    })

    // After a burst, what glibc kept from the renders goes back to the system.
    const trimWhenIdle = trimAfterIdleMs
      ? new TrimWhenIdle(mallocTrim, trimAfterIdleMs, () => limiter.inFlight === 0)
      : undefined
    app.addHook('onClose', async () => trimWhenIdle?.cancel())

    /** The key of the picture a request draws on: its upload's, or its template's now. */
    async function pictureKeyOf(request: RenderRequest): Promise<string> {
      const source = memePicture(request)
      if (source.kind === 'upload') return source.key
      // app.templates is registered after this plugin (it saves templates through
      // withUploadPicture below); no meme is made before both are.
      const template = await app.templates.forRender(source.id)
      if (!template) throw templateNotFound(source.id)
      return template.pictureKey
    }

    /** Reads each sticker's upload and checks it from its header, naming the sticker at fault. */
    async function readStickers(stickers: readonly Sticker[]): Promise<StickerUpload[]> {
      if (stickers.length === 0) return []
      return limiter.run(config.maxUploadBytes * stickers.length, () =>
        Promise.all(
          stickers.map(async (sticker, index) => {
            const upload = await readUpload(
              app.s3,
              bucket,
              sticker.image,
              config.maxUploadBytes,
            ).catch((error: unknown) => {
              throw stickerError(index, error)
            })
            return probeSticker(index, sticker, upload.bytes, decoding)
          }),
        ),
      )
    }

    const stickersCost = (stickers: readonly StickerUpload[]) =>
      stickers.reduce((sum, sticker) => sum + stickerCost(sticker, config.maxEdge), 0)

    // Admitted or refused at once; the picture is read without a turn, then decoded, drawn
    // and encoded in one (makeMeme awaits `turn` before that work).
    app.decorate('makeMeme', (request: RenderRequest, options: MakeMemeOptions = {}) =>
      limiter
        .render((turn) => makeMeme(request, options, turn))
        .finally(() => trimWhenIdle?.renderEnded()),
    )

    async function makeMeme(
      request: RenderRequest,
      options: MakeMemeOptions,
      turn: () => Promise<void>,
    ) {
      const { captions, format, edits } = request
      checkPictureEdits(edits)
      const image = await pictureKeyOf(request)
      const drawing = { format, outputSize: options.outputSize }
      // Edits that change nothing render as no edits do: from the cache, on the same path.
      const edited = hasPictureEdits(edits)
      // A picture decoded before is good while the object keeps its ETag; the HEAD also
      // notices an upload that has since been deleted (told of changes, no HEAD: a change
      // has dropped it from the cache already). A template's picture never changes.
      // An edited picture is neither taken from the cache nor put in it: the cached one is
      // scaled down already (a crop of it would lose the original's resolution), and keeping
      // each crop someone tries while dragging would push out the pictures re-rendered with
      // new text, for which the cache is there.
      const cachedEtag = edited ? undefined : pictures.etagOf(image)
      if (cachedEtag !== undefined) {
        const picture = pictures.get(
          image,
          isTemplatePicture(image)
            ? cachedEtag
            : (options.etag ??
                (objectChanges ? cachedEtag : await uploadEtag(app.s3, bucket, image))),
        )
        if (picture) {
          const stickers = await readStickers(request.stickers ?? [])
          await turn()
          return limiter.run(picture.byteLength + stickersCost(stickers), () =>
            drawMeme(picture, captions, { ...drawing, stickers }),
          )
        }
      }
      return whileReading(image, (changed) =>
        readAndRender(image, request, drawing, edited, turn, changed),
      )
    }

    async function readAndRender(
      image: string,
      request: RenderRequest,
      drawing: Pick<DrawOptions, 'format' | 'outputSize'>,
      edited: boolean,
      turn: () => Promise<void>,
      changed: () => boolean,
    ) {
      const { captions, edits } = request
      // Reading counts too: a burst of reads of 10 MB uploads is itself a burst of memory.
      const upload = await limiter.run(config.maxUploadBytes, () =>
        readUpload(app.s3, bucket, image, config.maxUploadBytes),
      )
      const stickers = await readStickers(request.stickers ?? [])
      if (edited && edits) {
        const cost =
          upload.bytes.length +
          (await editedRenderCost(upload.bytes, decoding)) +
          stickersCost(stickers)
        await turn()
        return limiter.run(cost, () =>
          renderEditedMeme(upload.bytes, captions, edits, { ...decoding, ...drawing, stickers }),
        )
      }
      const cost =
        upload.bytes.length +
        (await animatedRenderCost(upload.bytes, decoding)) +
        stickersCost(stickers)
      await turn()
      return limiter.run(cost, () =>
        renderMeme(upload.bytes, captions, {
          ...decoding,
          ...drawing,
          stickers,
          onDecoded: (picture) => {
            if (upload.etag && !changed()) pictures.set(image, upload.etag, picture)
          },
        }),
      )
    }

    app.decorate(
      'withUploadPicture',
      async <T>(key: string, use: (picture: Picture) => Promise<T>): Promise<T> => {
        // Not from the picture cache, nor into it: renders draw on a cached picture in place
        // (and put it back after), so its pixels may carry someone's captions meanwhile.
        const upload = await limiter.run(config.maxUploadBytes, () =>
          readUpload(app.s3, bucket, key, config.maxUploadBytes),
        )
        const cost = upload.bytes.length + renderCost(upload.bytes, decoding)
        return limiter.run(cost, async () => use(await decodePicture(upload.bytes, decoding)))
      },
    )

    // onError hooks run before the error handler: where an error reply gets its headers.
    app.addHook('onError', async (_request, reply, error) => {
      if (error instanceof BusyError) reply.header('retry-after', String(error.retryAfterSeconds))
    })
  },
  { name: 'memes', dependencies: ['storage'] },
)
