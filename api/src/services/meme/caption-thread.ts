/**
 * One caption thread (`caption-threads.ts`): lays out and draws the captions it is sent,
 * as the render's own thread would, and sends back the layers or the error a client acts on.
 */
import type { Caption, ImageSize } from '@meme-studio/meme-core'
import type { ErrorCode } from '@meme-studio/meme-core/schema'
import { AppError } from '../shared/app-error.ts'
import { captionLayerList, type CaptionLayer } from './meme-render.ts'

export interface CaptionTask {
  captions: readonly Caption[]
  size: ImageSize
}

export type CaptionAnswer =
  | { layers: (CaptionLayer | undefined)[] }
  | { error: { statusCode: number; code: ErrorCode; message: string } }

/** @public What Piscina runs for each task (`caption-threads.ts`). */
export default async function drawCaptions({
  captions,
  size,
}: CaptionTask): Promise<CaptionAnswer> {
  try {
    return { layers: await captionLayerList(captions, size) }
  } catch (error) {
    // An error's own fields do not cross threads; a client's error is sent as its parts.
    if (error instanceof AppError) {
      return { error: { statusCode: error.statusCode, code: error.code, message: error.message } }
    }
    throw error
  }
}
