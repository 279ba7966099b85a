import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import {
  DiscordWebhookMessageSchema,
  IdempotencyKeyFromSchema,
  type DiscordWebhookMessage,
  type IdempotencyKeyFrom,
} from '@meme-studio/meme-core/schema'
import { Type, type Static } from 'typebox'

/**
 * The Discord delivery state machine: one ASL file, `discord-delivery.asl.json`, that the CDK
 * stack synthesizes (with `DefinitionSubstitutions`) and that the app runs in-process when no
 * state machine is configured. What goes in and what its tasks take and give back is below.
 * @see https://states-language.net/spec.html
 */

export const DEFINITION_FILE = new URL('./discord-delivery.asl.json', import.meta.url)

/** The placeholder every Task's `Resource` is: the control function's ARN. */
export const DELIVERY_FUNCTION_ARN = 'DeliveryFunctionArn'

/** The definition's Task states, each served by the control function (or, locally, in-process). */
export const DELIVERY_TASK_STATES = [
  'Post to Discord',
  'Record the delivery',
  'Turn Discord off',
  'Record the failure',
] as const

/** The Wait state that reads Discord's `retry_after`, and the Task the Retry backs off. */
export const RATE_LIMIT_WAIT_STATE = 'Wait as Discord asks'
export const POST_STATE = 'Post to Discord'

/** The most a 429 may make a delivery wait at once; a longer `retry_after` is a refusal. */
export const MAX_RETRY_AFTER_SECONDS = 60

export type AslDefinition = {
  StartAt: string
  States: Record<string, Record<string, unknown>>
  [field: string]: unknown
}

/**
 * The definition as the stack deploys it, `${...}` placeholders replaced as
 * `DefinitionSubstitutions` replaces them. Read from the file, not bundled: only the local
 * runner needs it, and never on Lambda.
 */
export async function loadDiscordDeliveryDefinition(
  substitutions: Record<string, string> = {},
): Promise<AslDefinition> {
  let text = await readFile(DEFINITION_FILE, 'utf8')
  for (const [name, value] of Object.entries(substitutions)) {
    text = text.replaceAll(`\${${name}}`, value)
  }
  return JSON.parse(text) as AslDefinition
}

// ---- What an execution takes --------------------------------------------------------

/** What is being delivered: an event (its id and the attempt) or one of the app's notices. */
export const DeliverySchema = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('event'),
      /** The event's idempotency key: an id (128), an Idempotency-Key (255) or a hash. */
      eventId: Type.String({ minLength: 1, maxLength: 255 }),
      /** Where the key came from; none (executions started before there was a choice): an id. */
      keyFrom: Type.Optional(IdempotencyKeyFromSchema),
      attempt: Type.Integer({ minimum: 1 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('notification'),
      notification: Type.Union([Type.Literal('archived'), Type.Literal('shared')]),
    },
    { additionalProperties: false },
  ),
])
export type Delivery = Static<typeof DeliverySchema>

/**
 * An execution's input: `{delivery, message}`, both built by the app. The message is the
 * execute-webhook body the post task sends as it is (`DiscordWebhookMessageSchema`, checked
 * again by the task), but for mentions: the post task turns them off unless the settings
 * allow them when it runs.
 */
export interface DeliveryInput {
  delivery: Delivery
  message: DiscordWebhookMessage
}

// ---- What its tasks take and give back ----------------------------------------------

/** What the post task answers: the Choice state reads `outcome`. */
export const PostResultSchema = Type.Union([
  Type.Object({
    outcome: Type.Literal('delivered'),
    urlHash: Type.String(),
    messageId: Type.Optional(Type.String()),
  }),
  Type.Object({
    outcome: Type.Literal('rate-limited'),
    retryAfterSeconds: Type.Integer({ minimum: 1, maximum: MAX_RETRY_AFTER_SECONDS }),
    reason: Type.String(),
  }),
  Type.Object({ outcome: Type.Literal('gone'), urlHash: Type.String(), reason: Type.String() }),
  Type.Object({ outcome: Type.Literal('refused'), reason: Type.String() }),
  Type.Object({ outcome: Type.Literal('skipped'), reason: Type.String() }),
])
export type PostResult = Static<typeof PostResultSchema>

/** Step Functions' error output, `{Error, Cause}`, as a Catch or a Pass state puts it. */
const ErrorOutputSchema = Type.Object({ Error: Type.String(), Cause: Type.Optional(Type.String()) })
export type ErrorOutput = Static<typeof ErrorOutputSchema>

/** A Task's event: the state's Parameters. */
export const DiscordTaskEventSchema = Type.Union([
  Type.Object(
    {
      task: Type.Literal('discord'),
      action: Type.Literal('post'),
      delivery: DeliverySchema,
      message: DiscordWebhookMessageSchema,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      task: Type.Literal('discord'),
      action: Type.Union([Type.Literal('record-delivery'), Type.Literal('turn-off')]),
      delivery: DeliverySchema,
      post: PostResultSchema,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      task: Type.Literal('discord'),
      action: Type.Literal('record-failure'),
      delivery: DeliverySchema,
      error: ErrorOutputSchema,
    },
    { additionalProperties: false },
  ),
])
export type DiscordTaskEvent = Static<typeof DiscordTaskEventSchema>

/**
 * An event's execution name: the same key and attempt give the same name, so a start that is
 * retried (its answer lost) starts nothing new: Step Functions answers a running execution's
 * name with the same execution, and a finished one's with ExecutionAlreadyExists. A hash,
 * as names allow 80 characters of a narrow set and a key is any 255 characters. An id's name
 * is what it was before the other sources existed; the others' name their source too.
 */
export function eventExecutionName(
  eventId: string,
  attempt: number,
  keyFrom: IdempotencyKeyFrom = 'id',
): string {
  const named = keyFrom === 'id' ? eventId : `${keyFrom}:${eventId}`
  const hash = createHash('sha256').update(named).digest('hex').slice(0, 48)
  return `event-${hash}-${attempt}`
}
