import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib'
import {
  AttributeType,
  BillingMode,
  Table,
  TableEncryption,
  type ITable,
} from 'aws-cdk-lib/aws-dynamodb'
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
  type IBucket,
} from 'aws-cdk-lib/aws-s3'
import type { Construct } from 'constructs'
import type { DeploymentConfig } from './config.ts'
import { acknowledgeLibraryFunctions } from './nag-suppressions.ts'

export interface StorageStackProps extends StackProps {
  config: DeploymentConfig
}

/**
 * How long the app's objects live in the uploads bucket, by key prefix. The app never deletes
 * them itself: uploads are read once by the renderer, shares and job results promise a month.
 * `jobs/`, `webhooks/` and `events/` hold records of earlier versions, moved into the records
 * table once at start: they go by the rules they had.
 */
export const uploadLifetimes: Readonly<Record<string, number>> = {
  'uploads/': 1,
  'renders/': 30,
  'jobs/': 30,
  'webhooks/': 30,
  'events/': 30,
}

/** Days an overwritten archive stays restorable (a push replaces `{owner}/{repo}/{branch}.zip`). */
export const archiveNoncurrentDays = 30

/** Days server access logs are kept. */
export const accessLogDays = 90

/**
 * The records table's key schema and TTL attribute: the api's (`records-table.ts`, which
 * creates the same table for dynalite and the tests); storage.test.ts checks they agree.
 */
export const RECORDS_KEYS = { partitionKey: 'pk', sortKey: 'sk', timeToLive: 'expiresAt' } as const

/**
 * The stateful part: the buckets holding what users and GitHub put in, and the table of the
 * app's records. Retained when the stack is deleted, so a teardown never takes memes,
 * archives or hooks with it.
 */
export class StorageStack extends Stack {
  readonly uploadBucket: IBucket
  readonly archiveBucket: IBucket
  readonly accessLogBucket: IBucket
  readonly recordsTable: ITable

  constructor(scope: Construct, id: string, props: StorageStackProps) {
    super(scope, id, props)

    const accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // S3 delivers server access logs through the log-delivery ACL that CDK grants here.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(accessLogDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    })
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access-log bucket of the uploads and archive buckets; logging it into ' +
        'itself would log every log delivery, and a second log bucket only moves the question.',
    })

    const siteOrigins = props.config.siteOrigin ? [props.config.siteOrigin] : ['*']
    this.uploadBucket = new Bucket(this, 'Uploads', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'uploads/',
      // The browser POSTs the picture straight here under the API's signed policy.
      // @see https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTForms.html
      cors: [
        {
          // POST: uploads straight from the browser. GET and HEAD: the editor fetch()es a
          // template's picture and a composed layout through presigned URLs to draw its preview.
          allowedMethods: [HttpMethods.POST, HttpMethods.GET, HttpMethods.HEAD],
          allowedOrigins: siteOrigins,
          allowedHeaders: ['*'],
          exposedHeaders: ['ETag', 'Location'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        ...Object.entries(uploadLifetimes).map(([prefix, days]) => ({
          id: `expire-${prefix.slice(0, -1)}`,
          prefix,
          expiration: Duration.days(days),
        })),
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    })

    this.archiveBucket = new Bucket(this, 'Archives', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      // The optional pipeline starts on the archive's "Object Created" event (see pipeline.ts).
      eventBridgeEnabled: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'archives/',
      lifecycleRules: [
        {
          id: 'expire-noncurrent-archives',
          noncurrentVersionExpiration: Duration.days(archiveNoncurrentDays),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    })
    this.accessLogBucket = accessLogs

    // Jobs, hooks, deliveries, idempotency keys and settings: small items, read and written
    // a few at a time. On demand: no capacity to plan or pay for while idle.
    this.recordsTable = new Table(this, 'Records', {
      partitionKey: { name: RECORDS_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: RECORDS_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // DynamoDB deletes expired items lazily (within days); the app's reads ignore them first.
      timeToLiveAttribute: RECORDS_KEYS.timeToLive,
      // Any second of the last 35 days can be restored into a new table.
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key (aws/dynamodb): no key to pay for or keep a policy for, and its
      // use is in CloudTrail. DynamoDB caches the table key, so KMS sees few requests.
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    })
    acknowledgeLibraryFunctions(this)

    new CfnOutput(this, 'UploadBucketName', {
      value: this.uploadBucket.bucketName,
      description: 'Uploads and renders (the app’s S3_BUCKET)',
    })
    new CfnOutput(this, 'RecordsTableName', {
      value: this.recordsTable.tableName,
      description: 'Jobs, hooks, deliveries, idempotency keys, settings (the app’s RECORDS_TABLE)',
    })
    new CfnOutput(this, 'ArchiveBucketName', {
      value: this.archiveBucket.bucketName,
      description: 'GitHub push archives (the app’s ARCHIVE_BUCKET)',
    })
  }
}
