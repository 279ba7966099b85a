import { randomBytes } from 'node:crypto'
import type { Readable } from 'node:stream'
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { IMAGE_FORMATS } from '@meme-studio/meme-core'
import { imageSize } from 'image-size'
import { Value } from 'typebox/value'
import { ShareRecordSchema, type ShareRecord } from '../../schemas/records.ts'
import { AppError } from '../shared/app-error.ts'
import { presignGetObject, type PresignedGet } from '../storage/presign.ts'
import { putJsonRecord, readJsonRecord } from '../storage/json-records.ts'
import { isMissing, storageUnavailable } from '../storage/s3-errors.ts'
import { MAX_OUTPUT_BASE64_BYTES, type RenderedMeme } from '../meme/meme-render.ts'

/**
 * A share is two objects under `renders/`: the image, `renders/<id>.<ext>`, and a sidecar,
 * `renders/<id>.json`, written last: a share exists once its sidecar does, so a half-written
 * one is never visible. Nothing here deletes shares; on AWS a lifecycle rule on the prefix
 * expires them (the infra issue adds it).
 */
const SHARE_PREFIX = 'renders/'

/** 128 random bits: ids cannot be guessed, so a share is seen only by who has its link. */
const SHARE_ID_BYTES = 16
/** base64url of 16 bytes, unpadded. Checked wherever an id comes in, before any S3 call. */
const SHARE_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

/** How long a presigned image URL works. Pages that carry one are cached for far less. */
export const SHARE_IMAGE_URL_SECONDS = 60 * 60

/** A fresh id for every share: the bytes under a key never change. */
const RENDER_CACHE_CONTROL = 'public, max-age=31536000, immutable'
/** A sidecar is a few hundred bytes; refuse to read anything much larger. */
const MAX_SIDECAR_BYTES = 16 * 1024
/**
 * A share is a render, made to fit a Lambda answer base64-encoded; a larger object under
 * `renders/` is not one we wrote, and is never held in memory.
 */
export const MAX_SHARE_IMAGE_BYTES = Math.floor((MAX_OUTPUT_BASE64_BYTES * 3) / 4)

export interface Share {
  id: string
  record: ShareRecord
}

export function newShareId(): string {
  return randomBytes(SHARE_ID_BYTES).toString('base64url')
}

export function isShareId(value: string): boolean {
  return SHARE_ID_PATTERN.test(value)
}

export function renderKey(id: string, contentType: ShareRecord['contentType']): string {
  return `${SHARE_PREFIX}${id}.${IMAGE_FORMATS[contentType].extension}`
}

export function sidecarKey(id: string): string {
  return `${SHARE_PREFIX}${id}.json`
}

/** The path of a share's public page. */
export function sharePath(id: string): string {
  return `/m/${id}`
}

/** The lasting path of a share's image, answered by the app (and cached at the edge). */
export function stableImagePath(id: string): string {
  return `/api/shares/${id}/image`
}

function shareNotFound(cause?: unknown): AppError {
  return new AppError(404, 'SHARE_NOT_FOUND', 'That meme does not exist or has expired', {
    cause,
  })
}

/** Stores a rendered meme and its sidecar; the image first, so the sidecar never points at nothing. */
export async function saveShare(
  s3: S3Client,
  bucket: string,
  meme: RenderedMeme,
  title: string,
  { imagePath, now = new Date() }: { imagePath?: string; now?: Date } = {},
): Promise<Share> {
  const { width, height } = imageSize(meme.bytes)
  const id = newShareId()
  const record: ShareRecord = {
    version: 1,
    key: renderKey(id, meme.contentType),
    contentType: meme.contentType,
    width,
    height,
    title,
    createdAt: now.toISOString(),
    ...(imagePath === undefined ? {} : { imagePath }),
  }
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: record.key,
        Body: meme.bytes,
        ContentType: meme.contentType,
        CacheControl: RENDER_CACHE_CONTROL,
        ServerSideEncryption: 'AES256',
      }),
    )
  } catch (error) {
    throw storageUnavailable(error)
  }
  try {
    await putJsonRecord(s3, bucket, sidecarKey(id), record)
  } catch (error) {
    // Without its sidecar the image can never be shown: remove it now, not at expiry.
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: record.key })).catch(() => {})
    throw error
  }
  return { id, record }
}

