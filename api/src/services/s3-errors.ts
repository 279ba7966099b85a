import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { GetObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3'
import { AppError } from './app-error.ts'

/** The HTTP status S3 answered with, if the error came from S3 at all. */
export function s3Status(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata?.httpStatusCode : undefined
}

/**
 * S3 answers 403 instead of 404 for a missing key when the caller may not list the
 * bucket; to a client both mean "that object is not there".
 */
export function isMissing(error: unknown): boolean {
  const status = s3Status(error)
  return status === 404 || status === 403
}

/** Any other storage failure: the client may try again later; the cause is only logged. */
export function storageUnavailable(cause: unknown): AppError {
  return new AppError(503, 'STORAGE_UNAVAILABLE', 'The storage service is not reachable', {
    cause,
  })
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
