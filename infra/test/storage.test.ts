import { Stack } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import type { CfnTable } from 'aws-cdk-lib/aws-dynamodb'
import type { CfnBucket, IBucket } from 'aws-cdk-lib/aws-s3'
import { beforeAll, describe, expect, it } from 'vitest'
import { corsConfiguration } from '../../api/src/embedded-s3.ts'
import {
  RECORDS_PARTITION_KEY,
  RECORDS_SORT_KEY,
  RECORDS_TTL_ATTRIBUTE,
} from '../../api/src/services/records/records-table.ts'
import { buildTestApp, DOMAIN_WITH_ZONE } from './app-fixture.ts'

const siteOrigin = `https://${DOMAIN_WITH_ZONE.domainName}`
let template: Template
let uploads: string
let archives: string
let logs: string
let table: string

function logicalId(bucket: IBucket): string {
  return Stack.of(bucket).getLogicalId(bucket.node.defaultChild as CfnBucket)
}

beforeAll(() => {
  const { storage } = buildTestApp(DOMAIN_WITH_ZONE)
  template = Template.fromStack(storage)
  uploads = logicalId(storage.uploadBucket)
  archives = logicalId(storage.archiveBucket)
  logs = logicalId(storage.accessLogBucket)
  table = storage.getLogicalId(storage.recordsTable.node.defaultChild as CfnTable)
})

function bucket(id: string): Record<string, unknown> {
  const found = template.findResources('AWS::S3::Bucket')[id]
  if (!found) throw new Error(`no bucket ${id}`)
  return found
}

describe('storage stack', () => {
  it.each([
    ['uploads', () => uploads],
    ['archive', () => archives],
    ['access-log', () => logs],
  ])('keeps the %s bucket private, encrypted and retained', (_name, id) => {
    expect(bucket(id())).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
      },
    })
  })

  it.each([
    ['uploads', () => uploads],
    ['archive', () => archives],
    ['access-log', () => logs],
  ])('refuses plain HTTP to the %s bucket', (_name, id) => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: id() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    })
  })

  it('lets the site POST uploads and GET pictures from the browser, and read the ETag and Location', () => {
    expect(bucket(uploads)).toMatchObject({
      Properties: {
        CorsConfiguration: {
          CorsRules: [
            {
              AllowedMethods: ['POST', 'GET', 'HEAD'],
              AllowedOrigins: [siteOrigin],
              ExposedHeaders: ['ETag', 'Location'],
            },
          ],
        },
      },
    })
  })

  it('allows the browser what the embedded S3 allows it, so what works locally works on AWS', () => {
    const local = corsConfiguration([siteOrigin])
    const localMethods = [...local.matchAll(/<AllowedMethod>([A-Z]+)<\/AllowedMethod>/g)].map(
      (match) => match[1],
    )
    const [rule] = (
      bucket(uploads) as {
        Properties: { CorsConfiguration: { CorsRules: { AllowedMethods: string[] }[] } }
      }
    ).Properties.CorsConfiguration.CorsRules
    expect(localMethods.length).toBeGreaterThan(0)
    expect([...rule!.AllowedMethods].sort()).toEqual(localMethods.sort())
  })

  it('expires what the app writes, by prefix', () => {
    const rules = (
      bucket(uploads) as {
        Properties: { LifecycleConfiguration: { Rules: Record<string, unknown>[] } }
      }
    ).Properties.LifecycleConfiguration.Rules
    const expiries = Object.fromEntries(
      rules.filter((rule) => 'Prefix' in rule).map((rule) => [rule.Prefix, rule.ExpirationInDays]),
    )
    expect(expiries).toEqual({
      'uploads/': 1,
      'renders/': 30,
      'jobs/': 30,
      'webhooks/': 30,
      'events/': 30,
    })
    for (const rule of rules) expect(rule.Status).toBe('Enabled')
    // Template pictures are what saved templates and URL renders name: they never expire.
    for (const rule of rules.filter((rule) => 'ExpirationInDays' in rule)) {
      expect('templates/'.startsWith(String(rule.Prefix ?? ''))).toBe(false)
    }
  })

  it('versions archives and keeps overwritten ones for 30 days', () => {
    const { Properties } = bucket(archives) as {
      Properties: {
        VersioningConfiguration: unknown
        LifecycleConfiguration: { Rules: Record<string, unknown>[] }
      }
    }
    expect(Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' })
    expect(Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({
        Status: 'Enabled',
        NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      }),
    )
    // Current archives are never expired: the latest push of a branch stays.
    for (const rule of Properties.LifecycleConfiguration.Rules) {
      expect(rule).not.toHaveProperty('ExpirationInDays')
    }
  })

  it('sends archive events to EventBridge, where the optional pipeline listens', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: archives },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    })
  })

  it('logs access to the uploads and archive buckets', () => {
    for (const id of [uploads, archives]) {
      expect(bucket(id)).toMatchObject({
        Properties: { LoggingConfiguration: { DestinationBucketName: { Ref: logs } } },
      })
    }
  })

  it('outputs the bucket names the app is configured with', () => {
    template.hasOutput('UploadBucketName', { Value: { Ref: uploads } })
    template.hasOutput('ArchiveBucketName', { Value: { Ref: archives } })
  })

  it('keeps the records in a table with the api’s keys and TTL, on demand, restorable, retained', () => {
    const found = template.findResources('AWS::DynamoDB::Table')
    expect(Object.keys(found)).toEqual([table])
    expect(found[table]).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        // The same key schema and TTL attribute the app creates for dynalite and its tests.
        KeySchema: [
          { AttributeName: RECORDS_PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: RECORDS_SORT_KEY, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: RECORDS_PARTITION_KEY, AttributeType: 'S' },
          { AttributeName: RECORDS_SORT_KEY, AttributeType: 'S' },
        ],
        TimeToLiveSpecification: { AttributeName: RECORDS_TTL_ATTRIBUTE, Enabled: true },
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        // Enabled with no key named: KMS with the AWS managed key, aws/dynamodb.
        SSESpecification: { SSEEnabled: true },
      },
    })
    template.hasOutput('RecordsTableName', { Value: { Ref: table } })
  })
})
