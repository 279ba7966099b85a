import type { ImageType } from '@meme-studio/meme-core'
import type { LayoutRequest, LayoutResult } from '@meme-studio/meme-core/schema'
import { tooLargeMessage, uploadFilename } from '@/picture/picture-check.ts'
import { UserFacingError } from './failure-messages.ts'
import { isRecord, requestJson, signUpload, type Shape } from './meme-api.ts'
import { uploadToS3 } from './s3-upload.ts'

const isPositiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0

/** The answer checked by hand: the editor's bundle carries no schema checker. */
const isLayoutResult: Shape<LayoutResult> = (value): value is LayoutResult =>
  isRecord(value) &&
  typeof value.key === 'string' &&
  value.key.startsWith('uploads/') &&
  (value.contentType === 'image/jpeg' || value.contentType === 'image/png') &&
  isPositiveInteger(value.width) &&
  isPositiveInteger(value.height) &&
  typeof value.imageUrl === 'string' &&
  typeof value.expiresAt === 'string'

/** Puts uploaded pictures into a layout, one per panel: the answer is a new upload. */
export function composeLayout(request: LayoutRequest): Promise<LayoutResult> {
  return requestJson(
    '/api/layouts',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    },
    isLayoutResult,
  )
}

/**
 * Uploads one picture the usual way: a signed policy, then straight to S3. Answers its key.
 * A file over the policy's limit is refused here, before any byte is sent.
 */
export async function uploadPictureFile(
  file: File,
  type: ImageType,
  onProgress: (percent: number) => void,
): Promise<string> {
  const signed = await signUpload(uploadFilename(file.name, type), type)
  if (file.size > signed.maxBytes) {
    throw new UserFacingError(tooLargeMessage(file.size, signed.maxBytes), 'TOO_LARGE')
  }
  await uploadToS3(signed, file, onProgress)
  return signed.key
}
