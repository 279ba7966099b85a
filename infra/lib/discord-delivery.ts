import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib'
import { Alarm, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch'
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import {
  DefinitionBody,
  LogLevel,
  StateMachine,
  StateMachineType,
} from 'aws-cdk-lib/aws-stepfunctions'
import { Construct } from 'constructs'

/**
 * The state machine that delivers events and notifications to Discord: one Amazon States
 * Language file, which the api's tests run with aws-local-stepfunctions and the local server
 * runs the same way.
 */
export const DISCORD_DELIVERY_DEFINITION = fileURLToPath(
  new URL('../../api/src/services/notifications/discord-delivery.asl.json', import.meta.url),
)

/** The definition's placeholder for the function its Task states invoke. */
export const DELIVERY_FUNCTION_SUBSTITUTION = 'DeliveryFunctionArn'

export interface DiscordDeliveryProps {
  /** `<stage>`: the state machine's name is `meme-studio-<stage>-discord-delivery`. */
  stage: string
  /** What the Task states invoke (the control function), and nothing else. */
  deliveryFunction: IFunction
}

/**
 * A Standard workflow from the definition file, with `${DeliveryFunctionArn}` replaced by the
 * control function's ARN. Standard, not Express: an execution waits out Discord's
 * `retry_after` and backs off on 5xx, which can take longer than Express's 5 minutes, and
 * Standard runs each state exactly once, where Express is at least once (two messages).
 */
export class DiscordDelivery extends Construct {
  readonly stateMachine: StateMachine
  /**
   * The state machine's ARN built from its name, not its `Ref`: the control function's
   * environment and role name it, and the state machine names the control function, a cycle
   * CloudFormation refuses if both sides were references.
   */
  readonly stateMachineArn: string
  readonly stateMachineName: string
  readonly logGroup: LogGroup
  /** Executions that ended failed; its action is the caller's. */
  readonly failedAlarm: Alarm

  constructor(scope: Construct, id: string, props: DiscordDeliveryProps) {
    super(scope, id)
    const stack = Stack.of(this)
    this.stateMachineName = `meme-studio-${props.stage}-discord-delivery`
    this.stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    })

    // `/aws/vendedlogs/` names keep Step Functions from adding a resource policy per log group
    // to CloudWatch Logs' account-wide one, which is limited to 5,120 characters.
    // @see https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${this.stateMachineName}`,
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })

    const definition = readFileSync(DISCORD_DELIVERY_DEFINITION, 'utf8')
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      stateMachineType: StateMachineType.STANDARD,
      // Inline, not an S3 asset: the template shows what runs, and synth needs no upload.
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: {
        [DELIVERY_FUNCTION_SUBSTITUTION]: props.deliveryFunction.functionArn,
      },
      // Every state's entry and exit, without the events' contents: an execution's input and
      // output are in its history for 90 days already, and logging them again only adds cost.
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
      // One trace from POST /api/events through the execution to the control function's task.
      tracingEnabled: true,
    })
    // The Task states invoke the control function and nothing else: its ARN alone, not
    // `arn:*` (versions and aliases), which the definition never names.
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        sid: 'InvokeDeliveryFunction',
        effect: Effect.ALLOW,
        actions: ['lambda:InvokeFunction'],
        resources: [props.deliveryFunction.functionArn],
      }),
    )
    Validations.of(this.stateMachine).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'What Step Functions needs for its logs (logs:CreateLogDelivery and the other log ' +
        'delivery actions) and X-Ray (PutTraceSegments and the sampling calls): CDK grants ' +
        'them on *, as those actions take no narrower resource.',
    })

    this.failedAlarm = new Alarm(this, 'FailedAlarm', {
      alarmDescription:
        'A Discord delivery execution failed (a task error the definition does not catch)',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })
  }
}
