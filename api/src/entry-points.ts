/**
 * Which Lambda function serves which route. The app is one Fastify app; each function's entry
 * point registers only its own route plugins, and API Gateway sends each path to its function.
 *
 * - `render` carries sharp, Skia and the fonts: memes, shares and their pages, templates (their
 *   starter pictures and thumbnails are drawn), memes by URL (`/api/images`) and layouts
 *   (`/api/layouts`: pictures decoded and composed); and, from the jobs queue, job renders.
 * - `control` carries no native package: everything else (health and limits, upload policies,
 *   the admin and signature tools, webhooks, events, the jobs API).
 *
 * The local server is one process with every route (`all`) and the OpenAPI at /api/docs.
 */
export type LambdaFunction = 'render' | 'control'

/** Path prefixes the render function serves; every other path under `/api` is control's. */
export const RENDER_PATHS = [
  '/api/meme',
  '/api/shares',
  '/api/templates',
  '/api/images',
  '/api/layouts',
  '/m/',
] as const

/**
 * The lasting URL of a share's image (`GET /api/shares/<id>/image`, render's) as a CloudFront
 * path pattern: the one path under `/api/shares` the edge may cache.
 */
export const SHARE_IMAGE_PATH_PATTERN = '/api/shares/*/image'

/** The function that serves a request path (no query string). */
export function functionForPath(path: string): LambdaFunction {
  return RENDER_PATHS.some((prefix) =>
    prefix.endsWith('/')
      ? path.startsWith(prefix)
      : path === prefix || path.startsWith(`${prefix}/`),
  )
    ? 'render'
    : 'control'
}

/** Each function's entry module, under `api/`: the same app, its routes chosen by entry. */
export const LAMBDA_ENTRIES: Record<LambdaFunction, string> = {
  render: 'src/lambda-render.ts',
  control: 'src/lambda-control.ts',
}
