import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { delimiter, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs'
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs'

/** The repository root: the pnpm workspace whose lock file pins what the bundle holds. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const API_ROOT = join(REPO_ROOT, 'api')

export type LambdaArchitecture = 'arm64' | 'x86_64'

/** The app's two Lambda functions (`api/src/entry-points.ts`). */
export type Workload = 'render' | 'control'

/** Each function's entry point: the same Fastify app, its route plugins chosen by entry. */
export const ENTRY_POINTS: Record<Workload, string> = {
  render: join(API_ROOT, 'src', 'lambda-render.ts'),
  control: join(API_ROOT, 'src', 'lambda-control.ts'),
}

/**
 * Packages a bundle cannot hold, so they ship as real packages beside `index.mjs`, per
 * function: sharp and canvas load native `.node` binaries (render only, the control entry
 * never imports them); @fastify/static and @fastify/swagger-ui read their own files from disk
 * at run time. The render list is the bench's bundled app process (`api/bench/`), the build
 * whose cold start and memory the README reports. Everything else is bundled, the AWS SDK
 * included, so the SDK is the version the app was tested with rather than whatever the
 * Lambda runtime carries.
 */
export const EXTERNAL_PACKAGES: Record<Workload, readonly string[]> = {
  render: ['sharp', '@napi-rs/canvas', '@fastify/static', '@fastify/swagger-ui'],
  control: ['@fastify/static', '@fastify/swagger-ui'],
}

/**
 * The caption faces and the weight the server draws them in, as
 * `meme-core/src/caption-fonts.ts` lists them. `api/src/services/meme/caption-fonts.ts` finds
 * them at run time with `require.resolve('<package>/unicode.json')`, so each ships its
 * `package.json` (for `exports`), `unicode.json` and that weight's subset files only.
 */
export const FONT_PACKAGES: Record<string, number> = {
  '@fontsource/anton': 400,
  '@fontsource/noto-sans': 700,
  '@fontsource/noto-serif': 700,
  '@fontsource/caveat': 700,
  '@fontsource/noto-sans-arabic': 700,
  '@fontsource/noto-sans-hebrew': 700,
  '@fontsource/noto-sans-jp': 700,
  '@fontsource/noto-sans-sc': 700,
  '@fontsource/noto-sans-kr': 700,
}

/** Twemoji's COLR font is one file, named by the caption font stack. */
export const EMOJI_FONT = { package: 'twemoji-colr-font', file: 'twemoji.woff2' } as const

interface PackageJson {
  name: string
  version: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  os?: string[]
  cpu?: string[]
  libc?: string[]
}

function readPackage(dir: string): PackageJson {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
}

/** Node's lookup: `node_modules/<name>` in the package's own folder, then up the tree. */
function findPackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate)
    if (dirname(dir) === dir) return undefined
  }
}

/** Whether a platform package (`os`/`cpu`/`libc` in its package.json) runs on Lambda. */
function runsOnLambda(pkg: PackageJson, architecture: LambdaArchitecture): boolean {
  const cpu = architecture === 'arm64' ? 'arm64' : 'x64'
  const allows = (list: string[] | undefined, value: string) =>
    !list ||
    list.includes(value) ||
    (list.some((v) => v.startsWith('!')) && !list.includes(`!${value}`))
  return allows(pkg.os, 'linux') && allows(pkg.cpu, cpu) && allows(pkg.libc, 'glibc')
}

/** One package folder to copy, from the pnpm store to a path under the asset. */
export interface PackageCopy {
  name: string
  version: string
  from: string
  to: string
}

/**
 * The external packages and everything they load, laid out as npm would: hoisted to the
 * asset's `node_modules`, a second version of a name nested under the package that wants it.
 * Optional dependencies are the per-platform binaries (`@img/sharp-linux-arm64`,
 * `@napi-rs/canvas-linux-arm64-gnu`, …): only Lambda's (Linux, glibc, the function's
 * architecture) are taken. pnpm installs the arm64 ones here too (`supportedArchitectures`
 * in `pnpm-workspace.yaml`), so an x86 machine builds the arm64 asset.
 */
