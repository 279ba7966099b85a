import { createHmac } from 'node:crypto'
import { getSigningKey } from '@smithy/signature-v4'
import { AppError } from '../shared/app-error.ts'
import type { S3PolicyInspection, S3PolicyInspectRequest } from '@meme-studio/meme-core/schema'
import { decodeField, refuseOversized, sameBytes } from '../shared/byte-fields.ts'
import { Sha256 } from './sigv4-steps.ts'

/**
 * Reads an S3 POST policy back: its conditions in words, whether it has expired, and
 * whether a signature belongs to it.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html
 */

export const MAX_POLICY_BYTES = 64 * 1024

type PolicyCondition = S3PolicyInspection['conditions'][number]
type PolicyCredential = NonNullable<S3PolicyInspection['credential']>

function badPolicy(problem: string): AppError {
  return new AppError(400, 'VALIDATION', `body/policy ${problem}`)
}

function decodePolicy(text: string): { conditions: unknown[]; expiration?: unknown } {
  let bytes: Buffer
  try {
    bytes = decodeField('policy', text, 'base64')
  } catch {
    throw badPolicy('is not base64 (the standard alphabet, = padded)')
  }
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw badPolicy('decodes to something that is not JSON')
  }
  const isPolicy =
    typeof json === 'object' &&
    json !== null &&
    !Array.isArray(json) &&
    Array.isArray((json as { conditions?: unknown }).conditions)
  if (!isPolicy) {
    throw badPolicy('is not a POST policy: an object with "expiration" and a "conditions" list')
  }
  return json as { conditions: unknown[]; expiration?: unknown }
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/

function readExpiration(
  expiration: unknown,
  now: Date,
  problems: string[],
): S3PolicyInspection['expiration'] {
  if (expiration === undefined) {
    problems.push('The policy has no "expiration"; S3 requires one.')
    return null
  }
  const time =
    typeof expiration === 'string' && ISO_UTC.test(expiration) ? Date.parse(expiration) : NaN
  if (Number.isNaN(time)) {
    problems.push(
      `The expiration ${JSON.stringify(expiration)} is not an ISO 8601 UTC time, such as 2026-01-31T12:00:00Z.`,
    )
    return null
  }
  const inSeconds = Math.floor((time - now.getTime()) / 1000)
  return { expiresAt: new Date(time).toISOString(), expired: time <= now.getTime(), inSeconds }
}

/** `AKID/YYYYMMDD/region/service/aws4_request`. */
export function parseCredential(value: string): PolicyCredential | null {
  const match = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(value)
  if (!match) return null
  return { accessKeyId: match[1]!, date: match[2]!, region: match[3]!, service: match[4]! }
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let size = bytes
  let unit = 0
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024
    unit++
  }
  if (unit > 0) return `${Number(size.toFixed(2))} ${units[unit]}`
  return bytes === 1 ? '1 byte' : `${bytes} bytes`
}

const quoted = (value: string) => JSON.stringify(value)

/** One sentence for an exact or starts-with condition on a form field. */
function explainField(field: string, match: 'exact' | 'starts-with', value: string): string {
  const name = field.toLowerCase()
  if (match === 'starts-with') {
    if (value === '') return `Any value is allowed for ${field}.`
    return name === 'key'
      ? `The object key must start with ${quoted(value)}.`
      : `The ${field} field must start with ${quoted(value)}.`
  }
  switch (name) {
    case 'bucket':
      return `The form must upload to the bucket ${quoted(value)}.`
    case 'key':
      return `The object key must be exactly ${quoted(value)}.`
    case 'content-type':
      return `The Content-Type field must be exactly ${quoted(value)}; S3 stores the object with that type.`
    case 'x-amz-algorithm':
      return value === 'AWS4-HMAC-SHA256'
        ? 'The form is signed with Signature Version 4 (AWS4-HMAC-SHA256).'
        : `The algorithm must be ${quoted(value)}; a Signature Version 4 POST uses AWS4-HMAC-SHA256.`
    case 'x-amz-credential': {
      const credential = parseCredential(value)
      return credential
        ? `Signed with access key ${credential.accessKeyId} for ${credential.date.slice(0, 4)}-` +
            `${credential.date.slice(4, 6)}-${credential.date.slice(6)}, region ` +
            `${credential.region}, service ${credential.service}: the signing key is derived from this scope.`
        : `The credential ${quoted(value)} is not access-key-id/YYYYMMDD/region/service/aws4_request, so S3 cannot derive a signing key.`
    }
    case 'x-amz-date': {
      const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
      return date
        ? `Signed at ${date[1]}-${date[2]}-${date[3]}T${date[4]}:${date[5]}:${date[6]}Z.`
        : `The signing time ${quoted(value)} is not YYYYMMDDTHHMMSSZ.`
    }
    case 'x-amz-server-side-encryption':
      return value === 'AES256'
        ? 'S3 encrypts the object at rest with keys it manages (SSE-S3).'
        : value.startsWith('aws:kms')
          ? `S3 encrypts the object at rest with an AWS KMS key (${value}).`
          : `The server-side encryption field must be ${quoted(value)}.`
    case 'x-amz-security-token':
      return 'The form carries the session token of temporary credentials.'
    case 'acl':
      return `The object gets the canned ACL ${quoted(value)}.`
    case 'success_action_status':
      return `After the upload S3 answers with status ${value}.`
    case 'success_action_redirect':
    case 'redirect':
      return `After the upload S3 redirects the browser to ${value}.`
    case 'cache-control':
    case 'content-disposition':
    case 'content-encoding':
    case 'expires':
      return `The object is stored with ${field}: ${value}.`
    default:
      return name.startsWith('x-amz-meta-')
        ? `The object's metadata ${field.slice('x-amz-meta-'.length)} must be ${quoted(value)}.`
        : `The form field ${field} must be exactly ${quoted(value)}.`
  }
}

