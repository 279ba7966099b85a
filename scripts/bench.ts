/**
 * `pnpm bench`: the API's bench (the renderer against Pillow, memes by URL, cold starts, the
 * local server under load: `api/bench/render.bench.ts`), then the phone run (Lighthouse's
 * mobile preset against `pnpm start`: `e2e/bench/phone.ts`). `--phone-only` runs the phone
 * run alone; the API bench's own `--…-only` flags run that part of it alone, without the
 * phone run.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const args = process.argv.slice(2).filter((arg) => arg !== '--')
const phoneOnly = args.includes('--phone-only')
const apiOnly = !phoneOnly && args.some((arg) => arg.endsWith('-only'))

function run(workspace: string, extra: string[]): void {
  const { status } = spawnSync('pnpm', ['--filter', workspace, 'bench', ...extra], {
    cwd: root,
    stdio: 'inherit',
  })
  if (status !== 0) process.exit(status ?? 1)
}

if (!phoneOnly) run('@meme-studio/api', args)
if (!apiOnly) run('@meme-studio/e2e', [])
