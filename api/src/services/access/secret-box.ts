import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Seals secrets before they are stored, so that whoever reads the store (a DynamoDB reader,
 * the embedded DynamoDB's port, a backup) gets no secret: AES-256-GCM under a key derived
 * (HKDF-SHA256) from key material the store does not hold (`HOOK_SECRETS_KEY`; on Lambda its
 * Secrets Manager secret; locally a generated file). The additional data names what a value
 * is the secret of (a hook and a field), so a sealed value copied onto another hook or field
 * does not open there.
 * @see https://www.rfc-editor.org/rfc/rfc5869 (HKDF)
 * @see https://nvlpubs.nist.gov/nistpubs/Legacy/SP/nistspecialpublication800-38d.pdf (GCM)
 */

/** Sealed values start with this: a format version, so another can follow. */
export const SEALED_PREFIX = 'sealed:v1:'

/** Key material shorter than this is refused: it is used as given, not stretched. */
export const MIN_KEY_MATERIAL_LENGTH = 32

const IV_BYTES = 12
const TAG_BYTES = 16

/** The error for a value the key does not open: the key changed, or the value was moved. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError'
}

export interface SecretBox {
  /** `context` names the value's place, e.g. `hook/<id>/secret`. */
  seal(plain: string, context: string): string
  open(sealed: string, context: string): string
}

export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX)
}

/** A box for `keyMaterial`; `purpose` separates the keys derived for different uses. */
export function secretBox(keyMaterial: string, purpose: string): SecretBox {
  if (keyMaterial.length < MIN_KEY_MATERIAL_LENGTH) {
    throw new SecretBoxError(`key material must be at least ${MIN_KEY_MATERIAL_LENGTH} characters`)
  }
  const key = Buffer.from(
    hkdfSync('sha256', keyMaterial, 'meme-studio secret box', `${purpose} v1`, 32),
  )
  return {
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(Buffer.from(context, 'utf8'))
      const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return SEALED_PREFIX + Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64url')
    },
    open(sealed, context) {
      if (!isSealed(sealed)) throw new SecretBoxError('the value is not sealed')
      const bytes = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url')
      if (bytes.length < IV_BYTES + TAG_BYTES)
        throw new SecretBoxError('the sealed value is cut short')
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES))
      decipher.setAAD(Buffer.from(context, 'utf8'))
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
      try {
        return Buffer.concat([
          decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8')
      } catch (error) {
        throw new SecretBoxError(`the key does not open the value sealed for ${context}`, {
          cause: error,
        })
      }
    },
  }
}

/**
 * The local runner's key material for hook secrets when HOOK_SECRETS_KEY is not set: generated
 * on first start into `DATA_DIR/hook-secrets.key`, readable by its owner only, outside the
 * stores' directories (a copy of `DATA_DIR/dynamodb` alone opens no secret).
 */
export async function resolveHookSecretsKey(
  dataDir: string,
): Promise<{ key: string; file: string; generated: boolean }> {
  const file = join(dataDir, 'hook-secrets.key')
  try {
    const stored = (await readFile(file, 'utf8')).trim()
    if (stored) return { key: stored, file, generated: false }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const key = randomBytes(32).toString('base64url')
  await mkdir(dataDir, { recursive: true })
  await writeFile(file, `${key}\n`, { mode: 0o600 })
  return { key, file, generated: true }
}
