import { mkdtemp, rm } from 'node:fs/promises'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Metafile } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleLambda, startupOutputs } from '../scripts/bundle-lambda.ts'

/**
 * What a bundle is made of, over all its files (the entry and every chunk): the files bundled
 * in, and the packages it loads from outside.
 */
function contents(metafile: Metafile) {
  const outputs = Object.values(metafile.outputs)
  return {
    inputs: [...new Set(outputs.flatMap((output) => Object.keys(output.inputs)))],
    externals: [
      ...new Set(
        outputs.flatMap((output) => output.imports.filter((i) => i.external).map((i) => i.path)),
      ),
    ],
  }
}

const NATIVE_OR_FONTS = /(^|\/)(sharp|@napi-rs\/canvas|@fontsource\/[^/]+|twemoji-colr-font)(\/|$)/

let render: ReturnType<typeof contents>
let control: ReturnType<typeof contents>
const metafiles = {} as Record<'render' | 'control', Metafile>

let dir: string

beforeAll(async () => {
  // The build the stack deploys (scripts/bundle-lambda.ts).
  dir = await mkdtemp(join(tmpdir(), 'lambda-bundles-'))
  const [r, c] = await Promise.all([
    bundleLambda('render', join(dir, 'render')),
    bundleLambda('control', join(dir, 'control')),
  ])
  render = contents(r.metafile)
  control = contents(c.metafile)
  metafiles.render = r.metafile
  metafiles.control = c.metafile
}, 60_000)

afterAll(() => rm(dir, { recursive: true, force: true }))

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

/** The inputs of the files a cold start reads: the entry and the chunks it imports statically. */
function readAtStart(metafile: Metafile): string[] {
  return startupOutputs(metafile).flatMap((file) => Object.keys(metafile.outputs[file]!.inputs))
}

describe.each(['render', 'control'] as const)("the %s function's cold start", (fn) => {
  it('reads neither undici nor the archive code: they load with the first webhook or message', () => {
    const inputs = readAtStart(metafiles[fn])
    expect(inputs).toContain(`src/lambda-${fn}.ts`)
    expect(
      inputs.filter((path) => /node_modules\/(undici|yauzl|yazl)\/|github-archive\.ts$/.test(path)),
    ).toEqual([])
  })

  it('reads neither the SQS nor the Step Functions client, nor the local state machine runner: they load with the first send or delivery', () => {
    expect(
      readAtStart(metafiles[fn]).filter((path) =>
        /node_modules\/(@aws-sdk\/client-(sqs|sfn)|aws-local-stepfunctions|asl-validator)\//.test(
          path,
        ),
      ),
    ).toEqual([])
  })

  it('reads only the environment credential provider of the SDK', () => {
    expect(
      readAtStart(metafiles[fn]).filter((path) =>
        /@aws-sdk\/(credential-provider-(sso|ini|process|web-identity|login)|nested-clients)\//.test(
          path,
        ),
      ),
    ).toEqual([])
  })

  it("imports Node built-ins through require, never as ES modules (node:http's costs 90 ms)", () => {
    const builtins = new RegExp(`^(node:)?(${builtinModules.join('|')})$`)
    const esImports = Object.values(metafiles[fn].outputs).flatMap((output) =>
      output.imports
        .filter((i) => i.external && builtins.test(i.path) && i.kind !== 'require-call')
        .map((i) => `${i.kind} ${i.path}`),
    )
    // The banner's own `import { createRequire } from 'node:module'` is the one allowed.
    expect(esImports.filter((line) => line !== 'import-statement node:module')).toEqual([])
  })
})
