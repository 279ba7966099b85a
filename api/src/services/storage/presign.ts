import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { storageUnavailable } from './s3-errors.ts'

export interface PresignedGet {
  url: string
  expiresAt: string
}

export interface PresignGetOptions {
  /** How long the URL works. */
  expiresInSeconds: number
  now?: Date
  /**
   * Have S3 answer `Content-Disposition: attachment` with this file name, so browsers save
   * the file (a cross-origin `<a download>` is ignored).
   */
  downloadAs?: string
}

/**
 * A GET URL for one object that works for `expiresInSeconds`, signed with the app's own
 * credentials: whoever holds it reads that object and nothing else.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html
 */
export async function presignGetObject(
  s3: S3Client,
  bucket: string,
  key: string,
  options: PresignGetOptions,
): Promise<PresignedGet> {
  const now = options.now ?? new Date()
  const command = new GetObjectCommand({
    Bucket: bucket,
    Key: key,
    ...(options.downloadAs
      ? { ResponseContentDisposition: `attachment; filename="${options.downloadAs}"` }
      : {}),
  })
  let url: string
  try {
    url = await getSignedUrl(s3, command, {
      expiresIn: options.expiresInSeconds,
      signingDate: now,
    })
  } catch (error) {
    // Presigning reads credentials (on Lambda, from the role): that is what can fail here.
    throw storageUnavailable(error)
  }
  return {
    url,
    expiresAt: new Date(now.getTime() + options.expiresInSeconds * 1000).toISOString(),
  }
}
