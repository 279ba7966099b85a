import { Match, Template } from 'aws-cdk-lib/assertions'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AppStack } from '../lib/app-stack.ts'
import type { CertificateStack } from '../lib/certificate-stack.ts'
import { buildTestApp, DOMAIN_WITH_CERTIFICATE, DOMAIN_WITH_ZONE } from './app-fixture.ts'

interface ViewerCertificate {
  AcmCertificateArn?: unknown
  MinimumProtocolVersion?: string
  SslSupportMethod?: string
}

function distributionOf(template: Template) {
  const [distribution] = Object.values(template.findResources('AWS::CloudFront::Distribution'))
  return (
    distribution as {
      Properties: {
        DistributionConfig: { Aliases?: string[]; ViewerCertificate?: ViewerCertificate }
      }
    }
  ).Properties.DistributionConfig
}

const parameterName = '/meme-studio/dev/site-certificate/Z0123456789EXAMPLE/memes.example.com'

describe('-c domainName with a Route 53 hosted zone', () => {
  let appStack: AppStack
  let certificate: CertificateStack | undefined
  let template: Template
  beforeAll(() => {
    ;({ appStack, certificate } = buildTestApp(DOMAIN_WITH_ZONE))
    template = Template.fromStack(appStack)
  })

  it('makes the certificate in us-east-1, validated by DNS in the zone, in a stack of its own', () => {
    expect(certificate?.stackName).toBe('dev-MemeStudioCertificate')
    expect(certificate?.region).toBe('us-east-1')
    const certificates = Template.fromStack(certificate!)
    certificates.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'memes.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [
        { DomainName: 'memes.example.com', HostedZoneId: 'Z0123456789EXAMPLE' },
      ],
    })
    certificates.hasResourceProperties('AWS::SSM::Parameter', {
      Name: parameterName,
      Value: { Ref: Match.stringLikeRegexp('^SiteCertificate') },
    })
    // The CLI deploys the certificate first: the app stack reads what it wrote.
    expect(appStack.dependencies).toContain(certificate)
  })

  it('has CloudFront answer on the domain with that certificate, TLS 1.2 and up', () => {
    const config = distributionOf(template)
    expect(config.Aliases).toEqual(['memes.example.com'])
    expect(config.ViewerCertificate).toEqual({
      AcmCertificateArn: { 'Fn::GetAtt': [expect.any(String), 'Parameter.Value'] },
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    })
    const [readerId] = (config.ViewerCertificate?.AcmCertificateArn as { 'Fn::GetAtt': string[] })[
      'Fn::GetAtt'
    ]
    const reader = template.findResources('Custom::AWS')[readerId!] as {
      Properties: { Create: string; Update: string }
    }
    for (const call of [reader.Properties.Create, reader.Properties.Update]) {
      expect(JSON.parse(call)).toMatchObject({
        service: 'SSM',
        action: 'getParameter',
        parameters: { Name: parameterName },
        region: 'us-east-1',
      })
    }
  })

  it('lets the reader get that one parameter, in us-east-1', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'ssm:GetParameter',
            Effect: 'Allow',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':ssm:us-east-1:',
                  { Ref: 'AWS::AccountId' },
                  `:parameter${parameterName}`,
                ],
              ],
            },
          },
        ],
      },
    })
  })

  it.each(['A', 'AAAA'])('points an %s alias record at the distribution', (type) => {
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'memes.example.com.',
      Type: type,
      HostedZoneId: 'Z0123456789EXAMPLE',
      AliasTarget: {
        DNSName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebDistribution'), 'DomainName'] },
        HostedZoneId: Match.anyValue(),
      },
    })
  })

  it('outputs the site and webhook URLs on the domain', () => {
    template.hasOutput('SiteUrl', { Value: 'https://memes.example.com' })
    template.hasOutput('WebhookPayloadUrl', {
      Value: 'https://memes.example.com/api/webhooks/github',
    })
  })
})

describe('-c domainName with -c certificateArn and no hosted zone', () => {
  let template: Template
  let certificate: CertificateStack | undefined
  beforeAll(() => {
    const built = buildTestApp(DOMAIN_WITH_CERTIFICATE)
    certificate = built.certificate
    template = Template.fromStack(built.appStack)
  })

  it('uses the certificate given and makes none', () => {
    expect(certificate).toBeUndefined()
    template.resourceCountIs('Custom::AWS', 0)
    expect(distributionOf(template)).toMatchObject({
      Aliases: ['memes.example.com'],
      ViewerCertificate: {
        AcmCertificateArn: DOMAIN_WITH_CERTIFICATE.certificateArn,
        MinimumProtocolVersion: 'TLSv1.2_2021',
      },
    })
  })

  it('leaves DNS to its owner, with CloudFront’s own host to point it at', () => {
    template.resourceCountIs('AWS::Route53::RecordSet', 0)
    template.hasOutput('DistributionDomainName', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebDistribution'), 'DomainName'] },
    })
    template.hasOutput('SiteUrl', { Value: 'https://memes.example.com' })
  })
})
