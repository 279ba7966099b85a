import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib'
import type { Rolldown } from 'vite'
import { describe, expect, it } from 'vitest'
import { COMPILE_HINT, compileHints } from '../compile-hints.ts'
import { build } from './bundle-fixture.ts'

type OutputAsset = Rolldown.OutputAsset
type OutputBundle = Rolldown.OutputBundle
type OutputChunk = Rolldown.OutputChunk

/** Vite's preload map, as it puts it above the code of a chunk that imports others lazily. */
const PRELOAD_MAP = 'const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["x.js"])))=>i;\n'

function run(bundle: OutputBundle) {
  const hook = compileHints().generateBundle as unknown as {
    order: string
    handler: (this: { error(message: string): never }, ...args: unknown[]) => void
  }
  const context = {
    error: (message: string): never => {
      throw new Error(message)
    },
  }
  hook.handler.call(context, {}, bundle, false)
  return hook.order
}

const code = (bundle: OutputBundle, name: string) => (bundle[name] as OutputChunk).code

/** Brotli and gzip copies of `name`, as the compression plugin emits them before the hint. */
function withCopies(bundle: OutputBundle, name: string): void {
  const source = code(bundle, name)
  for (const [suffix, packed] of [
    ['.br', brotliCompressSync(source)],
    ['.gz', gzipSync(source)],
  ] as const) {
    bundle[name + suffix] = { type: 'asset', fileName: name + suffix, source: packed } as never
  }
}

describe('the compile hint', () => {
  it('runs after the other plugins have written the code', () => {
    expect(run(build())).toBe('post')
  })

  it('starts every chunk of the editor’s first load, and no other', () => {
    const bundle = build()
    run(bundle)
    const hinted = Object.values(bundle)
      .filter((file): file is OutputChunk => file.type === 'chunk')
      .filter((chunk) => chunk.code.startsWith(COMPILE_HINT))
      .map((chunk) => chunk.fileName)
      .sort()
    expect(hinted).toEqual([
      'assets/EditorView-1.js',
      'assets/editor-1.js',
      'assets/index-1.js',
      'assets/limits-1.js',
      'assets/vue-1.js',
    ])
    expect(code(bundle, 'assets/AdminView-1.js')).not.toContain('allFunctionsCalledOnLoad')
  })

  it('goes above Vite’s preload map, once, and the compressed copies carry it', () => {
    const bundle = build()
    const entry = bundle['assets/index-1.js'] as OutputChunk
    entry.code = PRELOAD_MAP + COMPILE_HINT + entry.code
    withCopies(bundle, 'assets/index-1.js')
    const before = entry.code
    run(bundle)
    expect(entry.code).toBe(COMPILE_HINT + before.replace(COMPILE_HINT, ''))
    expect(entry.code.split('allFunctionsCalledOnLoad')).toHaveLength(2)
    const br = (bundle['assets/index-1.js.br'] as OutputAsset).source as Uint8Array
    const gz = (bundle['assets/index-1.js.gz'] as OutputAsset).source as Uint8Array
    expect(brotliDecompressSync(br).toString()).toBe(entry.code)
    expect(gunzipSync(gz).toString()).toBe(entry.code)
  })

  it('leaves the copies of chunks it does not hint as they were', () => {
    const bundle = build()
    withCopies(bundle, 'assets/AdminView-1.js')
    const copy = (bundle['assets/AdminView-1.js.br'] as OutputAsset).source
    run(bundle)
    expect((bundle['assets/AdminView-1.js.br'] as OutputAsset).source).toBe(copy)
  })

  it('stops the build when the editor’s route has no chunk of its own', () => {
    const bundle = build()
    delete bundle['assets/EditorView-1.js']
    expect(() => run(bundle)).toThrow(/EditorView\.vue/)
  })
})
