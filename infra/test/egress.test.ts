import { Template } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AppStack } from '../lib/app-stack.ts'
import { buildTestApp, logicalIdOf } from './app-fixture.ts'

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>
type Ref = { Ref: string }

function vpcConfigOf(resources: Resources, stack: AppStack, workload: 'render' | 'control') {
  return resources[logicalIdOf(stack.functions[workload])]?.Properties.VpcConfig as
    { SubnetIds: Ref[] } | undefined
}

describe('-c fixedEgressIp=true', () => {
  let stack: AppStack
  let template: Template
  let resources: Resources
  beforeAll(() => {
    ;({ appStack: stack } = buildTestApp({ fixedEgressIp: 'true' }))
    template = Template.fromStack(stack)
    resources = template.toJSON().Resources as Resources
  })
  const ofType = (type: string) =>
    Object.entries(resources).filter(([, resource]) => resource.Type === type)

  it('sends the control function’s internet traffic out through the NAT gateway of the output IP', () => {
    const subnets = vpcConfigOf(resources, stack, 'control')?.SubnetIds ?? []
    expect(subnets).toHaveLength(1)
    const hops = subnets.map((subnet) => {
      const [, association] = ofType('AWS::EC2::SubnetRouteTableAssociation').find(
        ([, a]) => (a.Properties.SubnetId as Ref).Ref === subnet.Ref,
      )!
      const routeTable = (association.Properties.RouteTableId as Ref).Ref
      const [, route] = ofType('AWS::EC2::Route').find(
        ([, r]) =>
          (r.Properties.RouteTableId as Ref).Ref === routeTable &&
          r.Properties.DestinationCidrBlock === '0.0.0.0/0',
      )!
      const nat = resources[(route.Properties.NatGatewayId as Ref).Ref]!
      return { routeTable, allocation: nat.Properties.AllocationId }
    })
    const [eipId] = ofType('AWS::EC2::EIP').map(([id]) => id)
    expect(hops.map((hop) => hop.allocation)).toEqual([{ 'Fn::GetAtt': [eipId, 'AllocationId'] }])
    template.hasOutput('EgressIp', { Value: { 'Fn::GetAtt': [eipId, 'PublicIp'] } })
    // Subnets in no other zone, behind no other NAT gateway, leaving from no other address.
    expect(ofType('AWS::EC2::NatGateway')).toHaveLength(1)
    expect(ofType('AWS::EC2::EIP')).toHaveLength(1)
    // S3 through the free gateway endpoint from the function's subnet, not the NAT.
    template.hasResourceProperties('AWS::EC2::VPCEndpoint', {
      VpcEndpointType: 'Gateway',
      ServiceName: { 'Fn::Join': ['', ['com.amazonaws.', { Ref: 'AWS::Region' }, '.s3']] },
      RouteTableIds: hops.map((hop) => ({ Ref: hop.routeTable })),
    })
  })

  it('keeps the render function out of the VPC', () => {
    expect(vpcConfigOf(resources, stack, 'render')).toBeUndefined()
  })

  it('records the VPC’s traffic in flow logs kept a month', () => {
    const [flowLog] = ofType('AWS::EC2::FlowLog').map(([, r]) => r.Properties)
    expect(flowLog).toMatchObject({ ResourceType: 'VPC', TrafficType: 'ALL' })
    const logGroup = resources[(flowLog!.LogGroupName as Ref).Ref]!
    expect(logGroup.Properties.RetentionInDays).toBe(30)
  })
})
