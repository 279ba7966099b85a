import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { MemeRequestSchema } from '@meme-studio/meme-core/schema'
import type { AppConfig } from '../config.ts'
import { sharePage, sharePagePolicy, shareProblemPage } from '../pages/share-page.ts'
import { errorResponses } from '../schemas/errors.ts'
import {
  ShareCreatedSchema,
  ShareImageBytesSchema,
  ShareParamsSchema,
  ShareSchema,
} from '@meme-studio/meme-core/schema'
import { AppError } from '../services/shared/app-error.ts'
import { Sharing } from '../services/shares/sharing.ts'

/** The same body as POST /api/meme, so the same limit. */
const SHARE_BODY_LIMIT = 64 * 1024

/** Anything that carries a presigned URL may be kept for a minute, and only by the browser. */
const SHARE_CACHE_CONTROL = 'private, max-age=60'

/** A share's image never changes under its lasting URL: anyone, the edge included, may keep it. */
const IMAGE_CACHE_CONTROL = 'public, max-age=31536000, immutable'

function sharing(app: FastifyInstance, config: AppConfig): Sharing {
  return new Sharing({
    s3: app.s3,
    bucket: config.uploadBucket,
    publicOrigin: config.publicOrigin,
    render: (meme) => app.makeMeme(meme),
    findTemplate: (id) => app.templates.forRender(id),
    notify: app.notify,
  })
}

/** `/api/shares`: store a render, look one up. */
const shareRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (app, { config }) => {
  const shares = sharing(app, config)
  app.post(
    '/shares',
    {
      bodyLimit: SHARE_BODY_LIMIT,
      schema: {
        summary: 'Render a meme and store it behind a public link',
        description:
          'Takes the body of POST /api/meme. The server renders it itself: it only hosts memes it made.',
        body: MemeRequestSchema,
        response: {
          201: ShareCreatedSchema,
          ...errorResponses(400, 404, 413, 415, 422, 503),
        },
      },
    },
    async (request, reply) => {
      const share = await shares.create(request.body)
      return reply
        .status(201)
        .header('location', share.url)
        .header('cache-control', 'no-store')
        .send(share)
    },
  )

  app.get(
    '/shares/:id',
    {
      schema: {
        summary: 'A shared meme: its title, size and a short-lived image URL',
        params: ShareParamsSchema,
        response: { 200: ShareSchema, ...errorResponses(404, 503) },
      },
    },
    async (request, reply) => {
      const share = await shares.view(request.params.id)
      reply.header('cache-control', SHARE_CACHE_CONTROL)
      return share
    },
  )

  async function answerImage(
    id: string,
    request: FastifyRequest,
    reply: FastifyReply,
    withBody: boolean,
  ) {
    const image = await shares.image(id, {
      ifNoneMatch: request.headers['if-none-match'],
      withBody,
    })
    reply.header('etag', image.etag).header('cache-control', IMAGE_CACHE_CONTROL)
    if (image.kind === 'not-modified') return reply.status(304).send()
    reply.type(image.contentType).header('content-length', image.contentLength)
    return reply.send(image.bytes)
  }

  const imageSchema = (summary: string) => ({
    summary,
    description:
      "The share's image under a URL that lasts as long as the share (for link previews, which " +
      'fetch it long after the page): a strong ETag, cached for a year by anyone; ' +
      '`If-None-Match` gets 304 and HEAD the headers, neither reading the image.',
    params: ShareParamsSchema,
    response: {
      200: {
        content: {
          'image/png': { schema: ShareImageBytesSchema },
          'image/jpeg': { schema: ShareImageBytesSchema },
          'image/webp': { schema: ShareImageBytesSchema },
        },
      },
      304: Type.Null({ description: 'If-None-Match named this image' }),
      ...errorResponses(404, 503),
    },
  })

  // Errors are answers about this moment (storage down, a share not there): never kept.
  const noStoreOnError = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('cache-control', 'no-store')
  }

  app.get(
    '/shares/:id/image',
    {
      exposeHeadRoute: false,
      schema: imageSchema("A shared meme's image, at a lasting URL"),
      onError: noStoreOnError,
    },
    (request, reply) => answerImage(request.params.id, request, reply, true),
  )
  app.head(
    '/shares/:id/image',
    {
      schema: imageSchema("The image's headers (ETag, type, length, caching), without the image"),
      onError: noStoreOnError,
    },
    (request, reply) => answerImage(request.params.id, request, reply, false),
  )
}

export default shareRoutes

const HtmlSchema = Type.String({ description: 'An HTML page' })

function sendPage(reply: FastifyReply, status: number, html: string, policy: string) {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .header('content-security-policy', policy)
    .header('x-content-type-options', 'nosniff')
    .send(html)
}

/** What a person sees instead of a share, with the status that goes with it. */
function sharePageProblem(error: unknown): { status: number; html: string } {
  if (error instanceof AppError && error.statusCode === 404) {
    return {
      status: 404,
      html: shareProblemPage(
        'This meme does not exist or has expired',
        'Shared memes are kept for a limited time. You can always make a new one.',
      ),
    }
  }
  return {
    status: error instanceof AppError && error.statusCode >= 500 ? error.statusCode : 500,
    html: shareProblemPage('This meme cannot be shown right now', 'Please try again in a moment.'),
  }
}

/** `/m/:id`: the public page of a share, for people and link previews. */
export const sharePageRoutes: FastifyPluginAsyncTypebox<{ config: AppConfig }> = async (
  app,
  { config },
) => {
  const shares = sharing(app, config)

  app.get(
    '/m/:id',
    {
      schema: {
        hide: true,
        params: ShareParamsSchema,
        response: {
          200: { content: { 'text/html': { schema: HtmlSchema } } },
          404: { content: { 'text/html': { schema: HtmlSchema } } },
          500: { content: { 'text/html': { schema: HtmlSchema } } },
          503: { content: { 'text/html': { schema: HtmlSchema } } },
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params
      let shown
      try {
        shown = await shares.page(id)
      } catch (error) {
        const problem = sharePageProblem(error)
        if (problem.status >= 500) request.log.error({ err: error }, 'share page failed')
        reply.header('cache-control', problem.status === 404 ? SHARE_CACHE_CONTROL : 'no-store')
        return sendPage(reply, problem.status, problem.html, sharePagePolicy())
      }
      const { record, pageUrl, imageUrl, imagePath, alt, download, imageLink } = shown
      reply.header('cache-control', SHARE_CACHE_CONTROL)
      const html = sharePage({
        title: record.title,
        pageUrl,
        imageUrl,
        imagePath,
        alt,
        downloadUrl: download.url,
        contentType: record.contentType,
        width: record.width,
        height: record.height,
        ...(imageLink === undefined ? {} : { imageLink }),
      })
      return sendPage(reply, 200, html, sharePagePolicy({ scripts: true }))
    },
  )
}