export function externalPackageCopies(
  architecture: LambdaArchitecture,
  packages: readonly string[],
): PackageCopy[] {
  const copies: PackageCopy[] = []
  const hoisted = new Map<string, string>()
  const seen = new Set<string>()

  const visit = (name: string, from: string, parentTo: string, optional: boolean) => {
    const dir = findPackage(name, from)
    if (!dir) {
      if (optional) return
      throw new Error(`${name} is not installed (looked from ${from}); run pnpm install`)
    }
    const pkg = readPackage(dir)
    if (optional && !runsOnLambda(pkg, architecture)) return
    let to: string
    const hoistedVersion = hoisted.get(name)
    if (hoistedVersion === undefined) {
      hoisted.set(name, pkg.version)
      to = join('node_modules', name)
    } else if (hoistedVersion === pkg.version) {
      to = join('node_modules', name)
    } else {
      to = join(parentTo, 'node_modules', name)
    }
    const key = `${dir}→${to}`
    if (seen.has(key)) return
    seen.add(key)
    copies.push({ name, version: pkg.version, from: dir, to })
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, to, false)
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, to, true)
  }

  for (const name of packages) visit(name, API_ROOT, '', false)
  return copies
}

const quote = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`

/**
 * Shell commands that put a function's external packages beside its bundle, and for the
 * render function the font files too (the control function draws nothing).
 */
export function afterBundlingCommands(
  outputDir: string,
  architecture: LambdaArchitecture,
  workload: Workload,
): string[] {
  const commands = externalPackageCopies(architecture, EXTERNAL_PACKAGES[workload]).map(
    ({ from, to }) => {
      const dest = join(outputDir, to)
      return `mkdir -p ${quote(dirname(dest))} && cp -RL ${quote(from)} ${quote(dest)}`
    },
  )
  if (workload === 'control') return commands
  for (const [name, weight] of Object.entries(FONT_PACKAGES)) {
    const from = findPackage(name, API_ROOT)
    if (!from) throw new Error(`${name} is not installed; run pnpm install`)
    const dest = join(outputDir, 'node_modules', name)
    commands.push(
      `mkdir -p ${quote(join(dest, 'files'))}`,
      `cp -L ${quote(join(from, 'package.json'))} ${quote(join(from, 'unicode.json'))} ${quote(dest)}`,
      `cp -L ${quote(from)}/files/*-${weight}-normal.woff2 ${quote(join(dest, 'files'))}`,
    )
  }
  const emoji = findPackage(EMOJI_FONT.package, API_ROOT)
  if (!emoji) throw new Error(`${EMOJI_FONT.package} is not installed; run pnpm install`)
  const emojiDest = join(outputDir, 'node_modules', EMOJI_FONT.package)
  commands.push(
    `mkdir -p ${quote(emojiDest)}`,
    `cp -L ${quote(join(emoji, 'package.json'))} ${quote(join(emoji, EMOJI_FONT.file))} ${quote(emojiDest)}`,
  )
  return commands
}

/**
 * How `NodejsFunction` builds one of the app's functions: the esbuild settings of the bench's
 * bundled app (one minified ES module, `require` made for the bundled CommonJS), built here
 * without Docker, then that function's native and file-reading packages copied in for the
 * target architecture.
 */
export function apiBundling(architecture: LambdaArchitecture, workload: Workload): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: 'node22',
    minify: true,
    sourceMap: false,
    banner:
      "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    externalModules: [...EXTERNAL_PACKAGES[workload]],
    forceDockerBundling: false,
    // esbuild is a dependency of infra, not of the workspace root where bundling runs
    // (`pnpm exec esbuild` in projectRoot): its bin folder goes on the PATH.
    environment: {
      PATH: [join(REPO_ROOT, 'infra', 'node_modules', '.bin'), process.env.PATH].join(delimiter),
    },
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir, outputDir) =>
        afterBundlingCommands(outputDir, architecture, workload),
    },
  }
}
