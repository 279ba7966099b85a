/**
 * One DynamoDB stand-in for the whole run: dynalite in memory on a loopback port. Each app a
 * test builds gets a table of its own (`testConfig`), so files and tests never share records.
 */
import type { AddressInfo } from 'node:net'
import dynalite from 'dynalite'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's dynalite, where `testConfig` points every app. */
    dynamodbEndpoint: string
  }
}

export default async function setup(project: TestProject) {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  project.provide('dynamodbEndpoint', `http://127.0.0.1:${port}`)
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
}
