import { RemovalPolicy } from 'aws-cdk-lib'
import {
  CfnEIP,
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  NatProvider,
  SubnetType,
  Vpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'

/**
 * A network whose way out to the internet is one NAT gateway with one Elastic IP, for a function
 * whose outbound calls (GitHub archive downloads, Discord deliveries) must come from an address
 * someone can allow-list.
 *
 * One zone, one NAT gateway: a second zone would double the NAT gateway's hourly price and buy
 * little, since a function in it would still leave through this one. S3 is reached through a
 * gateway endpoint (free, and archives are streamed to S3 in 5 MiB parts, which would otherwise
 * be billed per GB through the NAT); Secrets Manager and X-Ray go through the NAT, a few KB per
 * cold start. Flow logs record what left, for a month.
 */
export class EgressNetwork extends Construct {
  readonly vpc: Vpc
  /** The Elastic IP everything the functions send to the internet leaves from. */
  readonly egressIp: CfnEIP
  /** The private subnets to place functions in. */
  readonly functionSubnets: SubnetSelection = { subnetType: SubnetType.PRIVATE_WITH_EGRESS }

  constructor(scope: Construct, id: string) {
    super(scope, id)
    this.egressIp = new CfnEIP(this, 'Ip', { domain: 'vpc' })
    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 1,
      natGateways: 1,
      natGatewayProvider: NatProvider.gateway({
        eipAllocationIds: [this.egressIp.attrAllocationId],
      }),
      subnetConfiguration: [
        { name: 'Public', subnetType: SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'Functions', subnetType: SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      gatewayEndpoints: {
        S3: { service: GatewayVpcEndpointAwsService.S3, subnets: [this.functionSubnets] },
      },
      flowLogs: {
        All: {
          destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
          trafficType: FlowLogTrafficType.ALL,
        },
      },
    })
  }
}
