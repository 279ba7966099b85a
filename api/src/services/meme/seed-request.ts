import type { Caption, ImageSize } from '@meme-studio/meme-core'
import type { SeedMemeRequest } from '@meme-studio/meme-core/schema'
import { AppError } from '../shared/app-error.ts'
import type { RenderRequest } from './meme-render.ts'

/**
 * An address as the bucket check compares it: scheme, host (the URL parser lowercases both
 * and drops a default port) and path without a trailing slash. Undefined for anything that
 * is not a plain http(s) address: credentials, a query or a fragment are never part of the
 * bucket's.
 */
function comparable(address: string): string | undefined {
  let url: URL
  try {
    url = new URL(address)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined
  if (url.username || url.password || url.search || url.hash) return undefined
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`
}

/**
 * The seed's `bucket_address` names the bucket the picture was uploaded to. There is only
 * one: this checks the client means it, and the address is never fetched nor used to choose
 * a bucket.
 */
export function checkBucketAddress(address: string, bucketAddress: string): void {
  const given = comparable(address)
  if (given === undefined || given !== comparable(bucketAddress)) {
    throw new AppError(
      400,
      'VALIDATION',
      `body/bucket_address must be the uploads bucket's address, ${bucketAddress} (the url GET /api/sign-s3-request answers)`,
    )
  }
}

const clamp = (value: number) => Math.min(1, Math.max(0, value))

/**
 * The seed's body as a render request: one caption in the default style whose centre is
 * (posx, posy) in pixels of the upright picture as uploaded, placed as fractions once the
 * render knows that size (and so whatever it scales the picture down to).
 */
export function seedRenderRequest(seed: SeedMemeRequest): RenderRequest {
  const { image, posx, posy, scale, caption } = seed
  return {
    image,
    captions: (upright: ImageSize): Caption[] => [
      {
        text: caption,
        x: clamp(posx / upright.width),
        y: clamp(posy / upright.height),
        ...(scale === undefined ? {} : { scale }),
      },
    ],
  }
}
