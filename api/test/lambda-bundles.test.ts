import type { Metafile } from 'esbuild'
import { beforeAll, describe, expect, it } from 'vitest'
import { bundleLambdaEntry } from '../bench/lambda-bundle.ts'

/** What a bundle is made of: the files bundled in, and the packages it loads from outside. */
function contents(metafile: Metafile) {
  const output = Object.values(metafile.outputs)[0]!
  return {
    inputs: Object.keys(output.inputs),
    externals: output.imports.filter((i) => i.external).map((i) => i.path),
  }
}

const NATIVE_OR_FONTS = /(^|\/)(sharp|@napi-rs\/canvas|@fontsource\/[^/]+|twemoji-colr-font)(\/|$)/

let render: ReturnType<typeof contents>
let control: ReturnType<typeof contents>

beforeAll(async () => {
  // Bundled as infra bundles the functions (esbuild, minified ESM).
  const [r, c] = await Promise.all([
    bundleLambdaEntry('src/lambda-render.ts', 'test-render', 'render'),
    bundleLambdaEntry('src/lambda-control.ts', 'test-control', 'control'),
  ])
  render = contents(r.metafile)
  control = contents(c.metafile)
}, 60_000)

describe("the control function's bundle", () => {
  it('loads neither sharp nor Skia', () => {
    expect(control.externals.filter((path) => NATIVE_OR_FONTS.test(path))).toEqual([])
  })

  it('holds nothing of the renderer or the fonts', () => {
    expect(
      control.inputs.filter(
        (path) => NATIVE_OR_FONTS.test(path) || path.includes('services/meme/'),
      ),
    ).toEqual([])
  })
})

describe("the render function's bundle", () => {
  it('loads sharp and Skia from beside the bundle', () => {
    expect(render.externals).toEqual(expect.arrayContaining(['sharp', '@napi-rs/canvas']))
  })

  it('holds the renderer and none of the admin, webhook or event routes', () => {
    expect(render.inputs).toContain('src/services/meme/meme-render.ts')
    expect(
      render.inputs.filter((path) => /src\/routes\/(admin|webhooks|events)/.test(path)),
    ).toEqual([])
  })
})
