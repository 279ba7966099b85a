/**
 * When something was saved, as a person says it: the time today, else the date and time.
 * In the reader's own locale and time zone.
 */
export function savedTimeText(savedAt: number, now = Date.now()): string {
  const saved = new Date(savedAt)
  const today = new Date(now).toDateString() === saved.toDateString()
  return new Intl.DateTimeFormat(
    undefined,
    today ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' },
  ).format(saved)
}