/** Reads a share's sidecar. An id that is not one we could have issued never reaches S3. */
export async function readShare(s3: S3Client, bucket: string, id: string): Promise<ShareRecord> {
  if (!isShareId(id)) throw shareNotFound()
  return readJsonRecord(s3, bucket, sidecarKey(id), {
    maxBytes: MAX_SIDECAR_BYTES,
    notFound: shareNotFound,
    // Our own object, but the key it names is what gets presigned: it must be this share's.
    isRecord: (record): record is ShareRecord =>
      Value.Check(ShareRecordSchema, record) && record.key === renderKey(id, record.contentType),
  })
}

export type PresignedImage = PresignedGet

/**
 * A GET URL for a share's image that works for `SHARE_IMAGE_URL_SECONDS`; with `download`,
 * one that makes browsers save it as `meme.<ext>`.
 */
export function presignShareImage(
  s3: S3Client,
  bucket: string,
  record: ShareRecord,
  options: { download?: boolean; now?: Date } = {},
): Promise<PresignedImage> {
  return presignGetObject(s3, bucket, record.key, {
    expiresInSeconds: SHARE_IMAGE_URL_SECONDS,
    ...(options.now ? { now: options.now } : {}),
    ...(options.download
      ? { downloadAs: `meme.${IMAGE_FORMATS[record.contentType].extension}` }
      : {}),
  })
}

/** What S3 says of a share's image: its ETag (strong: the bytes under a key never change). */
export interface ShareImageHead {
  etag: string
  contentLength: number
}

function imageGone(cause: unknown): AppError {
  return isMissing(cause) ? shareNotFound(cause) : storageUnavailable(cause)
}

/** The image's headers alone, for HEAD and for If-None-Match: no body is read. */
export async function headShareImage(
  s3: S3Client,
  bucket: string,
  record: ShareRecord,
): Promise<ShareImageHead> {
  let head
  try {
    head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: record.key }))
  } catch (error) {
    throw imageGone(error)
  }
  const contentLength = head.ContentLength ?? 0
  // HEAD says what GET would: a GET of this would fail.
  if (contentLength > MAX_SHARE_IMAGE_BYTES) throw imageTooLarge(record)
  return { etag: head.ETag ?? '', contentLength }
}

/** Not a render of ours: too large for a Lambda answer. A bug, answered 500. */
function imageTooLarge(record: ShareRecord): Error {
  return new Error(`${record.key} is larger than a render can be`)
}

/** The image's bytes and ETag, never more than `MAX_SHARE_IMAGE_BYTES` of them. */
export async function readShareImage(
  s3: S3Client,
  bucket: string,
  record: ShareRecord,
): Promise<{ etag: string; bytes: Buffer }> {
  let response
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: record.key }))
  } catch (error) {
    throw imageGone(error)
  }
  // On Node the body is a Readable: leaving the loop early destroys it.
  const stream = response.Body as unknown as Readable
  if ((response.ContentLength ?? 0) > MAX_SHARE_IMAGE_BYTES) {
    stream.destroy()
    throw imageTooLarge(record)
  }
  // The length header is S3's word; count the bytes as they arrive all the same.
  const chunks: Buffer[] = []
  let total = 0
  let tooMany = false
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      total += chunk.length
      if (total > MAX_SHARE_IMAGE_BYTES) {
        tooMany = true
        break
      }
      chunks.push(chunk)
    }
  } catch (error) {
    throw storageUnavailable(error)
  }
  if (tooMany) throw imageTooLarge(record)
  return { etag: response.ETag ?? '', bytes: Buffer.concat(chunks, total) }
}
