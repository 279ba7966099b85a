/**
 * glibc settings that keep a rendering process from holding on to freed native memory
 * (sharp's and Skia's pixel buffers): 254 → 194 MB after 500 renders in the bench, and the
 * local server's RSS back near its level after a burst of concurrent renders. Set on the
 * render function (infra) and by `pnpm start` for the local server, before the process
 * starts: glibc reads them once, at its first allocation.
 * MALLOC_ARENA_MAX: two arenas instead of one per thread. MALLOC_MMAP_THRESHOLD_: a fixed
 * 128 KiB, so big pixel buffers are always mapped and given back when freed; by default
 * glibc raises the threshold as they are freed, and later ones stay in the heap. See
 * mallopt(3), M_ARENA_MAX and M_MMAP_THRESHOLD.
 */
export const RENDER_MALLOC_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
} as const

/** The environment with the settings above added where it does not set them itself. */
export function withRenderMalloc(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...RENDER_MALLOC_ENV, ...env }
}
