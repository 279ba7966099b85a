import { randomUUID } from 'node:crypto'
import type { S3Client } from '@aws-sdk/client-s3'
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post'
import type { SignedUpload } from '@meme-studio/meme-core/schema'
import { AppError } from '../shared/app-error.ts'
import { storageUnavailable } from './s3-errors.ts'
import {
  IMAGE_FORMATS,
  imageTypeOfExtension,
  isImageType,
  type ImageType,
} from '@meme-studio/meme-core'

/** How long a browser has to start its upload. */
export const UPLOAD_POLICY_SECONDS = 5 * 60
const MAX_FILENAME_LENGTH = 255

export interface UploadPlan {
  key: string
  contentType: ImageType
}

/**
 * Checks a client's filename and content type and chooses the object key. The filename
 * only contributes its extension: the key is the server's, so no client can aim an
 * upload at another object. Without a content type (the seed's clients send only the name)
 * the extension names it.
 */
export function planUpload(filename: string, contentType?: string): UploadPlan {
  const type = contentType?.trim().toLowerCase()
  if (type !== undefined && !isImageType(type)) {
    throw new AppError(
      400,
      'UNSUPPORTED_MEDIA',
      `Content type "${contentType}" is not accepted; use image/jpeg, image/png, image/webp or image/gif`,
    )
  }
  if (filename.length === 0 || filename.length > MAX_FILENAME_LENGTH) {
    throw new AppError(
      400,
      'BAD_FILENAME',
      `The file name must be 1 to ${MAX_FILENAME_LENGTH} characters long`,
    )
  }
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  if (/[\u0000-\u001f\u007f]/.test(filename)) {
    throw new AppError(400, 'BAD_FILENAME', 'The file name contains control characters')
  }
  if (/[/\\]/.test(filename) || filename === '.' || filename === '..') {
    throw new AppError(400, 'BAD_FILENAME', 'The file name must not contain a path')
  }
  const dot = filename.lastIndexOf('.')
  const extension = dot > 0 ? filename.slice(dot + 1).toLowerCase() : ''
  const named = imageTypeOfExtension(extension)
  if (type === undefined) {
    if (!named) {
      throw new AppError(
        400,
        'UNSUPPORTED_MEDIA',
        'Without contentType the file name says what the picture is: name a .jpg, .png, .webp or .gif file, or send contentType',
      )
    }
    return { key: `uploads/${randomUUID()}.${IMAGE_FORMATS[named].extension}`, contentType: named }
  }
  if (!extension) {
    throw new AppError(400, 'BAD_FILENAME', 'The file name has no extension')
  }
  if (named !== type) {
    throw new AppError(
      400,
      'BAD_FILENAME',
      named
        ? `The extension .${extension} does not match the content type ${type}`
        : `The extension .${extension} is not a picture format we accept`,
    )
  }
  return { key: `uploads/${randomUUID()}.${IMAGE_FORMATS[type].extension}`, contentType: type }
}

/**
 * What the POST policy pins besides bucket, key and credentials (which the SDK adds):
 * the exact type, the size range and encryption at rest. No `starts-with` conditions,
 * so S3 refuses any form field we did not sign.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
export function uploadPolicyConditions(plan: UploadPlan, maxBytes: number) {
  const fields = {
    'Content-Type': plan.contentType,
    'x-amz-server-side-encryption': 'AES256',
  }
  const conditions: NonNullable<PresignedPostOptions['Conditions']> = [
    ['content-length-range', 1, maxBytes],
    { 'Content-Type': plan.contentType },
    { 'x-amz-server-side-encryption': 'AES256' },
  ]
  return { fields, conditions }
}

const bucketAddresses = new WeakMap<S3Client, Map<string, Promise<string>>>()

/**
 * The address browsers POST uploads to, as `signUploadPolicy` answers it in `url`: the SDK
 * builds it from the client's endpoint, region and addressing style. Worked out by signing
 * a policy nobody receives (locally, no request is made), once per client and bucket.
 */
export function uploadBucketAddress(s3: S3Client, bucket: string): Promise<string> {
  let byBucket = bucketAddresses.get(s3)
  if (!byBucket) bucketAddresses.set(s3, (byBucket = new Map()))
  let address = byBucket.get(bucket)
  if (!address) {
    address = createPresignedPost(s3, { Bucket: bucket, Key: 'uploads/' }).then(
      (post) => post.url,
      (error: unknown) => {
        byBucket.delete(bucket)
        throw storageUnavailable(error)
      },
    )
    byBucket.set(bucket, address)
  }
  return address
}

export async function signUploadPolicy(
  s3: S3Client,
  bucket: string,
  plan: UploadPlan,
  maxBytes: number,
): Promise<SignedUpload> {
  const { fields, conditions } = uploadPolicyConditions(plan, maxBytes)
  let post
  try {
    post = await createPresignedPost(s3, {
      Bucket: bucket,
      Key: plan.key,
      Fields: fields,
      Conditions: conditions,
      Expires: UPLOAD_POLICY_SECONDS,
    })
  } catch (error) {
    // Signing reads credentials (on Lambda, from the role): that is what can fail here.
    throw storageUnavailable(error)
  }
  // Report the expiry the policy itself carries, not a second reading of the clock.
  const policy = JSON.parse(Buffer.from(post.fields.Policy ?? '', 'base64').toString('utf8')) as {
    expiration: string
  }
  return {
    url: post.url,
    fields: post.fields,
    key: plan.key,
    expiresAt: policy.expiration,
    maxBytes,
  }
}
