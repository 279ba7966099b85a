import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { AssetHashType, DockerImage } from 'aws-cdk-lib'
import { Code } from 'aws-cdk-lib/aws-lambda'
// The build and its list of packages a bundle cannot hold are the api's own: the bench
// measures the same build the stack deploys.
import { EXTERNAL_PACKAGES } from '../../api/scripts/bundle-lambda.ts'
import type { LambdaFunction } from '../../api/src/entry-points.ts'

/** The repository root: the pnpm workspace whose lock file pins what the bundle holds. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const API_ROOT = join(REPO_ROOT, 'api')

export type LambdaArchitecture = 'arm64' | 'x86_64'

/** The app's two Lambda functions, each built from its own entry point. */
export type Workload = LambdaFunction

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
 * A function's code: `api/scripts/bundle-lambda.ts` builds it (the build `pnpm bench` measures:
 * split into chunks, built-ins through `require`), then its native and file-reading packages,
 * and the render function's fonts, are copied in for the target architecture. Built here,
 * without Docker; the asset's hash is that of the output, so an unchanged app uploads nothing.
 */
export function apiCode(architecture: LambdaArchitecture, workload: Workload): Code {
  return Code.fromAsset(join(API_ROOT, 'src'), {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      // Required by the type, never pulled: local bundling either succeeds or stops synth.
      image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
      // CDK reuses a bundle whose source and options it has staged before; the functions share
      // a source folder, so these tell their (and each architecture's) assets apart.
      environment: { FUNCTION: workload, ARCHITECTURE: architecture },
      local: {
        tryBundle(outputDir) {
          const build = spawnSync(
            process.execPath,
            ['--import', 'tsx', join('scripts', 'bundle-lambda.ts'), workload, outputDir],
            { cwd: API_ROOT, encoding: 'utf8' },
          )
          if (build.status !== 0) {
            throw new Error(`bundling the ${workload} function failed: ${build.stderr}`)
          }
          for (const command of afterBundlingCommands(outputDir, architecture, workload)) {
            const copy = spawnSync('sh', ['-c', command], { encoding: 'utf8' })
            if (copy.status !== 0) throw new Error(`${command} failed: ${copy.stderr}`)
          }
          return true
        },
      },
    },
  })
}
