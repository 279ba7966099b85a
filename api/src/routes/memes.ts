import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorSchema } from '@meme-studio/meme-core/schema'
import { errorResponses } from '../schemas/errors.ts'
import { MemeRequestSchema, MemeResponseSchema } from '@meme-studio/meme-core/schema'
import { negotiateMemeAnswer } from '../services/meme/meme-negotiation.ts'

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

const memeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/meme',
    {
      bodyLimit: MEME_BODY_LIMIT,
      schema: {
        summary: 'Render captions onto an uploaded picture',
        description:
          'Answers JSON `{meme_data, meme_type}` (base64), or the raw image when `Accept` prefers ' +
          'an image type: `image/jpeg`, `image/png` or `image/webp` renders in that format, ' +
          "`image/*` in `format` or the picture's own. No `Accept`, or `*/*`: JSON. The body's " +
          '`format` and `Accept` must agree: `Accept: image/png` with `format: "jpeg"`, or an ' +
          'Accept that allows none of JSON, JPEG, PNG and WebP (`image/gif`, `text/html`), is ' +
          '406 NOT_ACCEPTABLE, before anything is rendered.',
        body: MemeRequestSchema,
        response: {
          200: {
            content: {
              'application/json': { schema: MemeResponseSchema },
              'image/jpeg': { schema: Type.String({ format: 'binary' }) },
              'image/png': { schema: Type.String({ format: 'binary' }) },
              'image/webp': { schema: Type.String({ format: 'binary' }) },
            },
          },
          ...errorResponses(400, 404, 406, 413, 415, 422),
          503: UnavailableSchema,
        },
      },
    },
    async (request, reply) => {
      // Refused before the picture is read: a 406 costs no render.
      const answer = negotiateMemeAnswer(request.headers.accept, request.body.format)
      const meme = await app.makeMeme({
        ...request.body,
        ...(answer.format ? { format: answer.format } : {}),
      })
      reply.header('cache-control', 'no-store')
      reply.header('vary', 'Accept')
      if (answer.kind === 'image') {
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
