import fp from 'fastify-plugin'

/**
 * Serves the built SPA, as it is on disk now (a rebuild needs no restart). Hashed assets are
 * cached for good. `/` is index.html, the editor's page; any other GET that wants HTML gets
 * app.html (the not-found handler in app-base.ts), so the client-side router owns the paths. The file server loads only when
 * there is an SPA to serve: never on Lambda, where CloudFront serves it from S3.
 */
export default fp<{ root: string }>(
  async (app, { root }) => {
    const { default: fastifyStatic } = await import('@fastify/static')
    await app.register(fastifyStatic, {
      root,
      cacheControl: false,
      // The build writes a Brotli and a gzip copy beside each text file (web/vite.config.ts):
      // the one `Accept-Encoding` allows is sent, with `Vary: Accept-Encoding`, else the file.
      preCompressed: true,
      // A path that climbs out of the root names nothing here: a 404, as any other unknown
      // path, rather than the 403 the file server would answer.
      allowedPath: (pathName) => !pathName.split(/[/\\]/).includes('..'),
      setHeaders(res, path) {
        const immutable = /[/\\]assets[/\\]/.test(path)
        res.setHeader(
          'cache-control',
          immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        )
        // The answer depends on Accept-Encoding (preCompressed), which the file server does
        // not say: a shared cache must not hand a Brotli body to a browser that did not ask.
        res.setHeader('vary', 'Accept-Encoding')
      },
    })
  },
  { name: 'web-app' },
)
