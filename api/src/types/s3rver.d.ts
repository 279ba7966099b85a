/** The part of s3rver's API the local runner uses; the package ships no types. */
declare module 's3rver' {
  import type { RequestListener } from 'node:http'

  interface S3rverOptions {
    silent?: boolean
    directory: string
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[]
  }

  /** A Koa app: `callback()` is its request listener, served by the embedded S3's gate. */
  export default class S3rver {
    constructor(options: S3rverOptions)
    configureBuckets(): Promise<void>
    callback(): RequestListener
    /** After each object stored (PUT, POST, copy, multipart) or deleted (DELETE, not DeleteObjects). */
    on(name: 'event', listener: (event: S3rverEvent) => void): this
  }

  /** s3rver's S3Event, as far as it is read. */
  export interface S3rverEvent {
    Records: { s3: { bucket: { name: string }; object: { key: string } } }[]
  }
}

/** s3rver's accounts: a SigV4 request must name an access key registered here. */
declare module 's3rver/lib/models/account.js' {
  export const DUMMY_ACCOUNT: {
    createKeyPair(accessKeyId: string, secretAccessKey: string): void
  }
}
