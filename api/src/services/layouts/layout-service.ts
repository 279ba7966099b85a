import { PutObjectCommand, type S3Client, type ServerSideEncryption } from '@aws-sdk/client-s3'
import { PANEL_LAYOUTS } from '@meme-studio/meme-core'
import type { LayoutRequest, LayoutResult } from '@meme-studio/meme-core/schema'
import type { RenderLimiter } from '../meme/render-limiter.ts'
import { AppError } from '../shared/app-error.ts'
import { presignGetObject } from '../storage/presign.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'
import { planUpload, uploadPolicyConditions } from '../storage/upload-policy.ts'
import { readUpload } from '../storage/upload-store.ts'
import { composeCost, composeLayout } from './layout-compose.ts'

/** Long enough to preview the picture and caption it; `POST /api/meme` reads it by key. */
export const LAYOUT_URL_SECONDS = 15 * 60

export interface LayoutDeps {
  s3: S3Client
  bucket: string
  maxPixels: number
  maxEdge: number
  maxUploadBytes: number
  /** Admits compositions by the memory they hold, as renders are. */
  limiter: RenderLimiter
  now?: () => Date
}

/** 400 VALIDATION when the layout takes another number of pictures. */
export function checkPictureCount({ kind, images }: LayoutRequest): void {
  const { panels } = PANEL_LAYOUTS[kind]
  if (images.length !== panels) {
    throw new AppError(
      400,
      'VALIDATION',
      `The ${kind} layout takes ${panels} picture${panels > 1 ? 's' : ''}; ${images.length} ${
        images.length === 1 ? 'was' : 'were'
      } given`,
    )
  }
}

/**
 * Composes uploads into one picture and stores it as a new upload, under a key of the shape
 * `GET /api/sign-s3-request` issues and with what its policy pins (content type, encryption):
 * captioned like any other picture, `POST /api/meme {image: key}`.
 */
export async function makeLayout(deps: LayoutDeps, request: LayoutRequest): Promise<LayoutResult> {
  checkPictureCount(request)
  const { s3, bucket, maxUploadBytes } = deps
  const decoding = { maxPixels: deps.maxPixels, maxEdge: deps.maxEdge }
  const uploads: Buffer[] = []
  for (const key of request.images) {
    const { bytes } = await deps.limiter.run(maxUploadBytes, () =>
      readUpload(s3, bucket, key, maxUploadBytes),
    )
    uploads.push(bytes)
  }
  const composed = await deps.limiter.run(composeCost(uploads, decoding), () =>
    composeLayout(request.kind, uploads, { ...decoding, maxUploadBytes }),
  )
  const extension = composed.contentType === 'image/png' ? 'png' : 'jpg'
  const plan = planUpload(`layout.${extension}`, composed.contentType)
  const { fields } = uploadPolicyConditions(plan, maxUploadBytes)
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: plan.key,
        Body: composed.bytes,
        ContentType: fields['Content-Type'],
        // The policy's fields are plain strings; this one is an encryption S3 names.
        ServerSideEncryption: fields['x-amz-server-side-encryption'] as ServerSideEncryption,
      }),
    )
  } catch (error) {
    throw storageUnavailable(error)
  }
  const { url, expiresAt } = await presignGetObject(s3, bucket, plan.key, {
    expiresInSeconds: LAYOUT_URL_SECONDS,
    now: deps.now?.(),
  })
  return {
    key: plan.key,
    contentType: composed.contentType,
    width: composed.width,
    height: composed.height,
    imageUrl: url,
    expiresAt,
  }
}
