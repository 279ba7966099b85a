import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import dynalite from 'dynalite'
import { EMBEDDED_S3_CREDENTIALS } from './embedded-s3.ts'
import { createDynamoDbClient } from './plugins/app/records.ts'
import { ensureRecordsTable } from './services/records/records-table.ts'

export interface EmbeddedDynamoDb {
  endpoint: string
  close(): Promise<void>
}

/**
 * Starts dynalite (DynamoDB's API on LevelDB) on a free port with the records table, its data
 * under `<dataDir>/dynamodb`. A development stand-in: it has conditional writes, which the
 * app relies on, but neither TTL nor transactions, which the app does not use locally
 * (reads skip expired items themselves).
 */
export async function startEmbeddedDynamoDb(options: {
  host: string
  dataDir: string
  table: string
  region: string
}): Promise<EmbeddedDynamoDb> {
  const directory = join(options.dataDir, 'dynamodb')
  await mkdir(directory, { recursive: true })
  const server = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, options.host, () => resolve())
  })
  const address = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host
  const { port } = server.address() as AddressInfo
  const host = address.includes(':') ? `[${address}]` : address
  const endpoint = `http://${host}:${port}`
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections?.()
    })
  const client = createDynamoDbClient({
    endpoint,
    region: options.region,
    // dynalite checks that a request is signed, not by whom: s3rver's pair serves for both.
    credentials: EMBEDDED_S3_CREDENTIALS,
  })
  try {
    await ensureRecordsTable(client, options.table)
  } catch (error) {
    await close()
    throw error
  } finally {
    client.destroy()
  }
  return { endpoint, close }
}
