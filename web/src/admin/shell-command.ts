/**
 * Quotes a value for a POSIX shell: inside single quotes nothing is special, and a single
 * quote is written as `'\''` (close the quotes, an escaped quote, open them again).
 */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`
}

/** What a partner's callback receives with an Apigee OAuth signature. */
export interface ApigeeCallbackParameters {
  callback: string
  clientid: string
  timestamp: string
  signature: string
}

/**
 * A curl command that calls the callback as the partner would, the parameters URL-encoded
 * by curl, ready to paste into a POSIX shell.
 */
export function apigeeCurlCommand(parameters: ApigeeCallbackParameters): string {
  return [
    `curl -G ${shellQuote(parameters.callback)}`,
    `--data-urlencode ${shellQuote(`client_id=${parameters.clientid}`)}`,
    `--data-urlencode ${shellQuote(`timestamp=${parameters.timestamp}`)}`,
    `--data-urlencode ${shellQuote(`signature=${parameters.signature}`)}`,
  ].join(' \\\n  ')
}
