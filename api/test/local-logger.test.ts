import { PassThrough } from 'node:stream'
import { stripVTControlCharacters } from 'node:util'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { localLogger } from '../src/local-logger.ts'

// Colour codes, which a terminal shows as colour, are not part of what is read.
const plain = stripVTControlCharacters

describe('the local server’s logger', () => {
  it('writes JSON lines when no terminal watches', () => {
    expect(localLogger('info', false)).toEqual({ level: 'info' })
  })

  it('writes a readable line for a request and one for its answer on a terminal', async () => {
    const sink = new PassThrough()
    let written = ''
    sink.on('data', (chunk: Buffer) => (written += chunk.toString()))
    const app = Fastify({ logger: localLogger('info', true, sink) })
    app.get('/api/health', async () => ({ status: 'ok' }))
    app.get('/boom', async (request) => {
      request.log.warn({ key: 'value' }, 'something to see')
      return {}
    })
    await app.inject('/api/health')
    await app.inject('/boom')
    await app.close()
    const lines = plain(written).trim().split('\n')
    expect(
      lines.some((line) => line.trimStart().startsWith('{')),
      written,
    ).toBe(false)
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[\d\d:\d\d:\d\d\] INFO: req-1 GET \/api\/health$/),
        expect.stringMatching(/^\[\d\d:\d\d:\d\d\] INFO: req-1 200 in \d+ ms$/),
        expect.stringMatching(
          /^\[\d\d:\d\d:\d\d\] WARN: req-2 something to see \{"key":"value"\}$/,
        ),
      ]),
    )
  })
})
