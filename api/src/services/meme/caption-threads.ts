import { fileURLToPath } from 'node:url'
import type { Caption, ImageSize } from '@meme-studio/meme-core'
import { Piscina } from 'piscina'
import { AppError } from '../shared/app-error.ts'
import type { CaptionLayer } from './meme-render.ts'
import type { CaptionTask, CaptionAnswer } from './caption-thread.ts'

/** Lays out and draws captions, one layer each (none for a caption without ink). */
export type DrawCaptionLayers = (
  captions: readonly Caption[],
  size: ImageSize,
) => Promise<(CaptionLayer | undefined)[]>

const THREAD_FILE = new URL('./caption-thread.ts', import.meta.url)

/**
 * Worker threads that lay out and draw captions: Skia draws synchronously, and a caption
 * layer is the largest piece of a render that runs on the thread that draws it. On the
 * event loop it held up every other request (their HTTP, their S3 reads, their JSON); on
 * threads of their own, as many captions are drawn at once as there are threads, while
 * the event loop serves. A layer is a few hundred kB and is copied back, which costs far
 * less than drawing it.
 */
export class CaptionThreads {
  readonly #pool: Piscina<CaptionTask, CaptionAnswer>

  constructor(threads: number) {
    this.#pool = new Piscina({
      filename: fileURLToPath(THREAD_FILE),
      minThreads: threads,
      maxThreads: threads,
      // The thread module is TypeScript, as the app is: the thread loads it as the process
      // does (`node --import tsx`), and under a runner that compiles on its own (vitest).
      execArgv: process.execArgv.includes('tsx') ? process.execArgv : ['--import', 'tsx'],
      // The threads are kept: starting one costs more than many captions.
      idleTimeout: Number.POSITIVE_INFINITY,
    })
  }

  readonly draw: DrawCaptionLayers = async (captions, size) => {
    const answer = await this.#pool.run({
      captions,
      size: { width: size.width, height: size.height },
    })
    if ('error' in answer) {
      throw new AppError(answer.error.statusCode, answer.error.code, answer.error.message)
    }
    return answer.layers
  }

  async close(): Promise<void> {
    await this.#pool.close({ force: true })
  }
}
