import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'

/**
 * The stand-in for a stalled AWS service (S3, Secrets Manager): a TCP server on loopback that
 * accepts every connection and reads what it is sent but never writes a byte, so the SDK's
 * connect succeeds and only its request timeout can end the call. Specific to this stand-in:
 * a real stall might also answer the headers and then stop sending the body, which the
 * request timeout does not cover.
 */
export async function startStalledServer() {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server: Server = createServer((socket) => {
    accepted += 1
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.resume()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    /** How many connections it has accepted so far. */
    accepted: () => accepted,
    close() {
      for (const socket of sockets) socket.destroy()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
