import fp from 'fastify-plugin'
import type { MemeRequest } from '@meme-studio/meme-core/schema'
import type { AppConfig } from '../../config.ts'
import { renderMeme, type RenderedMeme } from '../../services/meme-render.ts'
import { readUpload } from '../../services/upload-store.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Reads the upload and renders the captions onto it: what `/api/meme` and Share both do. */
    makeMeme(request: MemeRequest): Promise<RenderedMeme>
  }
}

export default fp<{ config: AppConfig }>(
  async (app, { config }) => {
    app.decorate('makeMeme', async ({ image, captions, format }: MemeRequest) => {
      const bytes = await readUpload(app.s3, config.uploadBucket, image, config.maxUploadBytes)
      return renderMeme(bytes, captions, { format, maxPixels: config.maxPixels })
    })
  },
  { name: 'memes', dependencies: ['storage'] },
)
