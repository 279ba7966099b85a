import type { SFNClient, SFNClientConfig } from '@aws-sdk/client-sfn'
import type { RunOptions, StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions'
import type { FastifyBaseLogger } from 'fastify'
import {
  DELIVERY_FUNCTION_ARN,
  DELIVERY_TASK_STATES,
  loadDiscordDeliveryDefinition,
  type DeliveryInput,
} from './discord-delivery.ts'

/** Where a delivery's execution runs: Step Functions on AWS, or this process. */
export interface DeliveryExecutions {
  /**
   * Resolves once the execution has started (or had started before, under the same name);
   * rejects when it could not be started.
   */
  start(name: string, input: DeliveryInput): Promise<void>
  /** Resolves when the executions this process runs have ended (none on AWS). */
  settled(): Promise<void>
  close(): Promise<void>
}

/** Where Step Functions is (`STEP_FUNCTIONS_ENDPOINT` for a stand-in) and who calls it. */
export interface StepFunctionsSettings {
  region: string
  endpoint?: string
  credentials?: SFNClientConfig['credentials']
}

/**
 * StartExecution gives up within about 2 × 2 s plus a retry's backoff, so a stalled Step
 * Functions is a 503 well inside API Gateway's 10 s. It answers in region in tens of ms.
 */
const SFN_REQUEST_TIMEOUT_MS = 2000
const SFN_CONNECTION_TIMEOUT_MS = 1000
const SFN_MAX_ATTEMPTS = 2

export async function createStepFunctionsClient(settings: StepFunctionsSettings) {
  const { SFNClient } = await import('@aws-sdk/client-sfn')
  return new SFNClient({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    maxAttempts: SFN_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: SFN_CONNECTION_TIMEOUT_MS,
      requestTimeout: SFN_REQUEST_TIMEOUT_MS,
      // Without it an expired requestTimeout only logs a warning (see plugins/app/storage.ts).
      throwOnRequestTimeout: true,
    },
  })
}

/**
 * Executions of the deployed state machine (`EVENTS_STATE_MACHINE_ARN`). The client loads
 * with the first start, not at cold start.
 */
export class StepFunctionsExecutions implements DeliveryExecutions {
  #client?: Promise<SFNClient>

  constructor(
    private readonly stateMachineArn: string,
    private readonly settings: StepFunctionsSettings,
  ) {}

  async start(name: string, input: DeliveryInput): Promise<void> {
    const client = await (this.#client ??= createStepFunctionsClient(this.settings).catch(
      (error: unknown) => {
        this.#client = undefined
        throw error
      },
    ))
    const { StartExecutionCommand } = await import('@aws-sdk/client-sfn')
    try {
      await client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      )
    } catch (error) {
      // The name was started before: a start whose answer was lost, retried. A running
      // execution with the same input is answered as a success; a finished one, or another
      // input (the message's timestamp), with this error. Either way it started.
      if ((error as { name?: string }).name === 'ExecutionAlreadyExists') return
      throw error
    }
  }

  async settled(): Promise<void> {}

  async close(): Promise<void> {
    if (this.#client) (await this.#client).destroy()
  }
}

/** A syntactically valid ARN for the Tasks' Resource locally: never called, each is overridden. */
export const LOCAL_DELIVERY_FUNCTION_ARN =
  'arn:aws:lambda:us-east-1:000000000000:function:meme-studio-local-control'

/** What tests may shorten: the Wait and Retry pauses, in ms by state name. */
export interface LocalOverrides {
  waitTimeOverrides?: Record<string, number>
  retryIntervalOverrides?: Record<string, number | number[]>
}

/**
 * The same definition run in this process by aws-local-stepfunctions, each Task state handed
 * to `handleTask`, the function the control function's invocations call on AWS. Executions
 * are tracked: `settled()` (and so closing the app) waits for those running. Names are not
 * remembered: the event's key, not the name, keeps an id from starting twice here.
 */
export class LocalExecutions implements DeliveryExecutions {
  #machine?: Promise<StateMachine>
  readonly #running = new Set<Promise<void>>()

  constructor(
    private readonly handleTask: (event: unknown) => Promise<unknown>,
    private readonly log: FastifyBaseLogger,
    readonly overrides: LocalOverrides = {},
  ) {}

  async #load(): Promise<StateMachine> {
    const [{ StateMachine }, definition] = await Promise.all([
      import('aws-local-stepfunctions'),
      loadDiscordDeliveryDefinition({ [DELIVERY_FUNCTION_ARN]: LOCAL_DELIVERY_FUNCTION_ARN }),
    ])
    return new StateMachine(definition as unknown as StateMachineDefinition)
  }

  async start(name: string, input: DeliveryInput): Promise<void> {
    const machine = await (this.#machine ??= this.#load().catch((error: unknown) => {
      // Not kept: the next start tries again.
      this.#machine = undefined
      throw error
    }))
    type TaskHandlers = NonNullable<
      NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']
    >
    // The task results are JSON: what the control function would answer Step Functions.
    const handler = ((taskInput: unknown) => this.handleTask(taskInput)) as TaskHandlers[string]
    const execution = machine.run(input as unknown as Parameters<StateMachine['run']>[0], {
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(
          DELIVERY_TASK_STATES.map((state) => [state, handler]),
        ),
        ...this.overrides,
      },
    })
    const done = execution.result.then(
      (output) => {
        const ended = output as { post?: { outcome?: string }; error?: { Error?: string } }
        this.log.info(
          { execution: name, outcome: ended.post?.outcome, error: ended.error?.Error },
          'Discord delivery ended',
        )
      },
      // A task failed in a way the definition does not handle (on AWS, the stack's alarm).
      (error: { cause?: unknown; message?: string }) =>
        this.log.error(
          { execution: name, error: (error.cause as Error | undefined)?.message ?? error.message },
          'Discord delivery execution failed',
        ),
    )
    this.#running.add(done)
    void done.finally(() => this.#running.delete(done))
  }

  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running])
  }

  async close(): Promise<void> {
    await this.settled()
  }
}
