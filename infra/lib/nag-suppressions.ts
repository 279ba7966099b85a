import { Token, Validations, type Stack } from 'aws-cdk-lib'
import type { CfnBucket, IBucket } from 'aws-cdk-lib/aws-s3'

/**
 * Functions that aws-cdk-lib itself adds to a stack, by the id prefix it gives them: the
 * `BucketDeployment` copier, the `autoDeleteObjects` cleaner, the handler that turns on a
 * bucket's EventBridge notifications, the one that empties a VPC's default security group, and
 * `AwsCustomResource`'s (the site certificate's ARN read from us-east-1). Their code, runtime
 * and role come from the library; we can neither pick their runtime nor scope their policies
 * further.
 */
const libraryFunctionPrefixes = [
  'Custom::CDKBucketDeployment',
  'Custom::S3AutoDeleteObjects',
  'BucketNotificationsHandler',
  'Custom::VpcRestrictDefaultSG',
  'AWS679f53fac002430cb0da5b7982bd2287',
]

/**
 * The partition, region and account as cdk-nag writes them in a finding's id: the values when
 * known at synth (`-c region`, `CDK_DEFAULT_*`), else their pseudo parameters.
 */
export function nagEnvironment(stack: Stack): {
  partition: string
  region: string
  account: string
} {
  const shown = (value: string, pseudo: string) =>
    Token.isUnresolved(value) ? `<${pseudo}>` : value
  return {
    partition: shown(stack.partition, 'AWS::Partition'),
    region: shown(stack.region, 'AWS::Region'),
    account: shown(stack.account, 'AWS::AccountId'),
  }
}

/**
 * What the `BucketDeployment` copier is granted, finding by finding. cdk-nag names the
 * bootstrap bucket with the stack's account and region when they are known at synth
 * (`-c account`, `CDK_DEFAULT_*`), else with their pseudo parameters.
 */
const bucketDeploymentGrants = (stack: Stack, siteBucket: IBucket) => [
  {
    id: `AwsSolutions-IAM5[Resource::arn:${nagEnvironment(stack).partition}:s3:::cdk-hnb659fds-assets-${nagEnvironment(stack).account}-${nagEnvironment(stack).region}/*]`,
    reason:
      'Reads the zipped site from the CDK bootstrap asset bucket; the asset key is a hash ' +
      'only known at deploy time, so the grant is the bucket’s objects.',
  },
  {
    id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(siteBucket.node.defaultChild as CfnBucket)}.Arn>/*]`,
    reason: 'Writes and prunes the site’s files: every object of the site bucket, and only it.',
  },
  ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map(
    (action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason:
        'The S3 read/write action families CDK grants for copying the site, limited to the ' +
        'asset bucket and the site bucket above.',
    }),
  ),
  {
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'cloudfront:CreateInvalidation and GetInvalidation, which CDK grants on `*`: CloudFront ' +
      'invalidations take no narrower resource in the copier’s policy.',
  },
]

/**
 * Acknowledges cdk-nag's findings on aws-cdk-lib's own helper functions in `stack`;
 * `siteBucket` is where a `BucketDeployment` in it copies to.
 */
export function acknowledgeLibraryFunctions(stack: Stack, siteBucket?: IBucket): void {
  for (const child of stack.node.children) {
    if (!libraryFunctionPrefixes.some((prefix) => child.node.id.startsWith(prefix))) continue
    Validations.of(child).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'aws-cdk-lib gives its deployment helper the AWS-managed AWSLambdaBasicExecutionRole; ' +
          'it only lets the function write its own CloudWatch logs.',
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          'The runtime of aws-cdk-lib helper functions is pinned by the library and moves ' +
          'forward with it; they run only during deployments, never on user requests.',
      },
      ...(child.node.id.startsWith('Custom::CDKBucketDeployment') && siteBucket
        ? bucketDeploymentGrants(stack, siteBucket)
        : []),
    )
  }
}
