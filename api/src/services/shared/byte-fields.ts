import { timingSafeEqual } from 'node:crypto'
import type { ByteEncoding } from '@meme-studio/meme-core/schema'
import { AppError } from './app-error.ts'

/**
 * Request fields that carry bytes as text (keys, messages, policies), as the signature tools
 * read them: sizes checked as sent, encodings decoded strictly, bytes compared in constant time.
 */

/** A field that has the right type but not a usable value: a 400 naming it. */
export function invalidField(field: string, problem: string): AppError {
  return new AppError(400, 'VALIDATION', `body/${field} ${problem}`)
}

export function refuseOversized(field: string, value: string, maxBytes: number): void {
  if (Buffer.byteLength(value, 'utf8') > maxBytes) {
    throw new AppError(413, 'BODY_TOO_LARGE', `body/${field} is larger than ${maxBytes / 1024} KiB`)
  }
}

/**
 * Decodes a field written as text, hex or base64, strictly: Node's own decoders skip what
 * they do not understand, which would sign different bytes than the person typed.
 */
export function decodeField(field: string, value: string, encoding: ByteEncoding): Buffer {
  if (encoding === 'utf8') return Buffer.from(value, 'utf8')
  if (encoding === 'hex') {
    if (!/^[0-9A-Fa-f]*$/.test(value)) {
      throw invalidField(field, 'must contain only the hex digits 0-9 and a-f')
    }
    if (value.length % 2 !== 0) throw invalidField(field, 'has an odd number of hex digits')
    return Buffer.from(value, 'hex')
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw invalidField(
      field,
      'must contain only the base64 characters A-Z, a-z, 0-9, + and /, then = padding',
    )
  }
  if (value.length % 4 !== 0) {
    throw invalidField(field, 'must be base64 padded with = to a multiple of 4 characters')
  }
  const bytes = Buffer.from(value, 'base64')
  // "QR==" decodes like "QQ==": leftover bits that are not zero mean a mistyped value.
  if (bytes.toString('base64') !== value) throw invalidField(field, 'is not canonical base64')
  return bytes
}

/** Equal bytes, compared in time that does not depend on where they differ. */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}
