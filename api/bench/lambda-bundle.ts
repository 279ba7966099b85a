/**
 * The Lambda bundles as `infra/lib/api-bundling.ts` has `NodejsFunction` build them: one
 * minified ES module per entry, the native and file-reading packages left outside, `require`
 * made for the bundled CommonJS. Keep these options in step with that file: the bench's cold
 * starts and the bundle tests are only true of the deployed functions while they match.
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type BuildOptions, type Metafile } from 'esbuild'
import type { LambdaFunction } from '../src/entry-points.ts'

const API_ROOT = fileURLToPath(new URL('..', import.meta.url))

/** `EXTERNAL_PACKAGES` in infra/lib/api-bundling.ts: what each function ships beside its bundle. */
const EXTERNAL_PACKAGES: Record<LambdaFunction, string[]> = {
  render: ['sharp', '@napi-rs/canvas', '@fastify/static', '@fastify/swagger-ui'],
  control: ['@fastify/static', '@fastify/swagger-ui'],
}

/** esbuild's options for a Lambda entry, as `apiBundling` passes them (`external` per function). */
export const LAMBDA_BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: false,
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  logLevel: 'error',
} satisfies BuildOptions

/**
 * Bundles an entry into `index.mjs` under `api/node_modules/.cache/meme-studio-bench/<name>/`:
 * under node_modules, the external packages resolve there as they do beside the function's
 * code. Returns the bundle's path and esbuild's metafile (what went in, what stayed outside). `fn`:
 * the function whose external packages it leaves out.
 */
export async function bundleLambdaEntry(
  entry: string,
  name: string,
  fn: LambdaFunction,
): Promise<{ outfile: string; metafile: Metafile }> {
  const outfile = join(API_ROOT, 'node_modules', '.cache', 'meme-studio-bench', name, 'index.mjs')
  const result = await build({
    ...LAMBDA_BUILD_OPTIONS,
    external: EXTERNAL_PACKAGES[fn],
    entryPoints: [join(API_ROOT, entry)],
    outfile,
    metafile: true,
  })
  return { outfile, metafile: result.metafile }
}
