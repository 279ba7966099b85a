import { App } from 'aws-cdk-lib'
import { describe, expect, it } from 'vitest'
import { loadDeploymentConfig } from '../lib/config.ts'
import { DOMAIN_WITH_CERTIFICATE, DOMAIN_WITH_ZONE } from './app-fixture.ts'

const load = (context: Record<string, string>) => loadDeploymentConfig(new App({ context }))

describe('custom domain context', () => {
  it('has none by default, so the site is at its CloudFront domain', () => {
    const config = load({})
    expect(config.domain).toBeUndefined()
    expect(config.siteOrigin).toBeUndefined()
  })

  it('takes a domain with its hosted zone, and makes https://<domain> the site’s origin', () => {
    expect(load(DOMAIN_WITH_ZONE)).toMatchObject({
      domain: {
        name: 'memes.example.com',
        hostedZone: { id: 'Z0123456789EXAMPLE', name: 'example.com' },
      },
      siteOrigin: 'https://memes.example.com',
    })
  })

  it('takes a domain with a certificate in us-east-1', () => {
    const config = load(DOMAIN_WITH_CERTIFICATE)
    expect(config.domain).toEqual({
      name: 'memes.example.com',
      certificateArn: DOMAIN_WITH_CERTIFICATE.certificateArn,
    })
    expect(config.siteOrigin).toBe('https://memes.example.com')
  })

  it('reads the domain and zone as Route 53 shows them (capitals, a final dot)', () => {
    const config = load({
      domainName: 'Memes.Example.com.',
      hostedZoneId: 'Z0123456789EXAMPLE',
      hostedZoneName: 'example.com.',
    })
    expect(config.domain).toMatchObject({
      name: 'memes.example.com',
      hostedZone: { name: 'example.com' },
    })
  })

  it.each([
    [{ siteOrigin: 'https://memes.example.com' }, /siteOrigin is replaced by domainName/],
    [{ domainName: 'memes.example.com' }, /needs a certificate: give -c hostedZoneId/],
    [{ domainName: 'https://memes.example.com' }, /must be a host name/],
    [{ domainName: 'memes.example.com/app' }, /must be a host name/],
    [{ hostedZoneId: 'Z0123456789EXAMPLE', hostedZoneName: 'example.com' }, /needs domainName/],
    [{ certificateArn: DOMAIN_WITH_CERTIFICATE.certificateArn }, /certificateArn needs domainName/],
    [{ ...DOMAIN_WITH_ZONE, hostedZoneName: '' }, /hostedZoneId and hostedZoneName go together/],
    [{ ...DOMAIN_WITH_ZONE, hostedZoneId: 'example.com' }, /must be a Route 53 zone id/],
    [
      { ...DOMAIN_WITH_ZONE, hostedZoneName: 'example.org' },
      /is not in the hosted zone example\.org/,
    ],
    [
      {
        domainName: 'memes.example.com',
        certificateArn:
          'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789',
      },
      /must be an ACM certificate in us-east-1/,
    ],
    [
      { domainName: 'memes.example.com', certificateArn: 'memes-certificate' },
      /must be an ACM certificate in us-east-1/,
    ],
  ])('refuses %j', (context, message) => {
    expect(() => load(context)).toThrow(message)
  })
})

describe('fixedEgressIp context', () => {
  it('is off by default and on with true', () => {
    expect(load({}).fixedEgressIp).toBe(false)
    expect(load({ fixedEgressIp: 'true' }).fixedEgressIp).toBe(true)
  })

  it('refuses a value that is not true or false', () => {
    expect(() => load({ fixedEgressIp: 'yes' })).toThrow(/fixedEgressIp must be true or false/)
  })
})
