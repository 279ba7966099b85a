import { Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib'
import { BuildSpec, ComputeType, LinuxBuildImage, PipelineProject } from 'aws-cdk-lib/aws-codebuild'
import { Artifact, Pipeline, PipelineType } from 'aws-cdk-lib/aws-codepipeline'
import { CodeBuildAction, S3SourceAction, S3Trigger } from 'aws-cdk-lib/aws-codepipeline-actions'
import { Rule } from 'aws-cdk-lib/aws-events'
import { CodePipeline as CodePipelineTarget } from 'aws-cdk-lib/aws-events-targets'
import { Key } from 'aws-cdk-lib/aws-kms'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  type IBucket,
} from 'aws-cdk-lib/aws-s3'
import { Construct } from 'constructs'
import { acknowledgeLibraryFunctions, nagEnvironment } from './nag-suppressions.ts'

export interface ArchivePipelineProps {
  /** The versioned bucket the GitHub webhook archives pushes into (EventBridge enabled). */
  archiveBucket: IBucket
  /** The archive to build: `{owner}/{repo}/{branch}.zip`. */
  sourceKey: string
  /** The buildspec's path inside the archive. */
  buildSpecPath?: string
}

/**
 * What the GitHub webhook feeds: a push lands as `{owner}/{repo}/{branch}.zip` in the archive
 * bucket, S3 emits "Object Created" to EventBridge, and a rule starts this pipeline, which hands
 * that archive version to CodeBuild running the repository's own buildspec.
 *
 * The source action's own `S3Trigger.EVENTS` would listen for CloudTrail's PutObject record,
 * which needs a trail logging S3 data events (paid per event, and a bucket of its own). S3's
 * direct EventBridge notifications give the same start without a trail.
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/create-S3-source-events.html
 */
export class ArchivePipeline extends Construct {
  readonly pipeline: Pipeline

  constructor(scope: Construct, id: string, props: ArchivePipelineProps) {
    super(scope, id)

    const key = new Key(this, 'ArtifactKey', {
      description: 'meme-studio pipeline artifacts and build output',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    })
    // Intermediate artifacts only: rebuilt from the archive on every run.
    const artifacts = new Bucket(this, 'Artifacts', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.KMS,
      encryptionKey: key,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-artifacts', expiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    })
    Validations.of(artifacts).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Holds only the pipeline’s intermediate artifacts, written and read by the pipeline ' +
        'and build roles (KMS-encrypted, expired after 30 days); the source of truth is the ' +
        'versioned, access-logged archive bucket.',
    })

    const project = new PipelineProject(this, 'Build', {
      description: 'Runs the buildspec of the archived repository',
      buildSpec: BuildSpec.fromSourceFilename(props.buildSpecPath ?? 'buildspec.yml'),
      environment: { buildImage: LinuxBuildImage.STANDARD_7_0, computeType: ComputeType.SMALL },
      encryptionKey: key,
      timeout: Duration.minutes(30),
      logging: {
        cloudWatch: {
          logGroup: new LogGroup(this, 'BuildLogs', {
            retention: RetentionDays.ONE_MONTH,
            removalPolicy: RemovalPolicy.DESTROY,
          }),
        },
      },
    })

    const source = new Artifact('Source')
    this.pipeline = new Pipeline(this, 'Pipeline', {
      pipelineType: PipelineType.V2,
      artifactBucket: artifacts,
      restartExecutionOnUpdate: false,
      stages: [
        {
          stageName: 'Source',
          actions: [
            new S3SourceAction({
              actionName: 'Archive',
              bucket: props.archiveBucket,
              bucketKey: props.sourceKey,
              // Started by the rule below, not by polling or a CloudTrail trail.
              trigger: S3Trigger.NONE,
              output: source,
            }),
          ],
        },
        {
          stageName: 'Build',
          actions: [new CodeBuildAction({ actionName: 'Build', project, input: source })],
        },
      ],
    })

    new Rule(this, 'OnArchive', {
      description: `Start the pipeline when ${props.sourceKey} is archived`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.archiveBucket.bucketName] },
          object: { key: [props.sourceKey] },
        },
      },
      targets: [new CodePipelineTarget(this.pipeline)],
    })

    const { partition, region, account } = nagEnvironment(Stack.of(this))
    const families =
      'one of the read/write action families CDK grants the pipeline, source and build ' +
      'roles, on this pipeline’s artifact bucket, the one archive key and this key only'
    Validations.of(this).acknowledge(
      ...[
        's3:GetObject*',
        's3:GetBucket*',
        's3:List*',
        's3:DeleteObject*',
        's3:Abort*',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
      ].map((action) => ({ id: `AwsSolutions-IAM5[Action::${action}]`, reason: families })),
      {
        id: 'AwsSolutions-IAM5[Resource::<ArchivePipelineArtifacts362C2D7F.Arn>/*]',
        reason:
          'Artifact keys are generated per execution; the roles may use any object of this ' +
          'pipeline’s own artifact bucket, nothing else.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:${partition}:logs:${region}:${account}:log-group:/aws/codebuild/<ArchivePipelineBuild03CC822F>:*]`,
        reason: 'Log streams are named per build, inside this project’s own log group.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:${partition}:codebuild:${region}:${account}:report-group/<ArchivePipelineBuild03CC822F>-*]`,
        reason: 'Test report groups the buildspec may declare, all prefixed with this project.',
      },
    )
  }
}

export interface PipelineStackProps extends StackProps {
  archiveBucket: IBucket
  sourceKey: string
}

/** The optional pipeline, in its own stack so turning it off removes it cleanly. */
export class PipelineStack extends Stack {
  readonly archivePipeline: ArchivePipeline

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props)
    this.archivePipeline = new ArchivePipeline(this, 'ArchivePipeline', {
      archiveBucket: props.archiveBucket,
      sourceKey: props.sourceKey,
    })
    acknowledgeLibraryFunctions(this)
  }
}
