import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { bannerOrigin, bannerSettings } from './server-banner.ts'

const api = fileURLToPath(new URL('../..', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  exited: Promise<number | null>
  /** Waits until the output holds `text` (15 s at most, or `timeoutMs`). */
  printed(text: string, timeoutMs?: number): Promise<void>
  output(): string
  /** Where the banner says the server is running (`bannerOrigin`). */
  origin(): string
  /** What another process needs to use this one's embedded stores (`bannerSettings`). */
  sharedSettings(): Record<string, string>
}

export interface RunServerOptions {
  /**
   * Another script to run instead of `src/server.ts`, by path (the phone bench runs
   * `scripts/start.ts` itself, which builds the web app first when its sources changed).
   */
  entry?: string
  /** Node's options after `--import tsx` (the load bench's probe and CPU profile). */
  nodeArgs?: string[]
  /** An IPC channel to the child (`child.send`, `message` events). */
  ipc?: boolean
}

/** Runs `src/server.ts` as `pnpm start` does, and collects what it prints. */
export function runServer(
  env: Record<string, string>,
  { entry = 'src/server.ts', nodeArgs = [], ipc = false }: RunServerOptions = {},
): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, entry], {
    cwd: api,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe', ...(ipc ? ['ipc' as const] : [])],
  })
  let output = ''
  child.stdout!.on('data', (chunk) => (output += chunk))
  child.stderr!.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  const printed = async (text: string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs
    while (!output.includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`no "${text}" in:\n${output}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  return {
    child,
    exited,
    printed,
    output: () => output,
    sharedSettings: () => bannerSettings(output),
    origin: () => bannerOrigin(output),
  }
}
