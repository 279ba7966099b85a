/**
 * Loaded into the load run's server process (`--import`), for load.ts: times each `BUSY`
 * answer inside the server, from the moment it has read the request's head (Node's
 * `http.server.request.start`) to the last byte of the answer handed to the socket, and
 * watches how late the event loop runs (`monitorEventLoopDelay`). What a client times beyond
 * that is the wait before the server could read its request. Over the IPC channel:
 * `probe:reset` starts afresh, `probe:read` answers with what was seen since.
 */
import { subscribe } from 'node:diagnostics_channel'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'

export interface ProbeReading {
  /** Milliseconds from reading each `BUSY` request to answering it, sorted. */
  busyMs: number[]
  /** The event loop's longest delay, in milliseconds. */
  loopDelayMaxMs: number
}

const started = new WeakMap<IncomingMessage, number>()
let busyMs: number[] = []
const loopDelay = monitorEventLoopDelay({ resolution: 10 })
loopDelay.enable()

subscribe('http.server.request.start', (message) => {
  started.set((message as { request: IncomingMessage }).request, performance.now())
})
subscribe('http.server.response.finish', (message) => {
  const { request, response } = message as { request: IncomingMessage; response: ServerResponse }
  const start = started.get(request)
  if (start !== undefined && response.statusCode === 503) busyMs.push(performance.now() - start)
})

process.on('message', (message) => {
  if (message === 'probe:reset') {
    busyMs = []
    loopDelay.reset()
  } else if (message === 'probe:read') {
    const reading: ProbeReading = {
      busyMs: [...busyMs].sort((a, b) => a - b),
      loopDelayMaxMs: loopDelay.max / 1e6,
    }
    process.send?.(reading)
  }
})
// The channel must not keep the server alive once it is told to stop.
process.channel?.unref()
