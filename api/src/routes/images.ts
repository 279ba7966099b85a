import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { AppConfig } from '../config.ts'
import { errorResponses } from '../schemas/errors.ts'
import { VERSION_PARAM } from '@meme-studio/meme-core'
import {
  etagMatches,
  IMMUTABLE,
  REDIRECT_CACHE_CONTROL,
  UrlImages,
} from '../services/images/url-images.ts'
import { uploadEtag } from '../services/storage/upload-store.ts'

const PREFIX = '/api/images/'

/**
 * Known options as text; any other parameter is let through and ignored, as memegen does
 * (its clients add their own), so this one schema is open.
 */
const ImageQuerySchema = Type.Object(
  {
    width: Type.Optional(Type.String({ description: 'Scale to this width (px), aspect kept' })),
    height: Type.Optional(
      Type.String({ description: 'Scale to this height (px); with width, padded to both' }),
    ),
    font: Type.Optional(Type.String({ description: 'anton, sans, serif or hand' })),
    color: Type.Optional(
      Type.String({ description: 'Text colour[,outline colour]: CSS names or hex (ff0000)' }),
    ),
    layout: Type.Optional(Type.String({ description: '`top`: every line stacked from the top' })),
    background: Type.Optional(
      Type.String({ description: 'custom only: the upload to draw over (uploads/<uuid>.<ext>)' }),
    ),
    [VERSION_PARAM]: Type.Optional(
      Type.String({ description: "The template's version; any other redirects to the current" }),
    ),
  },
  { additionalProperties: true },
)

const ImageSchema = Type.String({ format: 'binary' })

const DESCRIPTION =
  "memegen's URL form: each line is a path segment with memegen's escapes (`_`/`-` space, " +
  '`__` `_`, `--` `-`, `~q` ?, `~a` &, `~p` %, `~h` #, `~s` /, `~b` \\, `~l` <, `~g` >, ' +
  "`''` \", `~n` new line, `_` alone an empty line, and `~~` ~). A template's image is named " +
  'with its version, `?v=<n>`: without it, or with an old one, the answer is a 302 to the ' +
  'current version. The image never changes under its URL (strong ETag, cached for a year); ' +
  '`If-None-Match` gets 304 without a render, and HEAD renders nothing.'

/** The raw path after `/api/images/`: percent-escapes as sent, which the parser decodes once. */
function imagePath(request: FastifyRequest): string {
  const path = request.url.split('?')[0] ?? ''
  return path.startsWith(PREFIX) ? path.slice(PREFIX.length) : ''
}

/** The same URL naming `version`: relative, so it never comes from the request's Host. */
function versionedUrl(request: FastifyRequest, version: number): string {
  const [path = '', query = ''] = request.url.split(/\?(.*)/s)
  const params = new URLSearchParams(query)
  params.set(VERSION_PARAM, String(version))
  return `${path}?${params.toString()}`
}

const imageRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app, { config }) => {
  const images = new UrlImages({
    findTemplate: (id) => app.templates.forRender(id),
    uploadEtag: (key) => uploadEtag(app.s3, config.uploadBucket, key),
    makeMeme: (request, options) => app.makeMeme(request, options),
    maxEdge: config.maxEdge,
  })

  async function answer(request: FastifyRequest, reply: FastifyReply, withBody: boolean) {
    const image = await images.resolve(
      imagePath(request),
      request.query as Record<string, string | string[] | undefined>,
    )
    if (image.kind === 'redirect') {
      return reply
        .status(302)
        .header('location', versionedUrl(request, image.version))
        .header('cache-control', REDIRECT_CACHE_CONTROL)
        .send()
    }
    reply.header('etag', image.etag).header('cache-control', IMMUTABLE)
    if (etagMatches(request.headers['if-none-match'], image.etag)) {
      return reply.status(304).send()
    }
    reply.type(image.contentType)
    if (!withBody) return reply.send()
    return reply.send(await image.render())
  }

  const schema = (summary: string) => ({
    summary,
    description: DESCRIPTION,
    querystring: ImageQuerySchema,
    response: {
      200: {
        content: {
          'image/png': { schema: ImageSchema },
          'image/jpeg': { schema: ImageSchema },
          'image/webp': { schema: ImageSchema },
        },
      },
      302: Type.Null({ description: 'To the URL naming the template’s current version' }),
      304: Type.Null({ description: 'If-None-Match named this image' }),
      ...errorResponses(400, 404, 413, 422, 503),
    },
  })

  // Errors are answers about this moment (a template not yet made, storage down): never kept.
  const noStoreOnError = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store')
  }

  app.get(
    '/images/*',
    {
      exposeHeadRoute: false,
      schema: schema('A meme from its URL: template, lines, format'),
      onError: noStoreOnError,
    },
    (request, reply) => answer(request, reply, true),
  )
  app.head(
    '/images/*',
    {
      schema: schema("The GET's headers (ETag, type, caching), without rendering"),
      onError: noStoreOnError,
    },
    (request, reply) => answer(request, reply, false),
  )
}

export default imageRoutes
