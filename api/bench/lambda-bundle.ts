/**
 * The Lambda bundles as `infra/lib/api-bundling.ts` has `NodejsFunction` build them: one
 * minified ES module per entry, the native and file-reading packages left outside, `require`
 * made for the bundled CommonJS. Keep these options in step with that file: the bench's cold
 * starts and the bundle tests are only true of the deployed functions while they match.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type BuildOptions, type Metafile } from 'esbuild'

const API_ROOT = fileURLToPath(new URL('..', import.meta.url))

/** `EXTERNAL_PACKAGES` in infra/lib/api-bundling.ts. */
const EXTERNAL_PACKAGES = ['sharp', '@napi-rs/canvas', '@fastify/static', '@fastify/swagger-ui']

/** esbuild's options for a Lambda entry, as `apiBundling` passes them. */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: false,
  external: EXTERNAL_PACKAGES,
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  logLevel: 'error',
} satisfies BuildOptions

/**
 * Bundles an entry into `index.mjs` under `api/node_modules/.cache/meme-studio-bench/<name>/`:
 * under node_modules, the external packages resolve there as they do beside the function's
 * code. Returns the bundle's path and esbuild's metafile (what went in, what stayed outside).
 */
export async function bundleLambdaEntry(
  entry: string,
  name: string,
): Promise<{ outfile: string; metafile: Metafile }> {
  const outfile = join(API_ROOT, 'node_modules', '.cache', 'meme-studio-bench', name, 'index.mjs')
  const result = await build({
    ...LAMBDA_BUILD_OPTIONS,
    entryPoints: [join(API_ROOT, entry)],
    outfile,
    metafile: true,
  })
  return { outfile, metafile: result.metafile }
}
