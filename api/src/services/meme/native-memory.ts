import { createRequire } from 'node:module'

/**
 * glibc keeps what a burst of renders freed: decoded pictures and encoders' buffers are
 * carved from its heaps, and a heap with anything still in use above the freed pages is
 * not given back. In the load bench RSS stayed 150 to 190 MB above its warmed level 5 s
 * after the bursts; `malloc_trim` hands the free pages back (MADV_DONTNEED) at a cost paid
 * once, when the renders are over, rather than on every allocation as a lower mmap
 * threshold would (see the README's Performance section).
 * @see https://man7.org/linux/man-pages/man3/malloc_trim.3.html
 */
export type Trim = () => boolean

/** What this module uses of koffi's API. */
interface Koffi {
  load(path: string): { func(prototype: string): unknown }
}

/** glibc's `malloc_trim`, once bound; null where it cannot be (no glibc, no koffi). */
let bound: ((pad: number) => number) | null | undefined

/**
 * Binds glibc's `malloc_trim` through koffi (prebuilt, no compiler needed) the first time it
 * is asked for, not when the app starts; null, and never tried again, where there is no
 * glibc's `libc.so.6` (macOS, Windows, musl) or koffi cannot load. knip.json names koffi:
 * it is required by a name knip cannot follow.
 */
function binding(): ((pad: number) => number) | null {
  if (bound === undefined) {
    try {
      if (process.platform !== 'linux') throw new Error('no glibc')
      const koffi = createRequire(import.meta.url)('koffi') as Koffi
      bound = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (pad: number) => number
    } catch {
      bound = null
    }
  }
  return bound
}

/** Whether this process can trim: Linux with glibc, and koffi loaded. */
export const canTrim = () => binding() !== null

/** glibc's `malloc_trim(0)`: true when memory was given back; false where it cannot be. */
export const mallocTrim: Trim = () => binding()?.(0) === 1

/**
 * Trims once renders have stopped: `idleMs` after the last one ended with none in flight,
 * and again only after more renders. The timer never keeps the process alive.
 */
export class TrimWhenIdle {
  #timer: NodeJS.Timeout | undefined

  constructor(
    readonly trim: Trim,
    readonly idleMs: number,
    /** Whether no render is in flight now. */
    readonly idle: () => boolean,
  ) {}

  /** A render ended. */
  renderEnded(): void {
    if (!this.idle()) return
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.idle()) this.trim()
    }, this.idleMs)
    this.#timer.unref()
  }

  /** Stops a trim that is due (the app is closing). */
  cancel(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
  }
}
