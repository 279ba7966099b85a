import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import S3rver from 's3rver'

/** s3rver's fixed development credentials. */
export const EMBEDDED_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }

export interface EmbeddedS3 {
  endpoint: string
  close(): Promise<void>
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
 * Starts s3rver on a free loopback port with the app's buckets. A development stand-in:
 * it stores objects but checks neither POST policies nor versions.
 */
export async function startEmbeddedS3(options: {
  host: string
  dataDir: string
  buckets: readonly string[]
  corsOrigins: readonly string[]
}): Promise<EmbeddedS3> {
  const directory = join(options.dataDir, 's3')
  await mkdir(directory, { recursive: true })
  // A wildcard bind still needs an address browsers can reach in the signed URL.
  const address = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host
  const server = new S3rver({
    address: options.host,
    port: 0,
    silent: true,
    directory,
    configureBuckets: options.buckets.map((name) => ({
      name,
      configs: [corsConfiguration(options.corsOrigins)],
    })),
  })
  const { port } = await server.run()
  const host = address.includes(':') ? `[${address}]` : address
  return { endpoint: `http://${host}:${port}`, close: () => server.close() }
}
