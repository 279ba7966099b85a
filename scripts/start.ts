/**
 * `pnpm start`: builds the web app when its sources are newer than the last build, then
 * runs the API server (which serves the SPA, /api and, by default, an embedded S3).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const built = join(root, 'web', 'dist', 'index.html')
const sources = [
  'web/src',
  'web/public',
  'web/index.html',
  'web/vite.config.ts',
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

const builtAt = existsSync(built) ? statSync(built).mtimeMs : 0
if (Math.max(...sources.map(newestChange)) > builtAt) {
  console.log('meme-studio: building the web app…')
  const build = spawnSync('pnpm', ['--filter', '@meme-studio/web', 'build'], {
    cwd: root,
    stdio: 'inherit',
  })
  if (build.status !== 0) {
    console.error('meme-studio: the web app did not build; see the errors above.')
    process.exit(build.status ?? 1)
  }
}

await import('../api/src/server.ts')
