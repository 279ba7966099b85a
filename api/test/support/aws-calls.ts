/**
 * The AWS calls the app makes while it serves a request, as the api test suite sees them: the
 * record the infra tests check against each function's synthesized policy (permissions) and
 * the buckets' lifecycle rules. `aws-call-recorder.ts` records them in each test file;
 * `aws-calls-global-setup.ts` merges them into `infra/test/fixtures/aws-calls.json`.
 *
 * Presigned URLs are not calls and are not recorded: the browser makes the request they sign.
 * The signing role must allow that request all the same (s3:PutObject on `uploads/*` for the
 * upload policy of `GET /api/sign-s3-request`, s3:GetObject on `renders/*` for share images).
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

export const AWS_CALLS_FILE = fileURLToPath(
  new URL('../../../infra/test/fixtures/aws-calls.json', import.meta.url),
)

/**
 * One call. `key` and `prefix` have their ids replaced by `*` (each `*` stands for one path
 * segment's variable part, never a `/`); `route` is the Fastify route pattern.
 */
export type AwsCall =
  | {
      function: string
      route: string
      action: string
      bucket: 'uploads' | 'archives'
      key: string
    }
  | {
      function: string
      route: string
      action: 's3:ListBucket'
      bucket: 'uploads' | 'archives'
      /** Absent: a listing of the whole bucket (no `s3:prefix` condition can allow it). */
      prefix?: string
    }
  | {
      function: string
      route: string
      action: 'secretsmanager:GetSecretValue'
      /** The variable the secret stands for (`DISCORD_WEBHOOK_URL`), not its ARN. */
      secret: string
    }

/** Each SDK command the app sends, as the IAM action it needs. */
export const IAM_ACTIONS: Record<string, string> = {
  GetObjectCommand: 's3:GetObject',
  HeadObjectCommand: 's3:GetObject',
  PutObjectCommand: 's3:PutObject',
  CreateMultipartUploadCommand: 's3:PutObject',
  UploadPartCommand: 's3:PutObject',
  CompleteMultipartUploadCommand: 's3:PutObject',
  AbortMultipartUploadCommand: 's3:AbortMultipartUpload',
  DeleteObjectCommand: 's3:DeleteObject',
  ListObjectsV2Command: 's3:ListBucket',
  HeadBucketCommand: 's3:ListBucket',
  GetSecretValueCommand: 'secretsmanager:GetSecretValue',
}

/** Path segments that are words of the app's layout, not ids. */
const LAYOUT_WORDS = new Set(['deliveries', 'handled', 'hook.json', 'notifications.json'])

/**
 * A key or prefix in the uploads bucket with its ids as `*`: below the top-level prefix, a
 * segment that is not a layout word keeps only its extension (`renders/<id>.png` →
 * `renders/*.png`, `webhooks/<hookId>/deliveries/<time>-<id>.json` →
 * `webhooks/*\/deliveries/*.json`). Every id the app puts in a key (uuids, share and job ids,
 * hook ids, timestamps, a caller's event or delivery id) sits in such a segment.
 */
export function generalisedKey(key: string): string {
  const [top, ...rest] = key.split('/')
  const segments = rest.map((segment, i) => {
    const last = i === rest.length - 1
    if (segment === '' || LAYOUT_WORDS.has(segment)) return segment
    const extension = last ? /\.[a-z0-9]{2,5}$/.exec(segment)?.[0] : undefined
    return `*${extension ?? ''}`
  })
  return [top, ...segments].join('/')
}

const FIELD_ORDER = ['function', 'route', 'action', 'bucket', 'key', 'prefix', 'secret'] as const

/** One line per call, fields in a fixed order: what sorting and comparing go by. */
export function callText(call: AwsCall): string {
  const fields = call as Record<string, string | undefined>
  return JSON.stringify(
    Object.fromEntries(
      FIELD_ORDER.filter((field) => fields[field] !== undefined).map((field) => [
        field,
        fields[field],
      ]),
    ),
  )
}

/** Calls sorted and without repeats, as the fixture keeps them. */
export function sortedCalls(calls: Iterable<AwsCall>): AwsCall[] {
  const byText = new Map<string, AwsCall>()
  for (const call of calls) byText.set(callText(call), JSON.parse(callText(call)) as AwsCall)
  return [...byText.keys()].sort().map((text) => byText.get(text) as AwsCall)
}

/** The fixture as Prettier writes JSON: a call per line, or per block when longer than 100. */
export function fixtureText(calls: Iterable<AwsCall>): string {
  const blocks = sortedCalls(calls).map((call) => {
    const fields = Object.entries(call).map(
      ([name, value]) => `${JSON.stringify(name)}: ${JSON.stringify(value)}`,
    )
    const line = `  { ${fields.join(', ')} }`
    return line.length + 1 <= 100 ? line : `  {\n    ${fields.join(',\n    ')}\n  }`
  })
  return blocks.length ? `[\n${blocks.join(',\n')}\n]\n` : '[]\n'
}

export async function readFixture(): Promise<AwsCall[]> {
  try {
    return JSON.parse(await readFile(AWS_CALLS_FILE, 'utf8')) as AwsCall[]
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
}
