import type * as NativeMemory from '../../src/services/meme/native-memory.ts'

/** How often the app asked glibc to trim since a test last set `count` (see `countingTrims`). */
export const trims = { count: 0 }

/**
 * native-memory.ts with glibc's trim counted instead of called, for a test file's
 * `vi.mock('…/native-memory.ts', (importOriginal) => countingTrims(importOriginal))`: what
 * the app does with the trim is under test, not glibc.
 */
export async function countingTrims(
  importOriginal: () => Promise<typeof NativeMemory>,
): Promise<typeof NativeMemory> {
  return {
    ...(await importOriginal()),
    mallocTrim: () => {
      trims.count += 1
      return true
    },
  }
}
