/*
 * Reading what `src/server.ts` prints as it starts (its banner), for the tests and the load
 * bench that run it as a process.
 */
import { S3Client } from '@aws-sdk/client-s3'

/**
 * Where the banner says the server is running (`http://127.0.0.1:41435`): a server started
 * on PORT=0 takes a free port itself, so no other process can take it between the choosing
 * and the listening.
 */
export function bannerOrigin(banner: string): string {
  const origin = /is running at (http:\/\/[^/\s]+)\//.exec(banner)?.[1]
  if (!origin) throw new Error(`no address in the server's banner:\n${banner}`)
  return origin
}

/**
 * The `VAR=value` lines of the banner's "A second process shares these stores" part: what
 * another process needs to use this one's embedded stores (S3_ENDPOINT, credentials, ...).
 */
export function bannerSettings(banner: string): Record<string, string> {
  const part = banner.split('A second process shares these stores')[1] ?? ''
  return Object.fromEntries(
    [...part.matchAll(/^\s+([A-Z][A-Z0-9_]*)=(\S*)$/gm)].map((match) => [match[1]!, match[2]!]),
  )
}

/** A client of the embedded S3 a server runs, with the settings its banner printed. */
export function sharedS3Client(settings: Record<string, string>): S3Client {
  return new S3Client({
    endpoint: settings.S3_ENDPOINT,
    region: settings.S3_REGION,
    forcePathStyle: true,
    credentials: {
      accessKeyId: settings.AWS_ACCESS_KEY_ID!,
      secretAccessKey: settings.AWS_SECRET_ACCESS_KEY!,
    },
  })
}
