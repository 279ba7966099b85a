/**
 * The signature in what a person pasted: the hex digest alone, or the whole Authorization
 * header (`… Signature=<hex>`), with stray spaces and line breaks around it.
 */
export function pastedSignature(text: string): string {
  const trimmed = text.trim()
  return /Signature=([0-9a-fA-F]+)/.exec(trimmed)?.[1] ?? trimmed
}

/**
 * Which of a digest's two spellings an expected value was written in, so that a mismatch
 * compares like with like: hex (with or without a `sha256=`-style prefix) or base64.
 */
export function digestToCompare(
  expected: string,
  digest: { hex: string; base64: string },
): { expected: string; actual: string } {
  const trimmed = expected.trim()
  const hex = /^(?:sha\d+=)?([0-9a-fA-F]+)$/.exec(trimmed)?.[1]
  return hex === undefined
    ? { expected: trimmed, actual: digest.base64 }
    : { expected: hex.toLowerCase(), actual: digest.hex }
}
