/**
 * `pnpm start`: checks that its port is free, builds the web app when its sources are newer
 * than the last build, then runs the API server (which serves the SPA, /api and, by default,
 * an embedded S3).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../api/src/config.ts'
import { describeBuild, nodeProblem, portProblem, summarizeBuild } from './start-checks.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const built = join(root, 'web', 'dist', 'index.html')
const sources = [
  'web/src',
  'web/public',
  'web/index.html',
  'web/vite.config.ts',
  'web/build',
  'web/package.json',
  'meme-core/src',
].map((path) => join(root, path))

function newestChange(path: string): number {
  if (!existsSync(path)) return 0
  const stats = statSync(path)
  if (!stats.isDirectory()) return stats.mtimeMs
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestChange(join(path, entry))),
    stats.mtimeMs,
  )
}

const tooOld = nodeProblem(process.versions.node)
if (tooOld) {
  console.error(`meme-studio: ${tooOld} (see the Quick start in README.md).`)
  process.exit(1)
}

// Before anything is built or written: a busy port would otherwise be found only after both.
// A setting the server refuses is left for the server to explain, as it does.
let config: ReturnType<typeof loadConfig> | undefined
try {
  config = loadConfig(process.env)
} catch {
  config = undefined
}
const problem = config && (await portProblem(config.host, config.port))
if (problem) {
  console.error(`meme-studio: ${problem}`)
  process.exit(1)
}

const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0
if (Math.max(...sources.map(newestChange)) > builtAt) {
  console.log('meme-studio: building the web app…')
  const started = performance.now()
  // Warnings and errors only: Vite's own report lists every one of the fonts' files.
  const build = spawnSync(
    'pnpm',
    ['--silent', '--filter', '@meme-studio/web', 'exec', 'vite', 'build', '--logLevel', 'warn'],
    { cwd: root, stdio: 'inherit' },
  )
  if (build.status !== 0) {
    console.error('meme-studio: the web app did not build; see the errors above.')
    process.exit(build.status ?? 1)
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const summary = describeBuild(summarizeBuild(join(root, 'web', 'dist')))
  console.log(`meme-studio: built the web app in ${seconds} s (${summary})`)
}

await import('../api/src/server.ts')