function invalidCondition(index: number, raw: unknown, why: string): PolicyCondition {
  return {
    index,
    field: null,
    match: 'invalid',
    explanation: `S3 does not accept the condition ${JSON.stringify(raw)}: ${why}.`,
  }
}

function readCondition(raw: unknown, index: number): PolicyCondition[] {
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const entries = Object.entries(raw)
    if (entries.length === 0) return [invalidCondition(index, raw, 'it names no field')]
    return entries.map(([field, value]) =>
      typeof value === 'string'
        ? { index, field, match: 'exact', value, explanation: explainField(field, 'exact', value) }
        : invalidCondition(index, raw, `the value of ${field} is not a string`),
    )
  }
  if (!Array.isArray(raw) || raw.length !== 3) {
    return [invalidCondition(index, raw, 'a condition is {"field": "value"} or a list of three')]
  }
  const [operator, first, second] = raw as [unknown, unknown, unknown]
  if (operator === 'content-length-range') {
    const valid =
      Number.isSafeInteger(first) &&
      Number.isSafeInteger(second) &&
      (first as number) >= 0 &&
      (first as number) <= (second as number)
    if (!valid)
      return [invalidCondition(index, raw, 'the range needs two whole numbers, min ≤ max')]
    const [min, max] = [first as number, second as number]
    return [
      {
        index,
        field: 'content-length-range',
        match: 'range',
        min,
        max,
        explanation: `The file must be ${formatBytes(min)} to ${formatBytes(max)} (${min} to ${max} bytes).`,
      },
    ]
  }
  if (operator !== 'eq' && operator !== 'starts-with') {
    return [
      invalidCondition(index, raw, 'the operator must be eq, starts-with or content-length-range'),
    ]
  }
  if (typeof first !== 'string' || !first.startsWith('$') || first.length < 2) {
    return [invalidCondition(index, raw, 'the field must be written $name')]
  }
  if (typeof second !== 'string') {
    return [invalidCondition(index, raw, 'the value must be a string')]
  }
  const field = first.slice(1)
  const match = operator === 'eq' ? 'exact' : 'starts-with'
  return [{ index, field, match, value: second, explanation: explainField(field, match, second) }]
}

/** Form fields a Signature Version 4 POST sends, which the policy must therefore match. */
const SIGV4_FIELDS = ['x-amz-algorithm', 'x-amz-credential', 'x-amz-date']

/**
 * The POST signature: HMAC-SHA256 of the base64 policy text, keyed with the SigV4 signing
 * key for the credential's scope, derived by the SDK function that signs our own uploads.
 */
async function postPolicySignature(
  policy: string,
  secretAccessKey: string,
  credential: PolicyCredential,
): Promise<string> {
  const key = await getSigningKey(
    Sha256,
    { accessKeyId: credential.accessKeyId, secretAccessKey },
    credential.date,
    credential.region,
    credential.service,
  )
  return createHmac('sha256', key).update(policy, 'utf8').digest('hex')
}

