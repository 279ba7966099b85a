import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import type { AppError } from '../shared/app-error.ts'
import { isMissing, storageUnavailable } from './s3-errors.ts'

/**
 * The app's own small JSON records in S3 (hooks, deliveries, jobs, share sidecars, settings):
 * written whole with server-side encryption, read back bounded and checked.
 */

/** Writes a record; any failure is `storageUnavailable`. */
export async function putJsonRecord(
  s3: S3Client,
  bucket: string,
  key: string,
  record: unknown,
): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(record),
        ContentType: 'application/json',
        ServerSideEncryption: 'AES256',
      }),
    )
  } catch (error) {
    throw storageUnavailable(error)
  }
}

/** Every key under `prefix`, or with a `delimiter` the common prefixes too, across pages. */
export async function listKeys(
  s3: S3Client,
  bucket: string,
  prefix: string,
  delimiter?: string,
): Promise<string[]> {
  const found: string[] = []
  let token: string | undefined
  do {
    let page
    try {
      page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: token,
          ...(delimiter ? { Delimiter: delimiter } : {}),
        }),
      )
    } catch (error) {
      throw storageUnavailable(error)
    }
    for (const item of page.Contents ?? []) if (item.Key) found.push(item.Key)
    for (const item of page.CommonPrefixes ?? []) if (item.Prefix) found.push(item.Prefix)
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return found
}

/** Reads of a record that is not whole before it counts as broken (see `readJsonRecord`). */
const RECORD_READS = 3
const RECORD_REREAD_MS = 25

/**
 * Reads one of the app's own small JSON records (a share's sidecar, a job) and checks it with
 * `isRecord`. A missing object is `notFound`; anything else S3 fails with is
 * `storageUnavailable`; one larger than `maxBytes` is a bug of ours (an Error, answered 500).
 *
 * S3 replaces an object whole, so a reader sees the old record or the new one; an
 * S3-compatible store need not: s3rver rewrites the file in place and its length after, so a
 * read racing a write can get a torn record. One that does not read whole, parse and check
 * is read again, a few times, before it counts as broken.
 */
export async function readJsonRecord<T = unknown>(
  s3: S3Client,
  bucket: string,
  key: string,
  options: {
    maxBytes: number
    notFound: (cause: unknown) => AppError
    /** Unset: any JSON is the record. */
    isRecord?: (value: unknown) => value is T
  },
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const read = await readRecordOnce(s3, bucket, key, options)
    if (read.ok) return read.record
    if (attempt === RECORD_READS) throw read.error
    await sleep(RECORD_REREAD_MS)
  }
}

async function readRecordOnce<T>(
  s3: S3Client,
  bucket: string,
  key: string,
  options: {
    maxBytes: number
    notFound: (cause: unknown) => AppError
    isRecord?: (value: unknown) => value is T
  },
): Promise<{ ok: true; record: T } | { ok: false; error: Error }> {
  let response
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  } catch (error) {
    throw isMissing(error) ? options.notFound(error) : storageUnavailable(error)
  }
  // On Node the body is a Readable; destroying it frees the connection.
  const stream = response.Body as unknown as Readable | undefined
  if ((response.ContentLength ?? 0) > options.maxBytes) {
    stream?.destroy()
    throw new Error(`${key} has ${response.ContentLength} bytes`)
  }
  let text: string
  try {
    text = (await response.Body?.transformToString('utf-8')) ?? ''
  } catch (error) {
    return { ok: false, error: storageUnavailable(error) }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (cause) {
    return { ok: false, error: new Error(`${key} is not JSON`, { cause }) }
  }
  if (options.isRecord && !options.isRecord(value)) {
    return {
      ok: false,
      error: new Error(`${key} is not a valid record (its schema, or the keys it names)`),
    }
  }
  return { ok: true, record: value as T }
}
