/**
 * The AWS calls the app makes while it serves a request, works a queue's message or runs a
 * Discord delivery task, as the api test suite sees them: the record the infra tests check
 * against each function's synthesized policy (permissions) and the buckets' lifecycle rules. `aws-call-recorder.ts` records them in each test file;
 * `aws-calls-global-setup.ts` merges them into `infra/test/fixtures/aws-calls.json`.
 *
 * Presigned URLs are not calls and are not recorded: the browser makes the request they sign.
 * The signing role must allow that request all the same (s3:PutObject on `uploads/*` for the
 * upload policy of `GET /api/sign-s3-request`, s3:GetObject on `renders/*` for share images).
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { LambdaFunction } from '../../src/entry-points.ts'
import type { QueueName } from '../../src/services/queue/types.ts'

/** The fixture; `AWS_CALLS_FILE` names another, to record a run without touching it. */
export const AWS_CALLS_FILE =
  process.env.AWS_CALLS_FILE ??
  fileURLToPath(new URL('../../../infra/test/fixtures/aws-calls.json', import.meta.url))

/** Where a call was made: the function that makes it on AWS, and what it was doing. */
interface CallSite {
  function: string
  /**
   * The Fastify route pattern (`POST /api/jobs`), `queue <name>` for a queue worker's message,
   * `discord task <action>` for a task of the Discord delivery state machine, `migration
   * <name>` for the move of one domain's S3 records at start.
   */
  route: string
}

/**
 * One call. `key` and `prefix` have their ids replaced by `*` (each `*` stands for one path
 * segment's variable part, never a `/`); the table, queue and state machine are named by
 * their role in the app, not by name or ARN, which differ from test to test and from the
 * stack's.
 */
export type AwsCall = CallSite &
  (
    | { action: string; bucket: 'uploads' | 'archives'; key: string }
    | {
        action: 's3:ListBucket'
        bucket: 'uploads' | 'archives'
        /** Absent: a listing of the whole bucket (no `s3:prefix` condition can allow it). */
        prefix?: string
      }
    | {
        action: 'secretsmanager:GetSecretValue'
        /** The variable the secret stands for (`DISCORD_WEBHOOK_URL`), not its ARN. */
        secret: string
      }
    | { action: string; table: 'records' }
    | { action: string; queue: QueueName }
    | { action: string; stateMachine: 'discord-delivery' }
  )

/** The AWS services whose calls are recorded, by the SDK client that makes them. */
export type RecordedService = 's3' | 'secretsmanager' | 'dynamodb' | 'sqs' | 'states'

/**
 * Each SDK command the app sends, as the IAM action it needs. DynamoDB's are both the
 * document client's (`GetCommand`) and the plain client's (`GetItemCommand`).
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
export const IAM_ACTIONS: Record<RecordedService, Record<string, string>> = {
  s3: {
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
  },
  secretsmanager: { GetSecretValueCommand: 'secretsmanager:GetSecretValue' },
  dynamodb: {
    GetCommand: 'dynamodb:GetItem',
    GetItemCommand: 'dynamodb:GetItem',
    PutCommand: 'dynamodb:PutItem',
    PutItemCommand: 'dynamodb:PutItem',
    UpdateCommand: 'dynamodb:UpdateItem',
    UpdateItemCommand: 'dynamodb:UpdateItem',
    DeleteCommand: 'dynamodb:DeleteItem',
    DeleteItemCommand: 'dynamodb:DeleteItem',
    QueryCommand: 'dynamodb:Query',
    ScanCommand: 'dynamodb:Scan',
    BatchGetCommand: 'dynamodb:BatchGetItem',
    BatchGetItemCommand: 'dynamodb:BatchGetItem',
    BatchWriteCommand: 'dynamodb:BatchWriteItem',
    BatchWriteItemCommand: 'dynamodb:BatchWriteItem',
    DescribeTableCommand: 'dynamodb:DescribeTable',
  },
  sqs: {
    SendMessageCommand: 'sqs:SendMessage',
    SendMessageBatchCommand: 'sqs:SendMessage',
    ReceiveMessageCommand: 'sqs:ReceiveMessage',
    DeleteMessageCommand: 'sqs:DeleteMessage',
    ChangeMessageVisibilityCommand: 'sqs:ChangeMessageVisibility',
    GetQueueAttributesCommand: 'sqs:GetQueueAttributes',
  },
  states: {
    StartExecutionCommand: 'states:StartExecution',
    DescribeExecutionCommand: 'states:DescribeExecution',
  },
}

/**
 * The function that does each queue's work on AWS: the target of the queue's event source
 * mapping (infra checks the stack agrees). A worker's calls are that function's.
 */
export const QUEUE_CONSUMERS: Record<QueueName, LambdaFunction> = {
  jobs: 'render',
  archives: 'control',
}

/** The function the Discord delivery state machine's Task states invoke. */
export const DISCORD_TASK_FUNCTION: LambdaFunction = 'control'

/** The function that moves the records earlier versions kept in S3, once, as it starts. */
export const MIGRATION_FUNCTION: LambdaFunction = 'control'

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

const FIELD_ORDER = [
  'function',
  'route',
  'action',
  'bucket',
  'key',
  'prefix',
  'secret',
  'table',
  'queue',
  'stateMachine',
] as const

/** One line per call, fields in a fixed order: what sorting and comparing go by. */
export function callText(call: AwsCall): string {
  const fields = call as unknown as Record<string, string | undefined>
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
