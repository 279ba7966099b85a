/**
 * How a Lambda function of the app is bundled: by the stack (`infra/lib/api-bundling.ts` runs
 * this file), by `pnpm bench` for its cold starts and by the bundle tests. One build, so what
 * the bench measures is what deploys.
 *
 *   node --import tsx scripts/bundle-lambda.ts <render|control> <out dir>
 *
 * writes `<out dir>/index.mjs` (the handler) and `<out dir>/chunks/*.mjs`. The external
 * packages are not copied here: that is the stack's job, for the target architecture.
 */
import { builtinModules } from 'node:module'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild'
import { LAMBDA_ENTRIES, type LambdaFunction } from '../src/entry-points.ts'

const API_ROOT = fileURLToPath(new URL('..', import.meta.url))

/**
 * Packages a bundle cannot hold, so they ship as real packages beside `index.mjs`, per
 * function: sharp and canvas load native `.node` binaries (render only; the control entry
 * never imports them); @fastify/static and @fastify/swagger-ui read their own files from disk
 * (the local server's, never loaded on Lambda). Everything else is bundled, the AWS SDK
 * included, so the SDK is the version the app was tested with rather than the runtime's.
 */
export const EXTERNAL_PACKAGES: Record<LambdaFunction, readonly string[]> = {
  render: ['sharp', '@napi-rs/canvas', '@fastify/static', '@fastify/swagger-ui'],
  control: ['@fastify/static', '@fastify/swagger-ui'],
}

/**
 * Node's built-in modules, when ES code imports them, are loaded through `require`. An ES
 * import of a built-in builds a module namespace from all its exports, which runs every lazy
 * getter: `node:http`'s load Node's own copy of undici, 90 ms on this machine against 6 ms for
 * `require('node:http')`. The AWS SDK imports `node:http` in its HTTP handler, so every
 * function paid that on its first request.
 */
const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(build) {
    const names = builtinModules.map((name) => name.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&'))
    const filter = new RegExp(`^(node:)?(${names.join('|')})$`)
    build.onResolve({ filter }, ({ path, kind }) =>
      kind === 'import-statement' || kind === 'dynamic-import'
        ? { path, namespace: 'builtin-through-require' }
        : undefined,
    )
    build.onLoad({ filter: /.*/, namespace: 'builtin-through-require' }, ({ path }) => ({
      contents: `module.exports = require(${JSON.stringify(path)})`,
      loader: 'js',
    }))
  },
}

/**
 * esbuild's options for a function: minified ES modules for `nodejs22.x`, `require` made for
 * the bundled CommonJS (every output file gets the banner), and code splitting, so what is
 * only imported dynamically (undici for GitHub and Discord, the archive code, the SDK's
 * credential providers other than the environment's) is a chunk read only when used rather
 * than compiled at every cold start. `module` before `main` takes the AWS SDK's ES builds,
 * which esbuild can tree-shake.
 */
export function lambdaBuildOptions(fn: LambdaFunction, outdir: string) {
  return {
    entryPoints: { index: join(API_ROOT, LAMBDA_ENTRIES[fn]) },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: false,
    splitting: true,
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    external: [...EXTERNAL_PACKAGES[fn]],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
    plugins: [builtinsThroughRequire],
    logLevel: 'error',
    metafile: true,
  } satisfies BuildOptions
}

/** A function's bundle. */
export interface LambdaBundle {
  /** The handler's module: `<outdir>/index.mjs`. */
  entry: string
  /** Every output file with its size and inputs. */
  metafile: Metafile
}

/**
 * Bundles one function into `outdir`. `entry` replaces the function's own entry (the bench's
 * floor and runner are bundled the same way, as the function they stand beside).
 */
export async function bundleLambda(
  fn: LambdaFunction,
  outdir: string,
  entry?: string,
): Promise<LambdaBundle> {
  const options = lambdaBuildOptions(fn, outdir)
  const result = await build({
    ...options,
    ...(entry ? { entryPoints: { index: resolve(API_ROOT, entry) } } : {}),
  })
  return { entry: join(outdir, 'index.mjs'), metafile: result.metafile }
}

/**
 * The files a cold start reads, as keys of `metafile.outputs`: the entry and the chunks it
 * imports statically (a chunk imported with `import()` is read when first used).
 */
export function startupOutputs(metafile: Metafile): string[] {
  const outputs = metafile.outputs
  const seen = new Set<string>()
  // The handler's module; `import()` targets are entry points to esbuild too, under chunks/.
  const pending = Object.keys(outputs).filter((path) => /(^|\/)index\.mjs$/.test(path))
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    const output = outputs[file]
    if (seen.has(file) || !output) continue
    seen.add(file)
    for (const imported of output.imports) {
      if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path)
    }
  }
  return [...seen]
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [fn, outdir] = process.argv.slice(2)
  if ((fn !== 'render' && fn !== 'control') || !outdir) {
    console.error('usage: bundle-lambda.ts <render|control> <out dir>')
    process.exit(2)
  }
  await bundleLambda(fn, resolve(outdir))
}
