import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import dynalite from 'dynalite'
import { endpointFor, formatAddress, type EmbeddedStoreCredentials } from './embedded-s3.ts'
import { createDynamoDbClient } from './plugins/app/records.ts'
import { ensureRecordsTable } from './services/records/records-table.ts'

export interface EmbeddedDynamoDb {
  endpoint: string
  /** The address and port its socket is bound to. */
  listening: string
  close(): Promise<void>
}

/**
 * Starts dynalite (DynamoDB's API on LevelDB) on a free loopback port with the records table,
 * its data under `<dataDir>/dynamodb`. A development stand-in: it has conditional writes, which
 * the app relies on, but neither TTL nor transactions, which the app does not use locally
 * (reads skip expired items themselves). It checks that a request is signed, not by whom:
 * anyone who reaches its port reads every record, hence loopback only, whatever HOST says,
 * and hook secrets sealed before they are stored (services/access/secret-box.ts).
 */
export async function startEmbeddedDynamoDb(options: {
  dataDir: string
  table: string
  region: string
  credentials: EmbeddedStoreCredentials
}): Promise<EmbeddedDynamoDb> {
  const directory = join(options.dataDir, 'dynamodb')
  await mkdir(directory, { recursive: true })
  const server = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const socket = server.address() as AddressInfo
  const endpoint = endpointFor(socket)
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections?.()
    })
  const client = createDynamoDbClient({
    endpoint,
    region: options.region,
    credentials: options.credentials,
  })
  try {
    await ensureRecordsTable(client, options.table)
  } catch (error) {
    await close()
    throw error
  } finally {
    client.destroy()
  }
  return { endpoint, listening: formatAddress(socket), close }
}
