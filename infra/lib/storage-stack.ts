import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib'
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
 * them itself: uploads are read once by the renderer, shares and job results promise a month,
 * and webhook deliveries and events are kept as long as anyone would want to redeliver them.
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
 * The stateful part: the buckets holding what users and GitHub put in. Retained when the stack
 * is deleted, so a teardown never takes memes or archives with it.
 */
export class StorageStack extends Stack {
  readonly uploadBucket: IBucket
  readonly archiveBucket: IBucket
  readonly accessLogBucket: IBucket

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
          allowedMethods: [HttpMethods.POST],
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
    acknowledgeLibraryFunctions(this)

    new CfnOutput(this, 'UploadBucketName', {
      value: this.uploadBucket.bucketName,
      description: 'Uploads, renders, jobs, webhook deliveries (the app’s S3_BUCKET)',
    })
    new CfnOutput(this, 'ArchiveBucketName', {
      value: this.archiveBucket.bucketName,
      description: 'GitHub push archives (the app’s ARCHIVE_BUCKET)',
    })
  }
}
