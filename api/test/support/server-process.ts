import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const api = fileURLToPath(new URL('../..', import.meta.url))

export interface ServerProcess {
  child: ChildProcess
  exited: Promise<number | null>
  /** Waits until the output holds `text` (15 s at most, or `timeoutMs`). */
  printed(text: string, timeoutMs?: number): Promise<void>
  output(): string
  /**
   * Where the banner says the server is running (`http://127.0.0.1:41435`): a server started
   * on PORT=0 takes a free port itself, so no other test can take it between the choosing and
   * the listening.
   */
  origin(): string
  /**
   * The `VAR=value` lines of the banner's "A second process shares these stores" part: what
   * another process needs to use this one's embedded stores.
   */
  sharedSettings(): Record<string, string>
}

/** Runs `src/server.ts` as `pnpm start` does, and collects what it prints. */
export function runServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: api,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
  const printed = async (text: string, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs
    while (!output.includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null)
        throw new Error(`no "${text}" in:\n${output}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }
  const sharedSettings = () => {
    const part = output.split('A second process shares these stores')[1] ?? ''
    const settings: Record<string, string> = {}
    for (const match of part.matchAll(/^\s+([A-Z][A-Z0-9_]*)=(\S*)$/gm)) {
      settings[match[1]!] = match[2]!
    }
    return settings
  }
  const origin = () => {
    const running = /is running at (http:\/\/[^/\s]+)\//.exec(output)?.[1]
    if (!running) throw new Error(`no address in the banner:\n${output}`)
    return running
  }
  return { child, exited, printed, output: () => output, sharedSettings, origin }
}
