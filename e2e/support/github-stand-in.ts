/**
 * A loopback stand-in for GitHub's archive download, started by the Playwright config beside
 * the app (whose GITHUB_BASE_URL points here; the e2e machine has no outside network).
 * `GET /<owner>/<repo>/archive/<sha>.zip` answers, after `E2E_GITHUB_DELAY_MS` (so that a page
 * can be seen while the archive is still to come), a zip as GitHub makes it: every file under
 * `<repo>-<sha>/`. A repository named `missing` is a 404. `GET /health` answers 200.
 *
 * Run: `node --import tsx support/github-stand-in.ts` with `E2E_GITHUB_PORT`.
 */
import { createServer } from 'node:http'
import { crc32 } from 'node:zlib'

const port = Number(process.env.E2E_GITHUB_PORT ?? 3101)
const delayMs = Number(process.env.E2E_GITHUB_DELAY_MS ?? 2500)

/** A zip of stored (uncompressed) files: what a few small files need, and no dependency. */
function storedZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text)
    const fileName = Buffer.from(name)
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4) // version needed
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(fileName.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4) // version made by
    central.writeUInt16LE(20, 6) // version needed
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(data.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(fileName.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, fileName, data)
    centrals.push(central, fileName)
    offset += local.length + fileName.length + data.length
  }
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(centrals.length / 2, 8)
  end.writeUInt16LE(centrals.length / 2, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

const server = createServer((req, res) => {
  if (req.url === '/health') return void res.writeHead(200).end('ok')
  const match = /^\/([^/]+)\/([^/]+)\/archive\/([0-9a-f]{40})\.zip$/.exec(req.url ?? '')
  if (!match || match[2] === 'missing') return void res.writeHead(404).end('Not Found')
  const [, , repo, sha] = match
  const top = `${repo}-${sha}/`
  const zip = storedZip({ [`${top}README.md`]: '# site\n', [`${top}buildspec.yml`]: 'build:\n' })
  setTimeout(() => {
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': zip.length })
    res.end(zip)
  }, delayMs)
})
server.listen(port, '127.0.0.1')
process.on('SIGTERM', () => server.close(() => process.exit(0)))
