/**
 * What `pnpm start` checks and says before the server starts: that its port is free (before a
 * build and before any key is written), and a short summary of a web build.
 */
import { once } from 'node:events'
import { readdirSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { extname, join } from 'node:path'

/** The oldest Node.js the project runs on (package.json's `engines`, as the Lambda's). */
const NODE_AT_LEAST = [22, 12] as const

/** Undefined when `version` (as `process.versions.node`) is new enough, else what to do. */
export function nodeProblem(version: string): string | undefined {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  const [needMajor, needMinor] = NODE_AT_LEAST
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return undefined
  return `Node.js ${needMajor}.${needMinor} or newer is needed; this is ${version}`
}

/**
 * Whether `host:port` can be listened on now: undefined when it can, else a sentence saying
 * what to do. Port 0 (any free port) always can.
 */
export async function portProblem(host: string, port: number): Promise<string | undefined> {
  if (port === 0) return undefined
  const probe = createServer()
  probe.listen({ host, port, exclusive: true })
  try {
    await once(probe, 'listening')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE') {
      return (
        `port ${port} on ${host} is in use (is meme-studio already running?). ` +
        `Start on another port: PORT=${port === 65535 ? 3001 : port + 1} pnpm start`
      )
    }
    if (code === 'EACCES')
      return `port ${port} on ${host} needs privileges; set PORT to one over 1023`
    if (code === 'EADDRNOTAVAIL')
      return `${host} is not an address of this machine; set HOST to one that is`
    return `cannot listen on ${host}:${port} (${code ?? String(error)})`
  }
  probe.close()
  await once(probe, 'close')
  return undefined
}

/** Sizes of a web build, by kind: as built, and as sent to a browser that takes Brotli. */
export interface BuildSummary {
  files: number
  kinds: { kind: string; bytes: number; brotliBytes: number }[]
}

const KINDS: Record<string, string> = {
  '.js': 'JS',
  '.css': 'CSS',
  '.woff2': 'fonts',
  '.woff': 'fonts',
  '.ttf': 'fonts',
}

export function summarizeBuild(dir: string): BuildSummary {
  const all = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
  const present = new Set(all)
  const built = all.filter((path) => !/\.(br|gz)$/.test(path))
  const totals = new Map<string, { bytes: number; brotliBytes: number }>()
  for (const path of built) {
    const kind = KINDS[extname(path)] ?? 'other'
    const bytes = statSync(path).size
    const brotli = present.has(`${path}.br`) ? statSync(`${path}.br`).size : bytes
    const total = totals.get(kind) ?? { bytes: 0, brotliBytes: 0 }
    totals.set(kind, { bytes: total.bytes + bytes, brotliBytes: total.brotliBytes + brotli })
  }
  const order = ['JS', 'CSS', 'fonts', 'other']
  return {
    files: built.length,
    kinds: order.flatMap((kind) => {
      const total = totals.get(kind)
      return total ? [{ kind, ...total }] : []
    }),
  }
}

const kB = (bytes: number) =>
  bytes >= 1_000_000
    ? `${(bytes / 1_000_000).toFixed(1)} MB`
    : `${(bytes / 1000).toFixed(bytes < 10_000 ? 1 : 0)} kB`

/** One line: `68 files: JS 620 kB (190 kB as Brotli), CSS 31 kB (6.1 kB as Brotli), …`. */
export function describeBuild({ files, kinds }: BuildSummary): string {
  const parts = kinds.map(({ kind, bytes, brotliBytes }) =>
    brotliBytes < bytes
      ? `${kind} ${kB(bytes)} (${kB(brotliBytes)} as Brotli)`
      : `${kind} ${kB(bytes)}`,
  )
  return `${files} file${files === 1 ? '' : 's'}: ${parts.join(', ')}`
}
