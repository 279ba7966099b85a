import { Duration, RemovalPolicy } from 'aws-cdk-lib'
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch'
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam'
import { EventSourceMapping, type IFunction } from 'aws-cdk-lib/aws-lambda'
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs'
import { Construct } from 'constructs'

export interface WorkQueueProps {
  /** The queue's name in the app (`jobs`, `archives`), for descriptions. */
  name: string
  /** The function whose event source mapping takes the queue's messages. */
  consumer: IFunction
  /** The consumer's timeout: the visibility timeout is six times it (see below). */
  consumerTimeout: Duration
  /** Messages per invocation. */
  batchSize: number
  /** Invocations of the consumer the event source mapping runs at once (2 to 1000). */
  maxConcurrency: number
  /** Receives before a message goes to the dead-letter queue. */
  maxReceiveCount: number
}

/**
 * The SQS actions Lambda's event source mapping makes with the consumer's role: it receives,
 * deletes what the function did (all of a batch but its `batchItemFailures`) and reads the
 * queue's attributes. The same three as AWSLambdaSQSQueueExecutionRole; CDK's
 * `SqsEventSource` would grant ChangeMessageVisibility and GetQueueUrl besides, which the
 * mapping does not use.
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions
 */
export const EVENT_SOURCE_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
] as const

/** How long a message that failed on every receive waits in the dead-letter queue: SQS's most. */
const DEAD_LETTER_RETENTION = Duration.days(14)

/**
 * A queue of background work, its dead-letter queue, the event source mapping that hands its
 * messages to the consumer function, the consumer's grants for that, and an alarm on the
 * dead-letter queue. Senders are granted with `grantSend`.
 */
export class WorkQueue extends Construct {
  readonly queue: Queue
  readonly deadLetterQueue: Queue
  readonly eventSourceMapping: EventSourceMapping
  /** How long a received message stays hidden: six times the consumer's timeout. */
  readonly visibilityTimeout: Duration
  /** ApproximateNumberOfMessagesVisible > 0 on the dead-letter queue; its action is the caller's. */
  readonly deadLetterAlarm: Alarm

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id)
    // SSE-SQS: encrypted at rest with a key SQS owns, at no charge and with no key policy for
    // the senders and Lambda to need. TLS only, as the buckets.
    const common = {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Messages are work in flight: nothing in them outlives the stack that does the work.
      removalPolicy: RemovalPolicy.DESTROY,
    }
    this.deadLetterQueue = new Queue(this, 'DeadLetters', {
      ...common,
      retentionPeriod: DEAD_LETTER_RETENTION,
    })
    this.visibilityTimeout = Duration.seconds(props.consumerTimeout.toSeconds() * 6)
    this.queue = new Queue(this, 'Queue', {
      ...common,
      // Lambda's advice: at least six times the function's timeout, so a message the mapping
      // received while the function was throttled, or whose batch is retried, is not visible
      // again (and counted as another receive) before its first try has ended.
      // @see https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html
      visibilityTimeout: this.visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount },
    })
    props.consumer.addToRolePolicy(
      new PolicyStatement({
        sid: `Consume${props.name.charAt(0).toUpperCase()}${props.name.slice(1)}`,
        effect: Effect.ALLOW,
        actions: [...EVENT_SOURCE_ACTIONS],
        resources: [this.queue.queueArn],
      }),
    )
    this.eventSourceMapping = new EventSourceMapping(this, 'EventSource', {
      target: props.consumer,
      eventSourceArn: this.queue.queueArn,
      batchSize: props.batchSize,
      maxConcurrency: props.maxConcurrency,
      // The worker reports the messages that failed; the rest of the batch is deleted.
      reportBatchItemFailures: true,
    })
    // Lambda checks the role when the mapping is created: the grant must exist by then.
    if (props.consumer.role) {
      this.eventSourceMapping.node.addDependency(props.consumer.role)
    }

    this.deadLetterAlarm = new Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: `A ${props.name} message failed ${props.maxReceiveCount} times and is in the dead-letter queue`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })
  }
}
