import { readFileSync } from 'node:fs'
import { Template } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AppStack } from '../lib/app-stack.ts'
import {
  DELIVERY_FUNCTION_SUBSTITUTION,
  DISCORD_DELIVERY_DEFINITION,
} from '../lib/discord-delivery.ts'
import { buildTestApp, logicalIdOf, roleStatementsOf } from './app-fixture.ts'

interface StateMachineJson {
  Properties: {
    StateMachineName: string
    StateMachineType: string
    DefinitionString: string
    DefinitionSubstitutions: Record<string, unknown>
    LoggingConfiguration: {
      Level: string
      IncludeExecutionData: boolean
      Destinations: { CloudWatchLogsLogGroup: { LogGroupArn: unknown } }[]
    }
    TracingConfiguration: { Enabled: boolean }
  }
}

let stack: AppStack
let template: Template
let machine: StateMachineJson

beforeAll(() => {
  ;({ appStack: stack } = buildTestApp({ stage: 'prod' }))
  template = Template.fromStack(stack)
  machine = template.findResources('AWS::StepFunctions::StateMachine')[
    logicalIdOf(stack.discordDelivery.stateMachine)
  ] as StateMachineJson
})

describe('the Discord delivery state machine', () => {
  it('is the api’s definition file, as it is, with the control function in its Task states', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1)
    expect(machine.Properties.DefinitionString).toBe(
      readFileSync(DISCORD_DELIVERY_DEFINITION, 'utf8'),
    )
    expect(machine.Properties.DefinitionString).toContain(`\${${DELIVERY_FUNCTION_SUBSTITUTION}}`)
    expect(machine.Properties.DefinitionSubstitutions).toEqual({
      [DELIVERY_FUNCTION_SUBSTITUTION]: {
        'Fn::GetAtt': [logicalIdOf(stack.functions.control), 'Arn'],
      },
    })
  })

  it('is a Standard workflow named for its stage, traced, logging every state to a month-long group', () => {
    expect(machine.Properties).toMatchObject({
      StateMachineName: 'meme-studio-prod-discord-delivery',
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
      TracingConfiguration: { Enabled: true },
    })
    const groupId = logicalIdOf(stack.discordDelivery.logGroup)
    expect(
      machine.Properties.LoggingConfiguration.Destinations[0]!.CloudWatchLogsLogGroup.LogGroupArn,
    ).toEqual({ 'Fn::GetAtt': [groupId, 'Arn'] })
    expect(template.findResources('AWS::Logs::LogGroup')[groupId]).toMatchObject({
      DeletionPolicy: 'Delete',
      Properties: {
        LogGroupName: '/aws/vendedlogs/states/meme-studio-prod-discord-delivery',
        RetentionInDays: 30,
      },
    })
  })

  it('may invoke the control function and write its logs and traces, nothing more', () => {
    const statements = roleStatementsOf(template, stack.discordDelivery.stateMachine.role)
    const actions = statements.flatMap((s) => [s.Action].flat())
    expect(actions.filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual([
      'lambda:InvokeFunction',
    ])
    const invoke = statements.find((s) => s.Sid === 'InvokeDeliveryFunction')
    expect(invoke?.Resource).toEqual({
      'Fn::GetAtt': [logicalIdOf(stack.functions.control), 'Arn'],
    })
  })

  it('is named in both functions’ environment and roles by the ARN its name gives', () => {
    const arn = stack.resolve(stack.discordDelivery.stateMachineArn) as unknown
    expect(JSON.stringify(arn)).toContain(':stateMachine:meme-studio-prod-discord-delivery')
    for (const workload of ['render', 'control'] as const) {
      const fn = template.findResources('AWS::Lambda::Function')[
        logicalIdOf(stack.functions[workload])
      ] as { Properties: { Environment: { Variables: Record<string, unknown> } } }
      expect(fn.Properties.Environment.Variables.EVENTS_STATE_MACHINE_ARN).toEqual(arn)
    }
    template.hasOutput('DiscordDeliveryStateMachineArn', { Value: arn })
  })

  it('alarms to the topic on a failed execution', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter(
      (alarm) =>
        (alarm as { Properties: { MetricName: string } }).Properties.MetricName ===
        'ExecutionsFailed',
    )
    expect(alarms).toHaveLength(1)
    expect(alarms[0]).toMatchObject({
      Properties: {
        Namespace: 'AWS/States',
        Threshold: 1,
        AlarmActions: [{ Ref: expect.stringMatching(/^Alarms/) }],
      },
    })
  })
})
