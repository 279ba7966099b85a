import { Template } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import type { QueueName } from '../../api/src/services/queue/types.ts'
import {
  FUNCTION_TIMEOUTS,
  MAX_RECEIVE_COUNT,
  WORK_QUEUES,
  type AppStack,
} from '../lib/app-stack.ts'
import { buildTestApp, logicalIdOf } from './app-fixture.ts'

interface QueueJson {
  DeletionPolicy?: string
  Properties: {
    VisibilityTimeout?: number
    MessageRetentionPeriod?: number
    SqsManagedSseEnabled?: boolean
    RedrivePolicy?: { deadLetterTargetArn: unknown; maxReceiveCount: number }
  }
}
interface MappingJson {
  Properties: {
    FunctionName: { Ref: string }
    EventSourceArn: { 'Fn::GetAtt': [string, string] }
    BatchSize: number
    FunctionResponseTypes: string[]
    ScalingConfig?: { MaximumConcurrency: number }
  }
}
interface AlarmJson {
  Properties: {
    MetricName: string
    Namespace: string
    Dimensions: { Name: string; Value: unknown }[]
    ComparisonOperator: string
    Threshold: number
    AlarmActions: unknown[]
  }
}

let stack: AppStack
let template: Template

beforeAll(() => {
  ;({ appStack: stack } = buildTestApp())
  template = Template.fromStack(stack)
})

const NAMES = Object.keys(WORK_QUEUES) as QueueName[]

describe.each(NAMES)('the %s queue', (name) => {
  const settings = WORK_QUEUES[name]
  const queueId = () => logicalIdOf(stack.queues[name].queue)
  const deadLettersId = () => logicalIdOf(stack.queues[name].deadLetterQueue)
  const queue = (id: string) => template.findResources('AWS::SQS::Queue')[id] as QueueJson
  const mapping = () =>
    Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping') as Record<string, MappingJson>,
    ).find((m) => m.Properties.EventSourceArn['Fn::GetAtt'][0] === queueId())

  it('sets a message aside in its dead-letter queue after three receives', () => {
    expect(queue(queueId()).Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [deadLettersId(), 'Arn'] },
      maxReceiveCount: MAX_RECEIVE_COUNT,
    })
    // Kept as long as SQS keeps anything, 14 days, for someone to look and redrive.
    expect(queue(deadLettersId()).Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600)
  })

  it('hides a received message for six times its consumer’s timeout', () => {
    const timeout = FUNCTION_TIMEOUTS[settings.consumer].toSeconds()
    expect(queue(queueId()).Properties.VisibilityTimeout).toBe(6 * timeout)
  })

  it('encrypts both queues and refuses requests without TLS', () => {
    for (const id of [queueId(), deadLettersId()]) {
      expect(queue(id).Properties.SqsManagedSseEnabled).toBe(true)
      const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy')).filter(
        (policy) => JSON.stringify(policy).includes(`"Ref":"${id}"`),
      )
      expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"')
    }
  })

  it('hands its messages to its consumer in small batches, at most two invocations at once', () => {
    const found = mapping()
    expect(found?.Properties).toMatchObject({
      FunctionName: { Ref: logicalIdOf(stack.functions[settings.consumer]) },
      BatchSize: settings.batchSize,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    })
    expect(found!.Properties.BatchSize).toBeLessThanOrEqual(10)
  })

  it('alarms to the topic when its dead-letter queue holds anything', () => {
    const alarms = Object.values(
      template.findResources('AWS::CloudWatch::Alarm') as Record<string, AlarmJson>,
    ).filter(
      (alarm) =>
        alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        JSON.stringify(alarm.Properties.Dimensions).includes(deadLettersId()),
    )
    expect(alarms).toHaveLength(1)
    expect(alarms[0]!.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      AlarmActions: [{ Ref: expect.stringMatching(/^Alarms/) }],
    })
  })
})

describe('queue senders', () => {
  it('lets control send jobs and archives, and render send nothing', () => {
    const env = (workload: 'render' | 'control') =>
      (
        template.findResources('AWS::Lambda::Function')[logicalIdOf(stack.functions[workload])] as {
          Properties: { Environment: { Variables: Record<string, unknown> } }
        }
      ).Properties.Environment.Variables
    expect(env('control')).toMatchObject({
      JOBS_QUEUE_URL: { Ref: logicalIdOf(stack.queues.jobs.queue) },
      ARCHIVES_QUEUE_URL: { Ref: logicalIdOf(stack.queues.archives.queue) },
    })
    // Render consumes jobs: its URL tells the app an SQS queue carries them.
    expect(env('render')).toMatchObject({
      JOBS_QUEUE_URL: { Ref: logicalIdOf(stack.queues.jobs.queue) },
    })
    expect(env('render')).not.toHaveProperty('ARCHIVES_QUEUE_URL')
  })
})

describe('render concurrency', () => {
  it('refuses a reservation the jobs mapping alone could fill', () => {
    for (const reserved of ['1', '2']) {
      expect(() => buildTestApp({ renderConcurrency: reserved })).toThrow(
        /renderConcurrency must be 0 or more than the jobs queue's 2 concurrent invocations/,
      )
    }
    expect(() => buildTestApp({ renderConcurrency: '3' })).not.toThrow()
  })
})
