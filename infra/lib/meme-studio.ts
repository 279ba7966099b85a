import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Stack, Tags, Validations, type App } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import { APP_PREFIXES, AppStack } from './app-stack.ts'
import { CertificateStack, type SiteCertificateSource } from './certificate-stack.ts'
import { CERTIFICATE_REGION, loadDeploymentConfig } from './config.ts'
import { retainLibraryFunctionLogs } from './library-function-logs.ts'
import { PipelineStack } from './pipeline.ts'
import { StorageStack } from './storage-stack.ts'

export interface MemeStudioStacks {
  storage: StorageStack
  appStack: AppStack
  /** Present only with context `pipeline=true`. */
  pipeline?: PipelineStack
  /** Present only with `domainName` and a hosted zone but no `certificateArn`. */
  certificate?: CertificateStack
}

/** The built SPA: context `webDist` (relative to the working directory), else `web/dist`. */
function siteAssetsDirectory(app: App): string {
  const given: unknown = app.node.tryGetContext('webDist')
  return typeof given === 'string' && given !== ''
    ? resolve(given)
    : fileURLToPath(new URL('../../web/dist', import.meta.url))
}

/**
 * Builds the app's stacks from its context and checks them with cdk-nag's AWS Solutions rules.
 * Stack names start with the stage (`dev-MemeStudioStorage`), so stages share an account.
 */
export function buildStacks(app: App): MemeStudioStacks {
  const config = loadDeploymentConfig(app)
  const name = (stack: string) => `${config.stage}-MemeStudio${stack}`
  const env = config.env

  const storage = new StorageStack(app, name('Storage'), {
    description: `meme-studio ${config.stage}: uploads and archive buckets, records table (retained)`,
    env,
    config,
  })
  const { domain } = config
  // CloudFront takes certificates from us-east-1 only, wherever the app stack is.
  const certificate =
    domain?.hostedZone && !domain.certificateArn
      ? new CertificateStack(app, name('Certificate'), {
          description: `meme-studio ${config.stage}: the certificate of ${domain.name} (us-east-1, for CloudFront)`,
          env: { ...env, region: CERTIFICATE_REGION },
          stage: config.stage,
          domain: { ...domain, hostedZone: domain.hostedZone },
        })
      : undefined
  const siteCertificate: SiteCertificateSource | undefined = domain?.certificateArn
    ? { arn: domain.certificateArn }
    : certificate && { parameterName: certificate.parameterName }
  const site = new AppStack(app, name('App'), {
    description: `meme-studio ${config.stage}: the render and control functions behind API Gateway, the SPA behind CloudFront`,
    env,
    config,
    siteAssets: siteAssetsDirectory(app),
    uploadBucket: storage.uploadBucket,
    archiveBucket: storage.archiveBucket,
    recordsTable: storage.recordsTable,
    ...(siteCertificate ? { siteCertificate } : {}),
  })
  if (certificate) {
    site.addStackDependency(certificate, 'the site reads its certificate’s ARN from that stack')
  }
  acknowledgeBucketPrefixes(site, storage.stackName)
  const pipeline = config.pipeline
    ? new PipelineStack(app, name('Pipeline'), {
        description: `meme-studio ${config.stage}: builds what the GitHub webhook archives`,
        env,
        archiveBucket: storage.archiveBucket,
        sourceKey: config.pipelineSourceKey,
      })
    : undefined

  for (const stack of app.node.children.filter(Stack.isStack)) retainLibraryFunctionLogs(stack)
  Tags.of(app).add('app', 'meme-studio')
  Tags.of(app).add('stage', config.stage)
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }))
  return {
    storage,
    appStack: site,
    ...(pipeline ? { pipeline } : {}),
    ...(certificate ? { certificate } : {}),
  }
}

/**
 * The functions' S3 grants end in key-prefix wildcards (`uploads/*`, `renders/*`, …): each
 * names one prefix of one bucket, which is as narrow as S3 object ARNs go. cdk-nag names
 * these findings after the cross-stack exports of the buckets' ARNs, which exist only once
 * the stacks are wired together here.
 */
function acknowledgeBucketPrefixes(app: AppStack, storageStack: string): void {
  const uploads = `${storageStack}:ExportsOutputFnGetAttUploads4F6EB0FDArn5513CBEA`
  const archives = `${storageStack}:ExportsOutputFnGetAttArchives51DD1BB3Arn090B7FEE`
  const resources = [...APP_PREFIXES.map((prefix) => `${uploads}/${prefix}*`), `${archives}/*`]
  for (const resource of resources) {
    Validations.of(app).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
      reason:
        "One key prefix of one bucket (the app's uploads and renders, and the records " +
        'earlier versions kept there, which control reads once to move; any key of the ' +
        'archive bucket, which holds only archives): the narrowest S3 object grant there is.',
    })
  }
}
