/** Headers as typed, one `Name: value` per line, or the sentence that says what is wrong. */
export type ParsedHeaders = { headers: Record<string, string> } | { problem: string }

/** RFC 9110's token characters: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/**
 * Reads a block of `Name: value` lines. Blank lines are skipped; a name given twice keeps
 * both values, comma-separated, as HTTP (and SigV4's canonical headers) combine them.
 */
export function parseHeaderLines(text: string): ParsedHeaders {
  const headers: Record<string, string> = {}
  const lines = text.replace(/\r\n?/g, '\n').split('\n')
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue
    const colon = line.indexOf(':')
    const name = line.slice(0, Math.max(colon, 0)).trim()
    if (colon < 0 || !HEADER_NAME.test(name)) {
      return {
        problem: `Line ${index + 1} of Headers isn't a header: write one per line as Name: value.`,
      }
    }
    const value = line.slice(colon + 1).trim()
    const same = Object.keys(headers).find((known) => known.toLowerCase() === name.toLowerCase())
    if (same === undefined) headers[name] = value
    else headers[same] = `${headers[same]},${value}`
  }
  return { headers }
}
