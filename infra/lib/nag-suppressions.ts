import { Validations, type Stack } from 'aws-cdk-lib'

/**
 * Functions that aws-cdk-lib itself adds to a stack, by the id prefix it gives them: the
 * `BucketDeployment` copier, the `autoDeleteObjects` cleaner and the handler that turns on a
 * bucket's EventBridge notifications. Their code, runtime and role come from the library; we
 * can neither pick their runtime nor scope their policies further.
 */
const libraryFunctionPrefixes = [
  'Custom::CDKBucketDeployment',
  'Custom::S3AutoDeleteObjects',
  'BucketNotificationsHandler',
]

/** What the `BucketDeployment` copier is granted, finding by finding. */
const bucketDeploymentGrants = [
  {
    id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
    reason:
      'Reads the zipped site from the CDK bootstrap asset bucket; the asset key is a hash ' +
      'only known at deploy time, so the grant is the bucket’s objects.',
  },
  {
    id: 'AwsSolutions-IAM5[Resource::<SiteE53D7754.Arn>/*]',
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

/** Acknowledges cdk-nag's findings on aws-cdk-lib's own helper functions in `stack`. */
export function acknowledgeLibraryFunctions(stack: Stack): void {
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
      ...(child.node.id.startsWith('Custom::CDKBucketDeployment') ? bucketDeploymentGrants : []),
    )
  }
}
