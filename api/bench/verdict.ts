/** How every part of `pnpm bench` prints a target's outcome: `met`, or `MISSED` to stand out. */
export const verdict = (ok: boolean): string => (ok ? 'met' : 'MISSED')
