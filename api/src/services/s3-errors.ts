import type { Readable } from 'node:stream'
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

/**
 * Reads one of the app's own small JSON records (a share's sidecar, a job) and parses it.
 * A missing object is `notFound`; one larger than `maxBytes` or not JSON is a bug of ours
 * (an Error, answered 500); anything else from S3 is `storageUnavailable`.
 */
export async function readJsonRecord(
  s3: S3Client,
  bucket: string,
  key: string,
  options: { maxBytes: number; notFound: (cause: unknown) => AppError },
): Promise<unknown> {
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
    throw storageUnavailable(error)
  }
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new Error(`${key} is not JSON`, { cause })
  }
}
