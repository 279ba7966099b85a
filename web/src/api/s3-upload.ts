import type { SignedUpload } from '@meme-studio/meme-core/schema'
import { s3UploadFailure, UPLOAD_TIMED_OUT, UserFacingError } from './failure-messages.ts'

/** A slow phone connection can need minutes for 10 MB; past this, give up and say so. */
const UPLOAD_TIMEOUT_MS = 5 * 60_000

/**
 * Uploads a file with a signed S3 POST policy: the policy's fields in order, the file last,
 * as S3 requires. XMLHttpRequest rather than fetch because only it reports upload progress.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
 */
export function uploadToS3(
  upload: SignedUpload,
  file: Blob,
  onProgress: (percent: number) => void,
): Promise<void> {
  const form = new FormData()
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value)
  form.append('file', file)

  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', upload.url)
    xhr.timeout = UPLOAD_TIMEOUT_MS
    xhr.upload.onprogress = (event) => {
      if (!event.lengthComputable || event.total === 0) return
      onProgress(Math.min(100, Math.round((event.loaded / event.total) * 100)))
    }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(100)
        resolve()
      } else {
        reject(s3UploadFailure(xhr.status, xhr.responseText, upload.maxBytes))
      }
    }
    xhr.onerror = () => reject(s3UploadFailure(0, ''))
    xhr.ontimeout = () => reject(new UserFacingError(UPLOAD_TIMED_OUT, 'TIMEOUT'))
    xhr.send(form)
  })
}
