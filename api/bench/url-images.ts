/**
 * Memes by URL in `pnpm bench`: the route as a server runs it (`app.inject`, in process), on a
 * 4:3 starter of 1024×768 whose picture is decoded and cached by the first request, as a
 * popular template's is:
 *
 * - POST /api/meme by template id with new text each time: the same render without the URL
 *   route, the figure a URL miss compares with;
 * - a URL miss: GET /api/images/<starter>/<lines>.png?v=<version>, new text each time (what
 *   the edge sends on to the API the first time anyone asks for a URL);
 * - a 304: the same URL again with the ETag in If-None-Match (a browser or an edge revalidating):
 *   no picture is read and nothing is drawn.
 */
import type { Caption } from '@meme-studio/meme-core'
import { templateImagePath } from '@meme-studio/meme-core'
import type { FastifyInstance } from 'fastify'
import sharp from 'sharp'

/** A 4:3 starter: 1024×768, the standard job's size. */
export const URL_BENCH_TEMPLATE = 'blank-4x3-white'

export interface UrlImageTimings<T> {
  post: T
  miss: T
  notModified: T
  width: number
  height: number
}

/** Throws unless the answer is `status`: a bench that measures errors measures nothing. */
function expectStatus(
  response: { statusCode: number; body: string },
  status: number,
  what: string,
) {
  if (response.statusCode !== status) {
    throw new Error(`${what} answered ${response.statusCode}, not ${status}: ${response.body}`)
  }
}

export async function urlImageTimings<T>(
  app: FastifyInstance,
  measure: (work: (i: number) => Promise<unknown>) => Promise<T>,
): Promise<UrlImageTimings<T>> {
  const template = await app.templates.forRender(URL_BENCH_TEMPLATE)
  if (!template) throw new Error(`no starter ${URL_BENCH_TEMPLATE}`)
  const captions = (bottom: string): Caption[] =>
    template.boxes.map((box, index) => ({
      ...box,
      text: index === 0 ? 'One does not simply' : bottom,
    }))
  const path = (bottom: string) => {
    const found = templateImagePath(
      { id: template.id, version: template.version, boxes: template.boxes },
      captions(bottom),
      'png',
    )
    if (!found) throw new Error(`no URL for ${JSON.stringify(bottom)}`)
    return found
  }

  // The first render decodes the template's picture into the cache; every one after is a hit.
  const first = await app.inject({ method: 'GET', url: path('warm up') })
  expectStatus(first, 200, 'the first URL render')
  const { width = 0, height = 0 } = await sharp(first.rawPayload).metadata()

  const post = await measure(async (i) => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/meme',
      headers: { accept: 'image/png' },
      payload: { template: template.id, captions: captions(`posted meme #${i}`), format: 'png' },
    })
    expectStatus(response, 200, 'POST /api/meme')
  })
  const miss = await measure(async (i) => {
    const response = await app.inject({ method: 'GET', url: path(`url meme #${i}`) })
    expectStatus(response, 200, 'a URL miss')
  })
  const url = path('cached at the edge')
  const etag = (await app.inject({ method: 'GET', url })).headers.etag as string
  const notModified = await measure(async () => {
    const response = await app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } })
    expectStatus(response, 304, 'a conditional GET')
  })
  return { post, miss, notModified, width, height }
}
