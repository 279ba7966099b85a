import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib'
import {
  Certificate,
  CertificateValidation,
  type ICertificate,
} from 'aws-cdk-lib/aws-certificatemanager'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import { HostedZone } from 'aws-cdk-lib/aws-route53'
import { StringParameter } from 'aws-cdk-lib/aws-ssm'
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  PhysicalResourceId,
  type AwsSdkCall,
} from 'aws-cdk-lib/custom-resources'
import type { Construct } from 'constructs'
import { CERTIFICATE_REGION, type SiteDomain } from './config.ts'

/** Where the app stack takes the site's certificate from: an ARN given, or the certificate stack's. */
export type SiteCertificateSource = { arn: string } | { parameterName: string }

export interface CertificateStackProps extends StackProps {
  stage: string
  domain: SiteDomain & { hostedZone: NonNullable<SiteDomain['hostedZone']> }
}

/**
 * The SSM parameter holding the certificate's ARN. It names the zone and the domain: a new
 * domain or zone is a new certificate and a new parameter, so the app stack reads it afresh
 * (its reader runs again only when what it reads changes).
 */
export function certificateParameterName(stage: string, domain: CertificateStackProps['domain']) {
  return `/meme-studio/${stage}/site-certificate/${domain.hostedZone.id}/${domain.name}`
}

/**
 * The site's certificate, in us-east-1 because CloudFront takes certificates from no other
 * region, validated by DNS in the domain's hosted zone. Its ARN is handed to the app stack
 * through an SSM parameter here, which the app stack reads at deploy time.
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html
 *
 * Not `crossRegionReferences`: it needs both stacks' regions at synth (the app stack may be
 * region-agnostic), and its reader and writer functions are added by synthesis itself, after
 * every construct and aspect has run, where nothing can give them a log group with a retention.
 */
export class CertificateStack extends Stack {
  readonly parameterName: string

  constructor(scope: Construct, id: string, props: CertificateStackProps) {
    super(scope, id, props)
    const { domain } = props
    const zone = HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: domain.hostedZone.id,
      zoneName: domain.hostedZone.name,
    })
    const certificate = new Certificate(this, 'SiteCertificate', {
      domainName: domain.name,
      validation: CertificateValidation.fromDns(zone),
    })
    this.parameterName = certificateParameterName(props.stage, domain)
    new StringParameter(this, 'SiteCertificateArn', {
      parameterName: this.parameterName,
      description: `meme-studio ${props.stage}: ARN of the certificate for ${domain.name}`,
      stringValue: certificate.certificateArn,
    })
  }
}

/**
 * The site's certificate as the app stack sees it: the ARN given, or the one the certificate
 * stack wrote, read from us-east-1 by an SSM GetParameter when the app stack deploys.
 */
export function siteCertificate(scope: Construct, source: SiteCertificateSource): ICertificate {
  if ('arn' in source) return Certificate.fromCertificateArn(scope, 'SiteCertificate', source.arn)
  const read: AwsSdkCall = {
    service: 'SSM',
    action: 'getParameter',
    parameters: { Name: source.parameterName },
    region: CERTIFICATE_REGION,
    physicalResourceId: PhysicalResourceId.of(source.parameterName),
    outputPaths: ['Parameter.Value'],
  }
  const parameterArn = Stack.of(scope).formatArn({
    service: 'ssm',
    region: CERTIFICATE_REGION,
    resource: 'parameter',
    resourceName: source.parameterName.replace(/^\//, ''),
  })
  const reader = new AwsCustomResource(scope, 'SiteCertificateArn', {
    onCreate: read,
    onUpdate: read,
    policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: [parameterArn] }),
    installLatestAwsSdk: false,
    // It runs only when the stack deploys; a month is long enough to look into a failed one.
    logGroup: new LogGroup(scope, 'SiteCertificateArnLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    }),
  })
  return Certificate.fromCertificateArn(
    scope,
    'SiteCertificate',
    reader.getResponseField('Parameter.Value'),
  )
}