async function checkSignature(
  input: S3PolicyInspectRequest,
  policy: string,
  credential: PolicyCredential | null,
  credentialCount: number,
): Promise<S3PolicyInspection['signature']> {
  const given = input.signature?.toLowerCase()
  const secret = input.credentials?.secretAccessKey
  const withGiven = given === undefined ? {} : { given }
  if (secret === undefined) {
    return {
      status: 'not-checked',
      ...withGiven,
      explanation: 'Give credentials.secretAccessKey to check the signature.',
    }
  }
  if (!credential || credentialCount !== 1) {
    return {
      status: 'not-checked',
      ...withGiven,
      explanation:
        'The policy needs exactly one well-formed x-amz-credential condition: its scope (date, ' +
        'region, service) is part of the signing key.',
    }
  }
  const expected = await postPolicySignature(policy, secret, credential)
  if (given === undefined) {
    return {
      status: 'not-checked',
      expected,
      explanation: 'No signature given: `expected` is the one this policy and secret give.',
    }
  }
  const matches = sameBytes(Buffer.from(given, 'hex'), Buffer.from(expected, 'hex'))
  return {
    status: matches ? 'match' : 'mismatch',
    expected,
    given,
    explanation: matches
      ? 'The signature belongs to this policy and secret.'
      : 'The signature does not belong to this policy and secret: the policy changed after ' +
        'signing, or the secret or the credential scope differs.',
  }
}

export async function inspectS3Policy(
  input: S3PolicyInspectRequest,
  now: Date,
): Promise<S3PolicyInspection> {
  refuseOversized('policy', input.policy, MAX_POLICY_BYTES)
  // Form fields carry no surrounding whitespace; pasting often adds some.
  const policyText = input.policy.trim()
  const policy = decodePolicy(policyText)
  const problems: string[] = []
  const expiration = readExpiration(policy.expiration, now, problems)
  const conditions = policy.conditions.flatMap(readCondition)
  for (const condition of conditions) {
    if (condition.match === 'invalid') problems.push(condition.explanation)
  }
  const named = (field: string) =>
    conditions.filter((c) => c.match === 'exact' && c.field?.toLowerCase() === field)
  for (const field of SIGV4_FIELDS) {
    if (named(field).length === 0) {
      problems.push(
        `No exact condition on ${field}: a Signature Version 4 form sends it, and every field sent must be matched.`,
      )
    }
  }
  const credentials = named('x-amz-credential')
  const credential = credentials.length === 1 ? parseCredential(credentials[0]?.value ?? '') : null
  return {
    policy,
    expiration,
    conditions,
    credential,
    problems,
    signature: await checkSignature(input, policyText, credential, credentials.length),
  }
}

/** A POST form as S3 checks it against its policy: field names lower-cased, the file's size. */
export interface PolicyForm {
  /** The bucket the form is posted to (the URL's), which a `bucket` condition names. */
  bucket: string
  fields: ReadonlyMap<string, string>
  fileSize: number
}

/** Why S3 refuses a form its policy does not allow; `condition` is the policy's own text. */
export type PolicyFormFailure =
  | { reason: 'condition-failed'; condition: unknown }
  | { reason: 'extra-field'; field: string }
  | { reason: 'too-large' | 'too-small' }

/**
 * Fields a form may send without a condition naming them.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
function exemptFromConditions(field: string): boolean {
  return ['x-amz-signature', 'file', 'policy'].includes(field) || field.startsWith('x-ignore-')
}

/**
 * Whether a form satisfies an inspected policy's conditions, as S3 checks them on upload:
 * every condition holds (field names compare case-insensitively, values exactly), the file's
 * real size lies in the content-length-range, and every field sent is named by a condition.
 * Expiry and signature are the inspection's `expiration` and `signature`.
 */
export function checkPolicyForm(
  inspection: S3PolicyInspection,
  form: PolicyForm,
): PolicyFormFailure | null {
  const rawConditions = (inspection.policy as { conditions: unknown[] }).conditions
  const valueOf = (field: string) => (field === 'bucket' ? form.bucket : form.fields.get(field))
  const named = new Set<string>()
  for (const condition of inspection.conditions) {
    const raw = rawConditions[condition.index]
    if (condition.match === 'range') {
      if (form.fileSize > (condition.max ?? 0)) return { reason: 'too-large' }
      if (form.fileSize < (condition.min ?? 0)) return { reason: 'too-small' }
      continue
    }
    if (condition.match === 'invalid' || condition.field === null) {
      return { reason: 'condition-failed', condition: raw }
    }
    const field = condition.field.toLowerCase()
    named.add(field)
    const value = valueOf(field)
    const holds =
      value !== undefined &&
      (condition.match === 'exact'
        ? value === condition.value
        : value.startsWith(condition.value ?? ''))
    if (!holds) return { reason: 'condition-failed', condition: raw }
  }
  if (form.fields.has('bucket') && form.fields.get('bucket') !== form.bucket) {
    return { reason: 'condition-failed', condition: { bucket: form.fields.get('bucket') } }
  }
  for (const field of form.fields.keys()) {
    if (!exemptFromConditions(field) && !named.has(field)) return { reason: 'extra-field', field }
  }
  return null
}
