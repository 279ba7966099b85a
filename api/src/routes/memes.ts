import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorSchema } from '@meme-studio/meme-core/schema'
import { errorResponses } from '../schemas/errors.ts'
import { MemeRequestSchema, MemeResponseSchema } from '@meme-studio/meme-core/schema'

/** Captions, a key and a format fit in a few kilobytes; refuse anything much bigger. */
const MEME_BODY_LIMIT = 64 * 1024

/** 503 is BUSY (with `Retry-After`) when the renderer is full, or STORAGE_UNAVAILABLE. */
const UnavailableSchema = Type.Object(ErrorSchema.properties, {
  description:
    'BUSY: too many renders at once, try again after Retry-After; or STORAGE_UNAVAILABLE',
  headers: {
    'retry-after': Type.Integer({ description: 'Seconds to wait before trying again (BUSY)' }),
  },
})

/** Raw bytes for clients that ask for an image type before (or instead of) JSON. */
export function wantsRawImage(accept: string | undefined): boolean {
  const ranges = (accept ?? '').split(',').map((r) => r.split(';')[0]?.trim().toLowerCase() ?? '')
  const image = ranges.findIndex((r) => r.startsWith('image/'))
  const json = ranges.findIndex((r) => r === 'application/json')
  return image !== -1 && (json === -1 || image < json)
}

const memeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/meme',
    {
      bodyLimit: MEME_BODY_LIMIT,
      schema: {
        summary: 'Render captions onto an uploaded picture',
        description:
          'Answers JSON `{meme_data, meme_type}` (base64), or the raw image when `Accept` asks for an image type.',
        body: MemeRequestSchema,
        response: {
          200: {
            content: {
              'application/json': { schema: MemeResponseSchema },
              'image/*': { schema: Type.String({ format: 'binary' }) },
            },
          },
          ...errorResponses(400, 404, 413, 415, 422),
          503: UnavailableSchema,
        },
      },
    },
    async (request, reply) => {
      const meme = await app.makeMeme(request.body)
      reply.header('cache-control', 'no-store')
      if (wantsRawImage(request.headers.accept)) {
        // The typed reply knows the JSON shape; image/* bodies are bytes, which Fastify sends as they are.
        return reply.type(meme.contentType).send(meme.bytes as unknown as string)
      }
      return reply
        .type('application/json')
        .send({ meme_data: meme.bytes.toString('base64'), meme_type: meme.contentType })
    },
  )
}

export default memeRoutes
