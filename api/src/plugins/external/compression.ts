import fp from 'fastify-plugin'

/**
 * What the local server compresses: JSON answers and HTML pages (the share pages). Images are
 * compressed already, and the built SPA's files have their Brotli and gzip copies on disk
 * (web-app.ts).
 */
const COMPRESSED_TYPES = /^(?:application\/json|text\/html)(?:;|$)/

/**
 * Brotli or gzip for the JSON and HTML the app writes, as the browser's `Accept-Encoding`
 * allows, over 1 kB: the template gallery's first page is 19 kB of JSON (its presigned
 * thumbnail URLs), 2 kB as Brotli, and Lighthouse's phone counted the difference against the
 * editor's first screen. `POST /api/meme` is left as it is: its base64 picture barely shrinks
 * and can be megabytes, whose compression would only add to the render's time.
 *
 * For the local server only (app-base.ts registers it with the SPA): on AWS CloudFront
 * compresses every answer at the edge, and a Lambda doing it too would spend its CPU twice.
 * @see https://github.com/fastify/fastify-compress
 */
export default fp(
  async (app) => {
    // Before the compression plugin's own onRoute hook, which reads `compress` as it goes.
    app.addHook('onRoute', (route) => {
      const methods = [route.method].flat()
      if (route.url === '/api/meme' && methods.includes('POST')) route.compress = false
    })
    const { default: fastifyCompress } = await import('@fastify/compress')
    await app.register(fastifyCompress, {
      encodings: ['br', 'gzip'],
      threshold: 1024,
      customTypes: COMPRESSED_TYPES,
    })
  },
  { name: 'compression' },
)
