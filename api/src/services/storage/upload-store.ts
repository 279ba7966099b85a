import type { Readable } from 'node:stream'
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3'
import { AppError } from '../shared/app-error.ts'
import { isMissing, s3Status as statusOf, storageUnavailable } from './s3-errors.ts'

function notFound(cause: unknown): AppError {
  return new AppError(404, 'IMAGE_NOT_FOUND', 'That upload does not exist or has expired', {
    cause,
  })
}

export interface Upload {
  bytes: Buffer
  /** The object version's ETag; empty when the store sent none (then nothing is cached). */
  etag: string
}

/** Reads an upload and its ETag, refusing to hold more than `maxBytes` of it in memory. */
export async function readUpload(
  s3: S3Client,
  bucket: string,
  key: string,
  maxBytes: number,
): Promise<Upload> {
  let response
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  } catch (error) {
    if (isMissing(error)) throw notFound(error)
    throw storageUnavailable(error)
  }
  // On Node the body is a Readable: leaving the loop early destroys it.
  const stream = response.Body as unknown as Readable
  const tooLarge = () =>
    new AppError(
      422,
      'IMAGE_TOO_LARGE',
      `The picture is larger than ${maxBytes.toLocaleString('en')} bytes`,
    )
  if ((response.ContentLength ?? 0) > maxBytes) {
    stream.destroy()
    throw tooLarge()
  }
  // The length header is S3's word; count the bytes as they arrive all the same.
  const chunks: Buffer[] = []
  let total = 0
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > maxBytes) throw tooLarge()
      chunks.push(chunk)
    }
  } catch (error) {
    if (error instanceof AppError) throw error
    throw storageUnavailable(error)
  }
  return { bytes: Buffer.concat(chunks, total), etag: response.ETag ?? '' }
}

/**
 * The ETag of an upload's current version, from its headers alone: enough to tell whether
 * a decoded copy is still the object, and a 404 when it has gone. A HEAD rather than a GET
 * with If-None-Match: both take one round trip (about 2 ms each against the embedded S3),
 * but s3rver leaves a file open for every 304 it answers.
 */
export async function uploadEtag(s3: S3Client, bucket: string, key: string): Promise<string> {
  try {
    const response = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    return response.ETag ?? ''
  } catch (error) {
    if (isMissing(error)) throw notFound(error)
    throw storageUnavailable(error)
  }
}

export type StorageStatus = { ok: true } | { ok: false; problem: string }

/**
 * The prefix the health check lists. HeadBucket would need `s3:ListBucket` on the whole
 * bucket; the functions' roles grant it only under `s3:prefix` conditions, and `app/` is one
 * of them. It holds only the small settings record (app/notifications.json), so the listing
 * is one key at most, and an empty one is a healthy answer too.
 */
const HEALTH_CHECK_PREFIX = 'app/'

/**
 * Whether the uploads bucket answers, and if not, a sentence saying why: a one-key listing
 * under {@link HEALTH_CHECK_PREFIX}, which the role may make and which reads no object.
 */
export async function checkBucket(
  s3: S3Client,
  bucket: string,
  timeoutMs = 3000,
): Promise<StorageStatus> {
  try {
    await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: HEALTH_CHECK_PREFIX, MaxKeys: 1 }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    )
    return { ok: true }
  } catch (error) {
    const status = statusOf(error)
    if (status === 404) return { ok: false, problem: `bucket ${bucket} does not exist` }
    if (status === 403) return { ok: false, problem: `access to bucket ${bucket} is denied` }
    if (status) return { ok: false, problem: `storage answered HTTP ${status}` }
    const reason =
      (error as { code?: string }).code ?? (error instanceof Error ? error.name : 'unknown')
    return { ok: false, problem: `storage is unreachable (${reason})` }
  }
}
