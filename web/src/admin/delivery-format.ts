/** Made on first use: a page's first Intl formatter loads ICU's locale data (AdminOverviewView). */
let times: Intl.DateTimeFormat | undefined

/** A moment as the person's locale writes it; what the server sent if it isn't a date. */
export function formatMoment(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  times ??= new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
  return times.format(date)
}

/** `840 ms`, `2.4 s`. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}

/** The 7 characters GitHub shows of a commit sha. */
export function shortCommit(sha: string): string {
  return sha.slice(0, 7)
}

/** JSON indented for reading; anything else as it is. */
export function readableJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
