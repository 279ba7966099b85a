import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { closedPort } from './support/test-app.ts'

const api = fileURLToPath(new URL('..', import.meta.url))
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
})

/** Runs `src/server.ts` as `pnpm start` does, and collects what it prints. */
function runServer(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: api,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  const printed = async (text: string) => {
    const deadline = Date.now() + 15_000
    while (!output.includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no "${text}" in:\n${output}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return { child, exited, printed, output: () => output }
}

describe('the local server', () => {
  it('starts the embedded S3, prints URL and admin key, serves, and stops on SIGINT', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'meme-studio-server-'))
    dirs.push(dataDir)
    const port = new URL(await closedPort()).port
    const server = runServer({ PORT: port, DATA_DIR: dataDir, ADMIN_API_KEYS: '' })
    await server.printed('Press Ctrl-C to stop.')
    expect(server.output()).toContain(`meme-studio is running at http://127.0.0.1:${port}/`)
    expect(server.output()).toMatch(
      /admin API key: [A-Za-z0-9_-]{32} \(new; kept in .*admin-api-key\)/,
    )
    expect(server.output()).toMatch(/storage: +embedded S3 at http:\/\/127\.0\.0\.1:\d+/)

    const health = await fetch(`http://127.0.0.1:${port}/api/health`)
    expect(await health.json()).toEqual({ status: 'ok', storage: 'ok' })

    server.child.kill('SIGINT')
    expect(await server.exited).toBe(0)
    await expect(fetch(`http://127.0.0.1:${port}/api/health`)).rejects.toThrow()
  })

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a whole number from 0 to 65535, got "eighty"'],
    [{ S3_ENDPOINT: 'not a url' }, 'S3_ENDPOINT must be an absolute http(s) URL'],
    [{ S3_ENDPOINT: 'minio:9000' }, 'S3_ENDPOINT must be an http(s) URL'],
  ])('refuses %j with a message naming the variable', async (env, message) => {
    const server = runServer(env)
    expect(await server.exited).toBe(1)
    expect(server.output()).toContain(`meme-studio: configuration error: ${message}`)
  })
})
