import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { describeBuild, nodeProblem, portProblem, summarizeBuild } from '../start-checks.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

/** A server holding a loopback port, as another program would. */
async function holdPort() {
  const server = createServer()
  server.listen({ host: '127.0.0.1', port: 0 })
  await once(server, 'listening')
  return { server, port: (server.address() as AddressInfo).port }
}

describe('portProblem', () => {
  it('finds nothing wrong with a free port, and leaves it free', async () => {
    const { server, port } = await holdPort()
    server.close()
    await once(server, 'close')
    assert.equal(await portProblem('127.0.0.1', port), undefined)
    assert.equal(await portProblem('127.0.0.1', port), undefined)
  })

  it('names a busy port and the command to start on the next one', async () => {
    const { server, port } = await holdPort()
    try {
      assert.equal(
        await portProblem('127.0.0.1', port),
        `port ${port} on 127.0.0.1 is in use (is meme-studio already running?). ` +
          `Start on another port: PORT=${port + 1} pnpm start`,
      )
    } finally {
      server.close()
    }
  })

  it('takes port 0 (any free one) as it is', async () => {
    assert.equal(await portProblem('127.0.0.1', 0), undefined)
  })
})

describe('nodeProblem', () => {
  it('takes Node.js 22.12 and newer, and names the version it needs otherwise', () => {
    for (const version of ['22.12.0', '22.23.3', '23.0.0', '24.1.0']) {
      assert.equal(nodeProblem(version), undefined, version)
    }
    for (const version of ['20.20.2', '22.11.0', '18.0.0']) {
      assert.equal(nodeProblem(version), `Node.js 22.12 or newer is needed; this is ${version}`)
    }
  })
})

describe('the build summary', () => {
  it('adds up each kind of file as built and as sent compressed, leaving out the copies', () => {
    const dist = mkdtempSync(join(tmpdir(), 'meme-studio-dist-'))
    mkdirSync(join(dist, 'assets'))
    const files: Record<string, number> = {
      'index.html': 1200,
      'index.html.br': 400,
      'index.html.gz': 500,
      'assets/app.js': 50_000,
      'assets/app.js.br': 15_000,
      'assets/app.js.gz': 18_000,
      'assets/small.js': 600,
      'assets/app.css': 8_000,
      'assets/app.css.br': 2_000,
      'assets/anton.woff2': 20_000,
    }
    for (const [path, size] of Object.entries(files)) {
      writeFileSync(join(dist, path), Buffer.alloc(size))
    }
    const summary = summarizeBuild(dist)
    assert.deepEqual(summary, {
      files: 5,
      kinds: [
        { kind: 'JS', bytes: 50_600, brotliBytes: 15_600 },
        { kind: 'CSS', bytes: 8_000, brotliBytes: 2_000 },
        { kind: 'fonts', bytes: 20_000, brotliBytes: 20_000 },
        { kind: 'other', bytes: 1_200, brotliBytes: 400 },
      ],
    })
    assert.equal(
      describeBuild(summary),
      '5 files: JS 51 kB (16 kB as Brotli), CSS 8.0 kB (2.0 kB as Brotli), fonts 20 kB, ' +
        'other 1.2 kB (0.4 kB as Brotli)',
    )
    assert.equal(
      describeBuild({
        files: 1,
        kinds: [{ kind: 'fonts', bytes: 8_311_000, brotliBytes: 8_311_000 }],
      }),
      '1 file: fonts 8.3 MB',
    )
  })
})

describe('pnpm start', () => {
  it('on a busy port, says so and stops before building or writing anything', async () => {
    const { server, port } = await holdPort()
    const dataDir = mkdtempSync(join(tmpdir(), 'meme-studio-data-'))
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
        cwd: root,
        env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 60_000,
      })
      assert.equal(run.status, 1, run.stderr)
      assert.match(
        run.stderr,
        new RegExp(`^meme-studio: port ${port} on 127\\.0\\.0\\.1 is in use`),
      )
      assert.match(run.stderr, new RegExp(`PORT=${port + 1} pnpm start\\n$`))
      assert.doesNotMatch(run.stdout, /building/)
      assert.deepEqual(readdirSync(dataDir), [], 'no admin key or store written')
    } finally {
      server.close()
    }
  })
})
