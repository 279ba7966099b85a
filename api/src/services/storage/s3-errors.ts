import { S3ServiceException } from '@aws-sdk/client-s3'
import { AppError } from '../shared/app-error.ts'

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
