import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifySchemaCompiler } from 'fastify'
import { Type } from 'typebox'
import {
  ErrorSchema,
  MEME_REQUEST_ONLY_PROPERTIES,
  MemeRequestSchema,
  MemeResponseSchema,
  SEED_ONLY_PROPERTIES,
  SeedMemeRequestSchema,
  type SeedMemeRequest,
} from '@meme-studio/meme-core/schema'
import { errorResponses } from '../schemas/errors.ts'
import type { AppConfig } from '../config.ts'
import { negotiateMemeAnswer } from '../services/meme/meme-negotiation.ts'
import type { RenderedMeme } from '../services/meme/meme-render.ts'
import { checkBucketAddress, seedRenderRequest } from '../services/meme/seed-request.ts'
import { uploadBucketAddress } from '../services/storage/upload-policy.ts'

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

const MemeBodySchema = Type.Union([MemeRequestSchema, SeedMemeRequestSchema])

const has = (body: object, names: readonly string[]) =>
  names.some((name) => Object.hasOwn(body, name))

/**
 * Validates a body as one of its two forms, chosen by the properties only the seed's form
 * has: ajv refuses defaults inside `anyOf`, and its errors for a union would describe the
 * form the client did not mean. A body with properties of both is refused as such.
 */
function memeBodyValidator(
  compile: FastifySchemaCompiler<unknown>,
  route: Parameters<FastifySchemaCompiler<unknown>>[0],
) {
  const memeForm = compile({ ...route, schema: MemeRequestSchema })
  const seedForm = compile({ ...route, schema: SeedMemeRequestSchema })
  const validate = Object.assign(
    (body: unknown) => {
      const seed = typeof body === 'object' && body !== null && has(body, SEED_ONLY_PROPERTIES)
      if (seed && has(body, MEME_REQUEST_ONLY_PROPERTIES)) {
        validate.errors = [
          {
            keyword: 'oneOf',
            instancePath: '',
            schemaPath: '#/anyOf',
            params: {},
            message:
              "mixes two forms: send {image or template, captions, format} or the seed's " +
              '{image, bucket_address, posx, posy, scale, caption}, not properties of both',
          },
        ]
        return false
      }
      const form = seed ? seedForm : memeForm
      const valid = form(body)
      validate.errors = form.errors ?? null
      return valid
    },
    { errors: null as ReturnType<FastifySchemaCompiler<unknown>>['errors'] },
  )
  return validate
}

const isSeed = (body: object): body is SeedMemeRequest => Object.hasOwn(body, 'posx')

const memeRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app, { config }) => {
  app.post(
    '/meme',
    {
      bodyLimit: MEME_BODY_LIMIT,
      validatorCompiler: (route) =>
        // Set by the validation plugin before any route is registered.
        route.httpPart === 'body'
          ? memeBodyValidator(app.validatorCompiler!, route)
          : app.validatorCompiler!(route),
      schema: {
        summary: 'Render captions onto an uploaded picture',
        description:
          'Answers JSON `{meme_data, meme_type}` (base64), or the raw image when `Accept` prefers ' +
          'an image type: `image/jpeg`, `image/png` or `image/webp` renders in that format, ' +
          "`image/*` in `format` or the picture's own. No `Accept`, or `*/*`: JSON. The body's " +
          '`format` and `Accept` must agree: `Accept: image/png` with `format: "jpeg"`, or an ' +
          'Accept that allows none of JSON, JPEG, PNG and WebP (`image/gif`, `text/html`), is ' +
          '406 NOT_ACCEPTABLE, before anything is rendered. `edits` are applied to the original ' +
          'upload in this order: EXIF upright, rotate (clockwise), mirror, crop, bands, then ' +
          'scaled to MAX_EDGE; `stickers` (up to 5 uploads) are drawn among the captions, placed ' +
          "in fractions of the edited picture. The seed's form " +
          '`{image, bucket_address, posx, posy, scale, caption}` is also accepted: one caption ' +
          'in the default style centred at (posx, posy) pixels of the upright picture as ' +
          "uploaded; `bucket_address` must be the uploads bucket's address (the sign route's " +
          '`url`), and is never fetched.',
        body: MemeBodySchema,
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
      const { body } = request
      const answer = negotiateMemeAnswer(
        request.headers.accept,
        isSeed(body) ? undefined : body.format,
      )
      if (isSeed(body)) {
        checkBucketAddress(
          body.bucket_address,
          await uploadBucketAddress(app.s3, config.uploadBucket),
        )
      }
      const render = isSeed(body) ? seedRenderRequest(body) : body
      const meme = await app.makeMeme({
        ...render,
        ...(answer.format ? { format: answer.format } : {}),
      })
      reply.header('cache-control', 'no-store')
      reply.header('vary', 'Accept')
      if (answer.kind === 'image') {
        // The typed reply knows the JSON shape; image/* bodies are bytes, which Fastify sends as they are.
        return reply.type(meme.contentType).send(meme.bytes as unknown as string)
      }
      // Serialized here, as bytes, which Fastify sends as they are (see memeJson).
      return reply.type('application/json').send(memeJson(meme) as unknown as string)
    },
  )
}

/**
 * The JSON answer, written as bytes: what `MemeResponseSchema` describes. Base64 and the
 * content type need no escaping, so this skips the serializer's scan of every character of
 * a string that can be megabytes long, and the socket gets one buffer, not a string to
 * encode: on a busy server both were the event loop's largest costs after drawing.
 */
function memeJson(meme: RenderedMeme): Buffer {
  const head = '{"meme_data":"'
  const tail = `","meme_type":"${meme.contentType}"}`
  const base64 = meme.bytes.toString('base64')
  const json = Buffer.allocUnsafe(head.length + base64.length + tail.length)
  let at = json.write(head, 'latin1')
  at += json.write(base64, at, 'latin1')
  json.write(tail, at, 'latin1')
  return json
}

export default memeRoutes
