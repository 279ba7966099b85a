import { CfnResource, RemovalPolicy, type Stack } from 'aws-cdk-lib'
import { CfnFunction } from 'aws-cdk-lib/aws-lambda'
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs'

/**
 * How long the logs of aws-cdk-lib's helper functions are kept. They run only while a stack
 * deploys or is deleted; a month is long enough to look into a failed deploy.
 */
export const LIBRARY_FUNCTION_LOG_RETENTION = RetentionDays.ONE_MONTH

/**
 * Gives each of aws-cdk-lib's bare helper functions in `stack` a log group with a retention.
 *
 * The custom resource providers behind `autoDeleteObjects`, a bucket's EventBridge
 * notifications and the VPC's default security group are plain `AWS::Lambda::Function`
 * resources with no logging options. Left alone, Lambda makes `/aws/lambda/<name>` on their
 * first run and keeps it forever; here each writes to a log group of its own instead
 * (`LoggingConfig`), which the stack owns and deletes. Functions built as `lambda.Function`
 * (ours, `BucketDeployment`'s, `AwsCustomResource`'s) are given a log group where they are
 * made; `test/log-retention.test.ts` checks every function of every stack.
 *
 * Run once every construct of the stack exists.
 */
export function retainLibraryFunctionLogs(stack: Stack): void {
  const bare = stack.node
    .findAll()
    .filter(
      (construct): construct is CfnResource =>
        CfnResource.isCfnResource(construct) &&
        construct.cfnResourceType === 'AWS::Lambda::Function' &&
        !(construct instanceof CfnFunction),
    )
  for (const handler of bare) {
    const logs = new LogGroup(handler.node.scope ?? stack, 'Logs', {
      retention: LIBRARY_FUNCTION_LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    handler.addPropertyOverride('LoggingConfig', { LogGroup: logs.logGroupName })
  }
}
