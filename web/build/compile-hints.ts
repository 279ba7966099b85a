import { brotliCompressSync, gzipSync } from 'node:zlib'
import type { Plugin } from 'vite'
import { BROTLI, GZIP } from './compression.ts'
import { firstLoad } from './first-load.ts'

/**
 * V8's explicit compile hint (Chrome 136 and later): a script whose first line is this comment
 * has all its functions compiled while it streams in, off the main thread, instead of each one
 * on the main thread the first time it is called. On a later line it does not do that.
 * @see https://v8.dev/blog/explicit-compile-hints
 */
export const COMPILE_HINT = '//# allFunctionsCalledOnLoad\n'

/**
 * Puts V8's compile hint first in the chunks the editor's first load runs (the entry, the
 * editor's route and what they import statically): nearly all their functions are called as
 * the page mounts. Compiling them one by one as they were first called took the main thread
 * 80 to 120 ms in traces of a first load on the development machine, 3 ms with the hint
 * (README "On a phone" has what it did to Lighthouse's scores).
 *
 * It runs last (`order: 'post'`): Vite adds its preload map (`const __vite__mapDeps=…`) above
 * the code of the chunks that import others lazily, and a hint under it does nothing. Their
 * Brotli and gzip copies, made before, are made again from the hinted code.
 */
export function compileHints(): Plugin {
  return {
    name: 'meme-studio:compile-hints',
    apply: 'build',
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        const load = firstLoad(bundle)
        if (typeof load === 'string') this.error(load)
        for (const name of [...load.entry, ...load.editor]) {
          const chunk = load.byName.get(name)
          if (!chunk) continue
          chunk.code = COMPILE_HINT + chunk.code.replace(COMPILE_HINT, '')
          for (const [suffix, compress] of [
            ['.br', (code: string) => brotliCompressSync(code, BROTLI)],
            ['.gz', (code: string) => gzipSync(code, GZIP)],
          ] as const) {
            const copy = bundle[name + suffix]
            if (copy?.type === 'asset') copy.source = compress(chunk.code)
          }
        }
      },
    },
  }
}
