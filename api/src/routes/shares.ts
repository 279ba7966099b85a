import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { MemeRequestSchema } from '@meme-studio/meme-core/schema'
import type { AppConfig } from '../config.ts'
import { sharePage, sharePagePolicy, shareProblemPage } from '../pages/share-page.ts'
import { errorResponses } from '../schemas/errors.ts'
import { ShareCreatedSchema, ShareParamsSchema, ShareSchema } from '@meme-studio/meme-core/schema'
import { AppError } from '../services/shared/app-error.ts'
import { Sharing } from '../services/shares/sharing.ts'

/** The same body as POST /api/meme, so the same limit. */
const SHARE_BODY_LIMIT = 64 * 1024

/** Anything that carries a presigned URL may be kept for a minute, and only by the browser. */
const SHARE_CACHE_CONTROL = 'private, max-age=60'

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
      const { record, pageUrl, image, download, imageLink } = shown
      reply.header('cache-control', SHARE_CACHE_CONTROL)
      const html = sharePage({
        title: record.title,
        pageUrl,
        imageUrl: image.url,
        downloadUrl: download.url,
        contentType: record.contentType,
        width: record.width,
        height: record.height,
        ...(imageLink === undefined ? {} : { imageLink }),
      })
      const policy = sharePagePolicy(new URL(image.url).origin, {
        copyLink: imageLink !== undefined,
      })
      return sendPage(reply, 200, html, policy)
    },
  )
}
