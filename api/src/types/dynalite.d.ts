/** The part of dynalite's API the local runner and the tests use; the package ships no types. */
declare module 'dynalite' {
  import type { Server } from 'node:http'

  interface DynaliteOptions {
    /** The LevelDB directory; unset: in memory. */
    path?: string
    createTableMs?: number
    deleteTableMs?: number
    updateTableMs?: number
    maxItemSizeKb?: number
  }

  /** An HTTP server speaking DynamoDB's API; closing it closes the database. */
  export default function dynalite(options?: DynaliteOptions): Server
}
