import { randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import S3rver from 's3rver'
import { DUMMY_ACCOUNT } from 's3rver/lib/models/account.js'
import { s3Gate } from './embedded-s3-gate.ts'
import { ObjectChangeFeed, type ObjectChanges } from './services/storage/object-changes.ts'

export interface EmbeddedStoreCredentials {
  accessKeyId: string
  secretAccessKey: string
}

export interface EmbeddedS3 {
  /** Where clients reach it: the listening address, loopback for a wildcard bind. */
  endpoint: string
  /** The address and port its socket is bound to. */
  listening: string
  /** Every object written (PUT, browser POST, copy, multipart) or deleted through it. */
  changes: ObjectChanges
  close(): Promise<void>
}

/** `host:port`, IPv6 in brackets. */
export function formatAddress({ address, port }: AddressInfo): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`
}

/** A wildcard bind still needs an address browsers can reach in the signed URLs. */
export function endpointFor(socket: AddressInfo): string {
  const wildcard = socket.address === '0.0.0.0' || socket.address === '::'
  return `http://${formatAddress(wildcard ? { ...socket, address: '127.0.0.1' } : socket)}`
}

/**
 * The credentials the embedded stores take: generated on first start and kept in the data
 * directory, readable by its owner only, beside (not inside) the stores' own files, so
 * that nobody else can sign a request to them. s3rver's well-known S3RVER pair is not used.
 */
export async function resolveEmbeddedCredentials(
  dataDir: string,
): Promise<{ credentials: EmbeddedStoreCredentials; file: string; generated: boolean }> {
  const file = join(dataDir, 'embedded-stores-credentials.json')
  try {
    const stored = JSON.parse(await readFile(file, 'utf8')) as Partial<EmbeddedStoreCredentials>
    if (typeof stored.accessKeyId === 'string' && typeof stored.secretAccessKey === 'string') {
      const { accessKeyId, secretAccessKey } = stored
      return { credentials: { accessKeyId, secretAccessKey }, file, generated: false }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const credentials = {
    // An access key id as AWS writes them: 20 upper-case letters and digits.
    accessKeyId: `AKLOCAL${randomBytes(10).toString('hex').toUpperCase().slice(0, 13)}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  }
  await mkdir(dataDir, { recursive: true })
  await writeFile(file, `${JSON.stringify(credentials)}\n`, { mode: 0o600 })
  return { credentials, file, generated: true }
}

function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)
}

/** Lets the app's pages POST uploads straight to the bucket, as on AWS. */
export function corsConfiguration(origins: readonly string[]): string {
  const allowed = origins.map((o) => `<AllowedOrigin>${escapeXml(o)}</AllowedOrigin>`).join('')
  return (
    '<CORSConfiguration><CORSRule>' +
    allowed +
    '<AllowedMethod>POST</AllowedMethod><AllowedMethod>GET</AllowedMethod>' +
    '<AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader>' +
    '<ExposeHeader>ETag</ExposeHeader><ExposeHeader>Location</ExposeHeader>' +
    '<MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>'
  )
}

/**
 * Starts s3rver with the app's buckets on a free port of `host` (the runner passes loopback
 * unless EMBEDDED_S3_HOST says otherwise), behind a gate (embedded-s3-gate.ts) that takes
 * only requests signed with `credentials` and browser POSTs whose signed policy they meet,
 * and refuses keys that would leave the bucket. A development stand-in: no versions, no
 * lifecycle, no encryption at rest, no ACLs or bucket policies.
 */
export async function startEmbeddedS3(options: {
  host: string
  dataDir: string
  buckets: readonly string[]
  corsOrigins: readonly string[]
  credentials: EmbeddedStoreCredentials
  region: string
  /** MAX_UPLOAD_BYTES: the gate reads a browser POST whole to check it, up to this and the form. */
  maxUploadBytes: number
}): Promise<EmbeddedS3> {
  const directory = join(options.dataDir, 's3')
  await mkdir(directory, { recursive: true })
  const s3rver = new S3rver({
    silent: true,
    directory,
    configureBuckets: options.buckets.map((name) => ({
      name,
      configs: [corsConfiguration(options.corsOrigins)],
    })),
  })
  await s3rver.configureBuckets()
  // s3rver checks only that a SigV4 request names a key it knows; the gate checks the rest.
  DUMMY_ACCOUNT.createKeyPair(options.credentials.accessKeyId, options.credentials.secretAccessKey)
  // Announced once the object is stored or gone, before the answer goes out.
  const changes = new ObjectChangeFeed()
  s3rver.on('event', (event) => {
    for (const { s3 } of event.Records) changes.changed(s3.bucket.name, s3.object.key)
  })
  const server = createServer(
    s3Gate(
      {
        credentials: options.credentials,
        region: options.region,
        root: directory,
        corsOrigins: options.corsOrigins,
        // The form's other fields come on top of the file.
        maxPostBytes: options.maxUploadBytes + 64 * 1024,
        onDeleted: (bucket, keys) => {
          for (const key of keys) changes.changed(bucket, key)
        },
      },
      s3rver.callback(),
    ),
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, options.host, () => resolve())
  })
  const socket = server.address() as AddressInfo
  return {
    endpoint: endpointFor(socket),
    listening: formatAddress(socket),
    changes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
